"""Work in another process: writing 33 workbooks uses both cores, not one, and checking a large intake
gives its memory back to the system when it is done."""

from __future__ import annotations

import pickle
import threading
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
    """Work started in another process: call it to wait for the work's return value (again: the same)."""

    def __init__(self, process: BaseProcess, receiver: Connection) -> None:
        self._process, self._receiver = process, receiver
        self._outcome: tuple[bool, Any] | None = None

    def __call__(self) -> T:
        if self._outcome is None:
            self._outcome = self._wait()
        ok, payload = self._outcome
        if not ok:
            raise payload if isinstance(payload, BaseException) else ChildFailed(payload)
        return payload

    def _wait(self) -> tuple[bool, Any]:
        try:
            outcome = pickle.loads(self._receiver.recv_bytes())
        except EOFError:
            self._process.join()
            return False, ChildFailed(f"the process working beside this one stopped unexpectedly "
                                      f"(exit code {self._process.exitcode})")
        finally:
            self._receiver.close()
        self._process.join()
        return outcome

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


class Handover:
    """Something the other process needs but this one has yet to work out, sent once it has.

    Made before the process starts and given to it as one of its arguments (its receiving end goes with
    it); the other process calls `receive` when it can go no further without it. Sending never waits for
    the other process to take it (a thread writes it into the pipe), and `send(None)` says that nothing
    will come (this process failed first), so that the other never waits for ever.
    """

    def __init__(self) -> None:
        self._receiver, self._sender = worker_context().Pipe(duplex=False)
        self._sent = False

    def send(self, what: object) -> None:
        """Send `what`, the first time only."""
        if self._sent:
            return
        self._sent = True
        self._receiver.close()  # the other process has its own: with this one closed, a writer sees it gone
        data, sender = pickle.dumps(what, protocol=pickle.HIGHEST_PROTOCOL), self._sender

        def write() -> None:
            try:
                sender.send_bytes(data)
            except OSError:  # the other process has stopped: nobody is waiting for it
                pass
            finally:
                sender.close()

        threading.Thread(target=write, name="handover", daemon=True).start()

    def receive(self) -> object:
        """In the other process: what was sent, or None if nothing will come."""
        if self._sender is not None:  # a forked process's copy of the sending end: closed, so that an end is seen
            self._sender.close()
            self._sender = None
        try:
            return pickle.loads(self._receiver.recv_bytes())
        except EOFError:
            return None

    def __getstate__(self) -> dict:
        return {"_receiver": self._receiver, "_sender": None, "_sent": True}  # the other process only receives


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
