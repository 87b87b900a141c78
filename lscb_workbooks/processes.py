"""How the tool starts worker processes, the same way on every platform it supports.

Windows has only the `spawn` start method and macOS uses it by default: a
worker starts a fresh interpreter and receives its task by pickling, so a task
must be a module-level function with picklable arguments. On Linux, `fork`
starts workers faster and is used unless `LSCB_START_METHOD` says otherwise;
CI runs the intake and collation tests a second time with
`LSCB_START_METHOD=spawn`, so that nothing works only under fork.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
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
