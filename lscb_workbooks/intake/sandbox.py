"""Run a task over many files in worker processes that are allowed to die.

python-calamine can abort the process it runs in (a Rust allocation failure
is not an exception) and any reader can spin on a hostile file. Here each file
is read in a worker process, with a memory ceiling where the platform allows one; a worker that dies or
overruns costs only the file it was reading. A file whose worker died is read
once more, alone, in a fresh process, so that a file read alongside it is not
blamed; if it kills that worker too, it is reported as crashing the reader.

Workers start as `processes.start_method` says (fork on Linux, spawn on
Windows and macOS), so the task is a module-level function; they report after
each file, so that when one dies the parent knows which file it was reading.
The POSIX limits (`resource`, `/proc`) are hardening used where they exist.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess

from lscb_workbooks.processes import collect_rarely, worker_context

try:
    import resource
except ImportError:  # Windows: no POSIX limits; a runaway read is still ended by the timeout
    resource = None

CRASHED = "crashed"
TIMED_OUT = "timed_out"

GB = 1024**3
MEMORY_HEADROOM_BYTES = 2 * GB
MAX_CHUNK = 16
READY = "ready"
STARTUP_ALLOWANCE_S = 120.0  # a spawned worker imports the reader first; that time is not the file's

Task = Callable[[bytes], object]


@dataclass
class _Worker:
    process: BaseProcess
    connection: Connection
    alone: bool
    pending: deque[str] = field(default_factory=deque)
    started_at: float = 0.0
    ready: bool = False


def run_in_workers(
    items: Iterable[tuple[str, bytes]], task: Task, workers: int, timeout_s: float
) -> dict[str, object]:
    """{key: task(data)} for each item, or CRASHED / TIMED_OUT for a file that killed or stalled its worker."""
    data = dict(items)
    return _Run(data, task, max(1, workers), timeout_s).results_in_order()


def results_as_ready(
    items: Iterable[tuple[str, bytes]], task: Task, workers: int, timeout_s: float
) -> Iterator[tuple[str, object]]:
    """(key, task(data)) for each item as soon as its worker answers, in no set order: the caller works on
    one file's result while the workers read the next ones. Each key comes once, CRASHED or TIMED_OUT as in
    `run_in_workers`."""
    return _Run(dict(items), task, max(1, workers), timeout_s).results_as_ready()


class _Run:
    """One batch: the queue of files, the live workers and the results not yet handed over."""

    def __init__(self, data: dict[str, bytes], task: Task, workers: int, timeout_s: float) -> None:
        self.data, self.task, self.workers, self.timeout_s = data, task, workers, timeout_s
        self.queue: deque[str] = deque(data)
        self.retry_alone: deque[str] = deque()
        self.live: list[_Worker] = []
        # Results not yet handed to the caller, in the order they came: once handed over they are the
        # caller's alone, so a batch's workbooks are not all held here until its last is read.
        self.answered: deque[tuple[str, object]] = deque()
        self.chunk = max(1, min(MAX_CHUNK, len(data) // (workers * 4)))

    def results_in_order(self) -> dict[str, object]:
        results = dict(self.results_as_ready())
        return {key: results[key] for key in self.data}

    def results_as_ready(self) -> Iterator[tuple[str, object]]:
        try:
            while self.queue or self.retry_alone or self.live:
                self._give_out_work()
                self._wait_and_collect()
                while self.answered:  # each key is answered once, never again
                    yield self.answered.popleft()
        finally:
            self._stop_all()

    # Handing out work

    def _give_out_work(self) -> None:
        for worker in list(self.live):
            if not worker.pending:
                self._feed_or_retire(worker)
        while len(self.live) < self.workers and (self.retry_alone or self.queue):
            if self.retry_alone:
                self._start_worker(alone=True, keys=[self.retry_alone.popleft()])
            else:
                self._start_worker(alone=False, keys=self._next_chunk())

    def _feed_or_retire(self, worker: _Worker) -> None:
        if worker.alone or not self.queue or self.retry_alone:
            self._retire(worker)
        else:
            self._send(worker, self._next_chunk())

    def _next_chunk(self) -> list[str]:
        return [self.queue.popleft() for _ in range(min(self.chunk, len(self.queue)))]

    def _start_worker(self, alone: bool, keys: list[str]) -> None:
        context = worker_context()
        parent_end, child_end = context.Pipe(duplex=True)
        process = context.Process(target=_serve, args=(child_end, parent_end, self.task), daemon=True)
        process.start()
        child_end.close()
        worker = _Worker(process, parent_end, alone)
        self.live.append(worker)
        self._send(worker, keys)

    def _send(self, worker: _Worker, keys: list[str]) -> None:
        worker.pending.extend(keys)
        worker.started_at = time.monotonic()
        try:
            worker.connection.send([(key, self.data[key]) for key in keys])
        except (BrokenPipeError, ConnectionResetError, EOFError, OSError):
            self._worker_died(worker)

    # Collecting results

    def _wait_and_collect(self) -> None:
        busy = [worker for worker in self.live if worker.pending]
        if not busy:
            return
        waitables = [worker.connection for worker in busy] + [worker.process.sentinel for worker in busy]
        ready = set(wait(waitables, timeout=self._seconds_to_first_deadline(busy)))
        for worker in busy:
            if worker.connection in ready:
                self._collect(worker)
            elif worker.process.sentinel in ready:
                self._worker_died(worker)
            elif time.monotonic() - worker.started_at > self._allowance(worker):
                self._worker_overran(worker)

    def _allowance(self, worker: _Worker) -> float:
        """A file's time starts when its worker is ready, not while a spawned worker is still starting."""
        return self.timeout_s if worker.ready else max(self.timeout_s, STARTUP_ALLOWANCE_S)

    def _seconds_to_first_deadline(self, busy: list[_Worker]) -> float:
        first = min(worker.started_at + self._allowance(worker) for worker in busy)
        return max(0.0, first - time.monotonic()) + 0.01

    def _collect(self, worker: _Worker) -> None:
        try:
            message = worker.connection.recv()
        except (EOFError, OSError):
            self._worker_died(worker)
            return
        if message == READY:
            worker.ready, worker.started_at = True, time.monotonic()
            return
        key, result = message
        self.answered.append((key, result))
        worker.pending.remove(key)
        worker.started_at = time.monotonic()

    def _worker_died(self, worker: _Worker) -> None:
        self._drain(worker)
        if worker.pending:
            suspect = worker.pending.popleft()
            if worker.alone:
                self.answered.append((suspect, CRASHED))
            else:
                self.retry_alone.append(suspect)
        self._give_back(worker)

    def _worker_overran(self, worker: _Worker) -> None:
        if not worker.ready:  # it never started: not the file's fault until it fails alone
            worker.process.kill()
            self._worker_died(worker)
            return
        worker.process.kill()
        self.answered.append((worker.pending.popleft(), TIMED_OUT))
        self._give_back(worker)

    def _drain(self, worker: _Worker) -> None:
        """Collect results the worker sent before it died."""
        try:
            while worker.pending and worker.connection.poll():
                message = worker.connection.recv()
                if message == READY:
                    continue
                key, result = message
                self.answered.append((key, result))
                worker.pending.remove(key)
        except (EOFError, OSError):
            return

    def _give_back(self, worker: _Worker) -> None:
        """Return the worker's unread files to the front of the queue and bury it."""
        self.queue.extendleft(reversed(worker.pending))
        worker.pending.clear()
        self._bury(worker)

    # Ending workers

    def _retire(self, worker: _Worker) -> None:
        try:
            worker.connection.send(None)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        self._bury(worker)

    def _bury(self, worker: _Worker) -> None:
        worker.process.join(timeout=1.0)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.connection.close()
        worker.process.close()
        self.live.remove(worker)

    def _stop_all(self) -> None:
        for worker in list(self.live):
            worker.process.kill()
            self._bury(worker)


def _serve(connection: Connection, parents_end: Connection, task: Task) -> None:
    """A worker's life: take a chunk of files, answer after each one, until told to stop."""
    parents_end.close()
    _prepare_worker()
    connection.send(READY)
    while True:
        try:
            chunk = connection.recv()
        except (EOFError, OSError):
            return
        if chunk is None:
            return
        for key, data in chunk:
            connection.send((key, task(data)))


def _prepare_worker() -> None:
    """Limits that make a runaway read end this process quietly rather than the computer's patience."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    collect_rarely()
    # A reader that aborts is expected and reported; it should not print a Rust
    # backtrace or a Python fault dump to the officer's terminal.
    os.environ["RUST_BACKTRACE"] = "0"
    faulthandler.disable()
    if resource is None:
        return
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    in_use = _address_space_in_use()
    if in_use:
        _limit_address_space(in_use + MEMORY_HEADROOM_BYTES)


def _limit_address_space(limit: int) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _address_space_in_use() -> int:
    """The worker's virtual memory size (Linux only; 0, so no ceiling, where /proc does not say)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0
