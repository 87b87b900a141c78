"""The content-addressed archive: every file received, kept byte for byte.

A file is stored under its sha256, so a resubmission costs nothing, two
boroughs sending the same bytes share one copy, and any row of the ledger can
be traced back to exactly what was sent.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterable

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
FLUSHING_THREADS = 8


class Archive:
    """Files kept under `root/<first two hex digits>/<sha256>`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def keep(self, data: bytes) -> str:
        """Store `data` unless it is already kept; return its sha256.

        The file is written to a temporary name and renamed into place, so an
        interrupted run never leaves a half-written file under a valid name.
        """
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path_of(sha256)
        if not target.exists():
            _write_atomically(target, data)
        return sha256

    def keep_all(self, datas: Iterable[bytes]) -> list[str]:
        """`keep` for many files at once: every new one is written under a temporary name, then all are
        flushed to disk, then each is renamed into place; one flush after many writes costs the disk
        far less than one after each."""
        hashes, pending, writing = [], [], set()
        try:
            for data in datas:
                sha256 = hashlib.sha256(data).hexdigest()
                hashes.append(sha256)
                target = self.path_of(sha256)
                if target not in writing and not target.exists():
                    writing.add(target)
                    pending.append((target, _write_unflushed(target, data)))
            with ThreadPoolExecutor(FLUSHING_THREADS) as flushing:  # the disk takes several at once
                list(flushing.map(_flush, [temporary for _, temporary in pending]))
            for target, temporary in pending:
                os.replace(temporary, target)
        except BaseException:
            for _, temporary in pending:
                Path(temporary).unlink(missing_ok=True)
            raise
        return hashes

    def keeping(self, datas: list[bytes]) -> Callable[[], list[str]]:
        """`keep_all` in a thread of its own, while other work goes on: call the result to wait until every
        file is kept (raising what keeping them raised). Nothing that refers to them is stored before then."""
        thread = ThreadPoolExecutor(1, thread_name_prefix="archive")
        try:
            return thread.submit(self.keep_all, datas).result
        finally:
            thread.shutdown(wait=False)

    def path_of(self, sha256: str) -> Path:
        if not _SHA256_HEX.fullmatch(sha256):
            raise ValueError(f"{sha256!r} is not a sha256 in lower-case hex")
        return self.root / sha256[:2] / sha256

    def read(self, sha256: str) -> bytes:
        return self.path_of(sha256).read_bytes()


def _write_unflushed(target: Path, data: bytes) -> str:
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(data)
    return temporary


def _flush(path: str) -> None:
    with open(path, "rb+") as stream:
        os.fsync(stream.fileno())


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
