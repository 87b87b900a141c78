"""Bounds on an OpenDocument spreadsheet (.ods), checked before a reader expands it.

An .ods file writes runs of identical cells once, with a repeat count. The
counts on empty cells are routinely huge (LibreOffice writes the unused
remainder of every sheet that way) and harmless; a run of cells that hold
values and reach past the bounds is what would make a reader allocate a
grid of billions of cells.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeElementTree

from lscb_workbooks.intake.package import Package
from lscb_workbooks.intake.xml_scan import column_letters

TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
CELL_TAGS = frozenset({f"{TABLE}table-cell", f"{TABLE}covered-table-cell"})


@dataclass
class _Position:
    """Where the scan is: sheet, first row of the current row run, next column."""

    sheet: str = ""
    row: int = 1
    column: int = 1
    row_holds_values: bool = False
    far_cell: str = field(default="")


@dataclass(frozen=True)
class FarValue:
    sheet: str
    reference: str


def value_beyond(package: Package, content: zipfile.ZipInfo, max_rows: int, max_columns: int) -> FarValue | None:
    """The first value-holding cell of content.xml that lies beyond the bounds, if any."""
    position = _Position()
    with package.zip.open(content) as stream:
        for event, element in SafeElementTree.iterparse(stream, events=("start", "end")):
            if event == "start":
                _enter(element, position)
            else:
                _leave(element, position, max_rows, max_columns)
            if position.far_cell:
                return FarValue(position.sheet, position.far_cell)
    return None


def _enter(element: Element, position: _Position) -> None:
    if element.tag == f"{TABLE}table":
        position.sheet, position.row = element.get(f"{TABLE}name", ""), 1
    elif element.tag == f"{TABLE}table-row":
        position.column, position.row_holds_values = 1, False


def _leave(element: Element, position: _Position, max_rows: int, max_columns: int) -> None:
    if element.tag in CELL_TAGS:
        _leave_cell(element, position, max_columns)
    elif element.tag == f"{TABLE}table-row":
        _leave_row(element, position, max_rows)
    else:
        return
    element.clear()


def _leave_cell(cell: Element, position: _Position, max_columns: int) -> None:
    repeat = _repeat(cell, "number-columns-repeated")
    last_column = position.column + repeat - 1
    if _holds_value(cell):
        position.row_holds_values = True
        if last_column > max_columns:
            position.far_cell = f"{column_letters(last_column)}{position.row}"
    position.column = last_column + 1


def _leave_row(row: Element, position: _Position, max_rows: int) -> None:
    repeat = _repeat(row, "number-rows-repeated")
    last_row = position.row + repeat - 1
    if position.row_holds_values and last_row > max_rows and not position.far_cell:
        position.far_cell = f"A{last_row}"
    position.row = last_row + 1


def _holds_value(cell: Element) -> bool:
    return cell.get(f"{OFFICE}value-type") is not None or len(cell) > 0


def _repeat(element: Element, attribute: str) -> int:
    try:
        return max(1, int(element.get(f"{TABLE}{attribute}", "1")))
    except ValueError:
        return 1


# Formulas ------------------------------------------------------------------------------------

ERROR_TEXTS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "Err:502", "Err:504",
                         "Err:511", "Err:522", "Err:532"})


def formula_cells_in_content(package: Package, content: zipfile.ZipInfo) -> dict[str, dict[str, bool | str]]:
    """{sheet: {cell: result}} of every formula in content.xml, judged as in an .xlsx.

    The result is True when the formula's value was saved, False when it was not, or the error
    the cell shows ("#DIV/0!") when that is what it holds.
    """
    found: dict[str, dict[str, bool | str]] = {}
    position = _Position()
    with package.zip.open(content) as stream:
        for event, element in SafeElementTree.iterparse(stream, events=("start", "end")):
            if event == "start":
                _enter(element, position)
                continue
            if element.tag in CELL_TAGS and element.get(f"{TABLE}formula") is not None:
                found.setdefault(position.sheet, {})[f"{column_letters(position.column)}{position.row}"] = (
                    _formula_result(element))
            _leave(element, position, max_rows=10**9, max_columns=10**9)
    return found


def _formula_result(cell: Element) -> bool | str:
    shown = "".join(cell.itertext()).strip()
    if cell.get(f"{CALCEXT}value-type") == "error" or (
            cell.get(f"{OFFICE}value-type") == "string" and shown in ERROR_TEXTS):
        return shown or "#N/A"
    return cell.get(f"{OFFICE}value-type") is not None


# Layout whitespace ---------------------------------------------------------------------------

TOKEN = re.compile(rb"<[^>]*>|[^<]+")
PARAGRAPH_OPEN = re.compile(rb"<text:(?:p|h)\b[^>]*[^/]>|<text:(?:p|h)>")
PARAGRAPH_CLOSE = re.compile(rb"</text:(?:p|h)>")


def without_layout_whitespace(data: bytes) -> bytes:
    """The .ods with the indentation between its cells removed, as LibreOffice writes it.

    Gnumeric pretty-prints content.xml; that whitespace means nothing (text in a cell sits inside
    its paragraphs, which are left alone), but python-calamine refuses it. Any other file is
    returned unchanged.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        infos = package.infolist()
        names = {info.filename for info in infos}
        if "content.xml" not in names:
            return data
        content = package.read("content.xml")
        if not re.search(rb">\s+<table:", content):
            return data
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
            for info in infos:
                part = _tightened(content) if info.filename == "content.xml" else package.read(info)
                target.writestr(info.filename, part, zipfile.ZIP_STORED if info.filename == "mimetype"
                                else zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _tightened(xml: bytes) -> bytes:
    parts, depth = [], 0
    for token in TOKEN.findall(xml):
        if token.startswith(b"<"):
            if PARAGRAPH_OPEN.fullmatch(token):
                depth += 1
            elif PARAGRAPH_CLOSE.fullmatch(token):
                depth = max(0, depth - 1)
        elif depth == 0 and not token.strip():
            continue
        parts.append(token)
    return b"".join(parts)
