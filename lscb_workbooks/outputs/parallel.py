"""Work beside the main process: writing 33 workbooks uses both cores, not one."""

from __future__ import annotations

import multiprocessing
import pickle
import traceback
from typing import Callable, TypeVar

from ..errors import LscbError

T = TypeVar("T")


class ChildFailed(LscbError, RuntimeError):
    """The forked process failed; the message carries its traceback."""


def start_in_fork(work: Callable[[], T]) -> Callable[[], T]:
    """Start `work` in a forked process now; call the result to wait for its return value.

    The child shares everything the parent had built (no pickling of inputs); only
    the return value, or the error, comes back.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_run, args=(work, sender))
    process.start()
    sender.close()

    def wait() -> T:
        try:
            ok, payload = pickle.loads(receiver.recv_bytes())
        except EOFError:
            process.join()
            raise ChildFailed(f"the writing process stopped unexpectedly (exit code {process.exitcode})") from None
        finally:
            receiver.close()
        process.join()
        if not ok:
            raise ChildFailed(payload)
        return payload

    return wait


def _run(work: Callable[[], object], sender) -> None:
    try:
        outcome = (True, work())
    except BaseException:  # the parent re-raises it with the child's traceback
        outcome = (False, traceback.format_exc())
    sender.send_bytes(pickle.dumps(outcome))
    sender.close()
