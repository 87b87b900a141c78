"""Bounds on an OpenDocument spreadsheet (.ods), checked before a reader expands it.

An .ods file writes runs of identical cells once, with a repeat count. The
counts on empty cells are routinely huge (LibreOffice writes the unused
remainder of every sheet that way) and harmless; a run of cells that hold
values and reach past the bounds is what would make a reader allocate a
grid of billions of cells.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeElementTree

from lscb_workbooks.intake.package import Package
from lscb_workbooks.intake.xml_scan import column_letters

TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
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
