"""When a workbook says it was last saved: the tie-breaker between two versions sent at the same moment.

Excel, LibreOffice and Gnumeric stamp it in the file itself: `dcterms:modified` in an .xlsx's
`docProps/core.xml`, `dc:date` in an .ods's `meta.xml`, the last-saved time in an .xls's summary
information. Only a small, bounded part is read; a file without one gives None.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timezone

import olefile

from lscb_workbooks.intake.package import Package, on_package

ZIP_MAGIC, OLE_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_PART_BYTES = 256 * 1024
PARTS = (("docprops/core.xml", re.compile(rb"<(?:[\w.-]+:)?modified\b[^>]*>\s*([^<\s]+)\s*<")),
         ("meta.xml", re.compile(rb"<(?:[\w.-]+:)?date\b[^>]*>\s*([^<\s]+)\s*<")))


def last_saved(data: bytes, package: Package | None = None) -> str | None:
    """The workbook's own last-saved time, as ISO 8601 in UTC to the second, or None.

    `package` is `data` opened already, when it is a zip package."""
    try:
        if data.startswith(ZIP_MAGIC):
            return on_package(data, package, _from_package)
        if data.startswith(OLE_MAGIC):
            return _from_ole(data)
    except Exception:  # a damaged file has no trustworthy time; the reader says what is wrong with it
        return None
    return None


def _from_package(package: Package) -> str | None:
    for name, pattern in PARTS:
        info = package.info(name)
        if info is None or info.file_size > MAX_PART_BYTES:
            continue
        found = pattern.search(package.read(info))
        if found:
            return _iso(found.group(1).decode("ascii", "replace"))
    return None


def _from_ole(data: bytes) -> str | None:
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        moment = ole.get_metadata().last_saved_time
    return _iso_of(moment) if isinstance(moment, datetime) else None


def _iso(text: str) -> str | None:
    """An xsd:dateTime as written by any of the three programs (fractions, 'Z', offsets or none)."""
    text = re.sub(r"(\.\d+)", "", text.strip()).replace("Z", "+00:00")
    try:
        return _iso_of(datetime.fromisoformat(text))
    except ValueError:
        return None


def _iso_of(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")
