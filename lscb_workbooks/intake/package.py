"""A zip package (.xlsx, .xlsm, .ods) opened once, with its small parts kept after the first read.

Checking a return reads each XML part once to scan it and a few of them again
to parse them; keeping the small ones saves re-inflating them, which is most of
the cost of checking a small return.
"""

from __future__ import annotations

import io
import zipfile
from typing import Callable, TypeVar

KEEP_PARTS_UP_TO_BYTES = 256 * 1024


class Package:
    def __init__(self, data: bytes) -> None:
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.infos = self.zip.infolist()
        # Part names in a package are case-insensitive.
        self.members = {info.filename.lower(): info for info in self.infos}
        self._kept: dict[str, bytes] = {}
        # What is worked out from the parts (which member holds which sheet), for the checks and scans alike.
        self.derived: dict[str, object] = {}

    def info(self, name: str) -> zipfile.ZipInfo | None:
        return self.members.get(name.lower())

    def read(self, info: zipfile.ZipInfo) -> bytes:
        kept = self._kept.get(info.filename)
        if kept is not None:
            return kept
        data = self.zip.read(info)
        if info.file_size <= KEEP_PARTS_UP_TO_BYTES:
            self._kept[info.filename] = data
        return data

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


T = TypeVar("T")


def on_package(data: bytes, package: Package | None, read: Callable[[Package], T]) -> T:
    """`read` on `package` when the caller has `data` open already, else on `data` opened for it alone."""
    if package is not None:
        return read(package)
    with Package(data) as opened:
        return read(opened)
