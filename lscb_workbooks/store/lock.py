"""One run at a time per store: two collations at once would judge the same files twice."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from filelock import FileLock, Timeout

from .db import StoreError


class StoreBusy(StoreError):
    """Another run holds the store."""


def lock_path(store_path: Path) -> Path:
    return Path(store_path).with_name(Path(store_path).name + ".lock")


@contextmanager
def one_run_at_a_time(store_path: Path) -> Iterator[None]:
    """Hold the store's lock for the block; refuse at once, in one line, if another run holds it.

    The lock is the operating system's (a file lock), so it is released even
    when a run is killed, and it works the same on Windows, macOS and Linux.
    """
    if str(store_path) == ":memory:":
        yield
        return
    path = lock_path(store_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot make the folder for the store {store_path}: {exc.strerror}") from None
    lock = FileLock(str(path), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise StoreBusy(f"another lscb run is using the store {store_path}: wait for it to finish, "
                        "then run this command again") from None
    try:
        yield
    finally:
        lock.release()
