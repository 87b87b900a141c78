"""How the tool starts worker processes, the same way on every platform it supports.

Windows has only the `spawn` start method and macOS uses it by default: a
worker starts a fresh interpreter and receives its task by pickling, so a task
must be a module-level function with picklable arguments. On Linux, `fork`
starts workers faster and is used unless `LSCB_START_METHOD` says otherwise;
CI runs the intake and collation tests a second time with
`LSCB_START_METHOD=spawn`, so that nothing works only under fork.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.context import BaseContext

START_METHOD_VARIABLE = "LSCB_START_METHOD"


def start_method() -> str:
    """`LSCB_START_METHOD` if this platform has it; else fork on Linux, spawn everywhere else."""
    available = multiprocessing.get_all_start_methods()
    chosen = os.environ.get(START_METHOD_VARIABLE, "").strip().lower()
    if chosen in available:
        return chosen
    return "fork" if sys.platform.startswith("linux") and "fork" in available else "spawn"


def worker_context() -> BaseContext:
    return multiprocessing.get_context(start_method())


# Python's collector of reference cycles makes a full pass over every object alive after ten passes over the
# younger ones. A collation holds hundreds of returns and writes workbooks of some 100,000 cells, so those
# full passes walked hundreds of thousands of objects and found next to nothing to free: in the 396-return
# benchmark, nine of them took 1.2 s of a 6 s run. The tool's own big cycles (xlsxwriter's workbooks and
# sheets) are broken when each workbook is saved (`outputs.xlsx.let_go`), so full passes can be rare.
YOUNGER_PASSES_PER_FULL_PASS = 1000


def collect_rarely() -> None:
    """Full collections rare in this process: for the tool's own worker processes, which end with their work."""
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, YOUNGER_PASSES_PER_FULL_PASS)


@contextmanager
def rare_full_collections() -> Iterator[None]:
    """Full collections rare while the block (or the function it decorates) runs, as they were before after it."""
    before = gc.get_threshold()
    collect_rarely()
    try:
        yield
    finally:
        gc.set_threshold(*before)
