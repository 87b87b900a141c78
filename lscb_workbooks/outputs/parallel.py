"""Work beside the main process: writing 33 workbooks uses both cores, not one."""

from __future__ import annotations

import pickle
import traceback
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Callable, Generic, TypeVar

from ..errors import LscbError
from ..processes import worker_context

T = TypeVar("T")


class ChildFailed(LscbError, RuntimeError):
    """The process writing beside the main one failed; the message carries its traceback."""


class InProcess(Generic[T]):
    """Work started in another process: call it to wait for the work's return value."""

    def __init__(self, process: BaseProcess, receiver: Connection) -> None:
        self._process, self._receiver = process, receiver

    def __call__(self) -> T:
        try:
            ok, payload = pickle.loads(self._receiver.recv_bytes())
        except EOFError:
            self._process.join()
            raise ChildFailed(f"the writing process stopped unexpectedly (exit code {self._process.exitcode})") from None
        finally:
            self._receiver.close()
        self._process.join()
        if not ok:
            raise ChildFailed(payload)
        return payload

    def wait_for(self, event: Any) -> bool:
        """Wait until the other process sets `event` (made by `new_event`); False if it stopped first."""
        while not event.wait(EVENT_POLL_S):
            if not self._process.is_alive():
                return event.is_set()
        return True

    def work_until(self, event: Any, step: Callable[[], bool]) -> bool:
        """Do `step` (one small piece of other work; False once there is none left) again and again until the
        other process sets `event`, then wait for it if need be; False if it stopped without setting it."""
        while not event.is_set():
            if not step():
                return self.wait_for(event)
        return True


EVENT_POLL_S = 0.2


def new_event() -> Any:
    """An event the other process can set, to say part of its work is done (see `InProcess.wait_for`)."""
    return worker_context().Event()


def start_in_process(work: Callable[..., T], *args: object) -> InProcess[T]:
    """Start `work(*args)` in another process now; call the result to wait for its return value.

    `work` is a module-level function and `args` picklable, so that it runs the same
    whether the process is forked (Linux) or spawned (Windows, macOS); only the
    return value, or the error, comes back. Shared counters and events (`new_event`) may be
    among `args`: they are handed to the process as it starts.
    """
    context = worker_context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_run, args=(work, args, sender))
    process.start()
    sender.close()
    return InProcess(process, receiver)


def _run(work: Callable[..., object], args: tuple, sender) -> None:
    try:
        outcome = (True, work(*args))
    except BaseException:  # the parent re-raises it with the child's traceback
        outcome = (False, traceback.format_exc())
    sender.send_bytes(pickle.dumps(outcome))
    sender.close()
