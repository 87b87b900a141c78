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

# Matched from the '!' (rarer than '<'), which the engine finds far faster than a pattern's first '<'.
ENTITY_DECLARATION = re.compile(rb"!(?<=<!)\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
# Any r="..." anywhere in a part whose reference might lie beyond the bounds: two or more column
# letters, or one letter or none (a row's own number) with a row of five digits or more. The pattern
# is anchored on the '=' (far rarer than the letter r, which prose is full of), so one quick pass
# finds every candidate; the r before it, perhaps with white space between, is checked after.
FAR_CANDIDATE = re.compile(
    rb"=(?<=[r\s]=)\s*[\"']\$?(?:([A-Za-z]{2,4})\$?(\d{1,9})|([A-Za-z])\$?(\d{5,9})|(\d{5,9}))[\"']"
)
ROW_TAG_OPENING = re.compile(rb"<(?:\w+:)?row\s")
ROW_START_TAG = re.compile(rb"<(?:\w+:)?row(?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*\s*(/?)>")
XML_SPACE = b" \t\n\r\x0b\x0c"
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
    """The first cell in `window` beyond the bounds, else the first row beyond them that holds cells.

    Every r="..." counts, in whatever element it is written and however it is spaced or quoted.
    """
    far_row = None
    for match in FAR_CANDIDATE.finditer(window):
        if not _named_r(window, match.start()):
            continue
        if match.group(5):
            if far_row is None and int(match.group(5)) > max_rows and _in_row_holding_cells(window, match.start()):
                far_row = FarCell(f"A{int(match.group(5))}")
            continue
        letters, digits = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        column, row = column_number(letters), int(digits)
        if _beyond(column, row, max_rows, max_columns):
            return FarCell(f"{letters.decode().upper()}{row}")
    return far_row


def _named_r(window: bytes, equals: int) -> bool:
    """Whether the '=' at `equals` follows an r, with nothing but white space between."""
    before = equals - 1
    while before >= 0 and window[before] in XML_SPACE:
        before -= 1
    return before >= 0 and window[before] == ord("r")


def _in_row_holding_cells(window: bytes, position: int) -> bool:
    """Whether `position` lies inside a <row ...> opening tag that is not closed on itself (<row .../>):
    only a row that holds cells moves the reader's cursor.

    The tag is found from its '<' (which no attribute value may hold, unlike '>') and read attribute by
    attribute, so a '>' or '/>' inside a value, or after the tag, cannot pass it off as closed; a row tag
    that does not read as one is taken as holding cells.
    """
    tag_start = window.rfind(b"<", 0, position)
    if tag_start < 0 or not ROW_TAG_OPENING.match(window, tag_start):
        return False
    tag = ROW_START_TAG.match(window, tag_start)
    return tag is None or tag.end() <= position or not tag.group(1)


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
