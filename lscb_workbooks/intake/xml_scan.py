"""Streaming scans of the XML inside a workbook, before any spreadsheet library parses it.

Parts are inflated a block at a time and searched with regular expressions:
for XML features a return never has (document type and entity declarations,
the root of "billion laughs" attacks) and for the furthest cell a worksheet
names, which is what decides how much memory a reader will ask for.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from lscb_workbooks.intake.package import Package

BLOCK_BYTES = 64 * 1024
# A part this small is inflated in one go: quicker than streaming, and harmless.
WHOLE_PART_BYTES = 1024 * 1024
# Consecutive windows share this many bytes, so a tag split across two blocks is
# still seen whole in one window (tags are far shorter than this).
OVERLAP_BYTES = 4096

ENTITY_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
# Only references that might lie beyond the bounds (two or more column letters, or a
# row of five digits or more) are matched, so an ordinary sheet costs one regex pass.
FAR_CELL_CANDIDATE = re.compile(rb"r\s*=\s*[\"']\$?(?:([A-Za-z]{2,4})\$?(\d{1,9})|([A-Za-z])\$?(\d{5,9}))[\"']")
FAR_ROW_CANDIDATE = re.compile(rb"<(?:\w+:)?row\s[^>]*?\br\s*=\s*[\"'](\d{5,9})[\"'][^>]*?(?<!/)>")
REFERENCE = re.compile(r"\$?([A-Za-z]{1,4})\$?(\d{1,9})")


@dataclass(frozen=True)
class FarCell:
    """The first cell found beyond the bounds, as "XFD1048576"."""

    reference: str


def has_entity_declaration(package: Package, info: zipfile.ZipInfo) -> bool:
    return any(ENTITY_DECLARATION.search(window) for window in part_windows(package, info))


def dimension_beyond(first_block: bytes, max_rows: int, max_columns: int) -> FarCell | None:
    """The far corner of the sheet's declared dimension, when it lies beyond the bounds."""
    match = DIMENSION.search(first_block)
    if not match:
        return None
    for reference in match.group(1).decode("ascii", "replace").split(":"):
        found = REFERENCE.fullmatch(reference.strip())
        if found and _beyond(column_number(found.group(1)), int(found.group(2)), max_rows, max_columns):
            return FarCell(reference.strip().replace("$", "").upper())
    return None


def cell_beyond(window: bytes, max_rows: int, max_columns: int) -> FarCell | None:
    """The first cell (or row holding cells) in `window` beyond the bounds."""
    for match in FAR_CELL_CANDIDATE.finditer(window):
        letters, digits = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        column, row = column_number(letters), int(digits)
        if _beyond(column, row, max_rows, max_columns):
            return FarCell(f"{letters.decode().upper()}{row}")
    for match in FAR_ROW_CANDIDATE.finditer(window):
        if int(match.group(1)) > max_rows:
            return FarCell(f"A{int(match.group(1))}")
    return None


def part_windows(package: Package, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A part's XML as UTF-8, whole when small, else in overlapping windows inflated one block at a time.

    A UTF-16 part (which Excel never writes) is re-encoded so that one byte
    pattern finds everything; the size checks have already bounded it.
    """
    if info.file_size <= WHOLE_PART_BYTES:
        yield _as_utf8(package.read(info))
        return
    with package.zip.open(info) as stream:
        block = stream.read(BLOCK_BYTES)
        if _looks_utf16(block):
            yield _as_utf8(block + stream.read())
            return
        tail = b""
        while block:
            window = tail + block
            yield window
            tail = window[-OVERLAP_BYTES:]
            block = stream.read(BLOCK_BYTES)


def _as_utf8(xml: bytes) -> bytes:
    if not _looks_utf16(xml):
        return xml
    return xml.decode("utf-16", errors="replace").encode("utf-8")


def column_number(letters: bytes | str) -> int:
    number = 0
    for letter in letters.upper() if isinstance(letters, str) else letters.decode().upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


@lru_cache(maxsize=None)
def column_letters(number: int) -> str:
    """A column's letters from its number: 1 is A, 27 is AA. The one way the tool names a column."""
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _beyond(column: int, row: int, max_rows: int, max_columns: int) -> bool:
    return row > max_rows or column > max_columns


def _looks_utf16(head: bytes) -> bool:
    return head[:2] in (b"\xff\xfe", b"\xfe\xff") or head[:2] in (b"<\x00", b"\x00<")
