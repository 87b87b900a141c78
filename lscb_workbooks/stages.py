"""Where a run's time goes, stage by stage, for `benchmarks/` and anyone tuning the tool.

Nothing is measured unless asked: a run inside `timing_stages()` adds the
seconds of each stage (intake, read, identity, validation, store, each output)
to the dictionary it yields; any other run pays one context-variable lookup per
stage and the user sees nothing. A stage inside another counts its time to itself
alone: the outer stage gets what is left.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

_SECONDS: ContextVar[dict[str, float] | None] = ContextVar("lscb_stage_seconds", default=None)
# The seconds taken so far by the stages inside the one open now (one number in a list, added to in place).
_INNER: ContextVar[list[float] | None] = ContextVar("lscb_inner_stage_seconds", default=None)


@contextmanager
def timing_stages() -> Iterator[dict[str, float]]:
    """{stage: seconds} of every stage run inside the block, filled in as the stages finish."""
    seconds: dict[str, float] = {}
    token = _SECONDS.set(seconds)
    try:
        yield seconds
    finally:
        _SECONDS.reset(token)


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Add the time spent inside the block to `name`, when a run is being timed."""
    seconds = _SECONDS.get()
    if seconds is None:
        yield
        return
    outer, inner = _INNER.get(), [0.0]
    token = _INNER.set(inner)
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        _INNER.reset(token)
        add_seconds(name, elapsed - inner[0])
        if outer is not None:
            outer[0] += elapsed


def add_seconds(name: str, elapsed: float) -> None:
    """Add time measured elsewhere (another process's work) to `name`, when a run is being timed."""
    seconds = _SECONDS.get()
    if seconds is not None:
        seconds[name] = seconds.get(name, 0.0) + elapsed


def timing() -> bool:
    return _SECONDS.get() is not None
