"""Work beside the main process: writing 33 workbooks uses both cores, not one."""

from __future__ import annotations

import pickle
import time
import traceback
from typing import Callable, TypeVar

from ..errors import LscbError
from ..processes import worker_context
from ..stages import add_seconds

T = TypeVar("T")


class ChildFailed(LscbError, RuntimeError):
    """The process writing beside the main one failed; the message carries its traceback."""


def start_in_process(work: Callable[..., T], *args: object, stage: str | None = None) -> Callable[[], T]:
    """Start `work(*args)` in another process now; call the result to wait for its return value.

    With `stage`, the other process's own working time is added to that stage of a timed run.

    `work` is a module-level function and `args` picklable, so that it runs the same
    whether the process is forked (Linux) or spawned (Windows, macOS); only the
    return value, or the error, comes back.
    """
    context = worker_context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_run, args=(work, args, sender))
    process.start()
    sender.close()

    def wait() -> T:
        try:
            ok, payload, elapsed = pickle.loads(receiver.recv_bytes())
        except EOFError:
            process.join()
            raise ChildFailed(f"the writing process stopped unexpectedly (exit code {process.exitcode})") from None
        finally:
            receiver.close()
        process.join()
        if stage:
            add_seconds(stage, elapsed)
        if not ok:
            raise ChildFailed(payload)
        return payload

    return wait


def _run(work: Callable[..., object], args: tuple, sender) -> None:
    start = time.perf_counter()
    try:
        outcome = (True, work(*args), time.perf_counter() - start)
    except BaseException:  # the parent re-raises it with the child's traceback
        outcome = (False, traceback.format_exc(), time.perf_counter() - start)
    sender.send_bytes(pickle.dumps(outcome))
    sender.close()
