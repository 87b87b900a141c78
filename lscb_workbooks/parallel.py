"""Work in another process: writing 33 workbooks uses both cores, not one, and checking a large intake
gives its memory back to the system when it is done."""

from __future__ import annotations

import pickle
import traceback
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Callable, Generic, TypeVar

from .errors import LscbError
from .processes import collect_rarely, worker_context

T = TypeVar("T")


class ChildFailed(RuntimeError):
    """The other process failed on an error of the tool's own; the message carries its traceback.

    An error the command line explains to the user (an `LscbError`, or an `OSError` such as a workbook
    open in Excel) is raised here as itself instead, as if the work had been done in this process.
    """


class InProcess(Generic[T]):
    """Work started in another process: call it to wait for the work's return value."""

    def __init__(self, process: BaseProcess, receiver: Connection) -> None:
        self._process, self._receiver = process, receiver

    def __call__(self) -> T:
        try:
            ok, payload = pickle.loads(self._receiver.recv_bytes())
        except EOFError:
            self._process.join()
            raise ChildFailed(f"the process working beside this one stopped unexpectedly "
                              f"(exit code {self._process.exitcode})") from None
        finally:
            self._receiver.close()
        self._process.join()
        if not ok:
            raise payload if isinstance(payload, BaseException) else ChildFailed(payload)
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
    collect_rarely()
    try:
        outcome = (True, work(*args))
    except BaseException as error:  # the parent re-raises it: as itself if the user is to be told, else with its traceback
        outcome = (False, _told_as_itself(error) or traceback.format_exc())
    sender.send_bytes(pickle.dumps(outcome))
    sender.close()


def _told_as_itself(error: BaseException) -> BaseException | None:
    """`error`, if the command line tells the user about it in words of its own and it survives being sent."""
    if not isinstance(error, (LscbError, OSError)):
        return None
    try:
        again = pickle.loads(pickle.dumps(error))
    except Exception:  # an exception that cannot be rebuilt: sent as its traceback
        return None
    return again if type(again) is type(error) and str(again) == str(error) else None
