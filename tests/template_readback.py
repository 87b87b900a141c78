"""Read a written template back with openpyxl the way collation does: by the markers, never by address."""

from __future__ import annotations

import re
from dataclasses import dataclass

from openpyxl.utils import range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from lscb_workbooks.templates.identity import (COMMENT_HEADER, IDENTITY_SHEET, RATING_HEADER, REF_HEADER,
                                               TABLE_ROW_HEADER, VALUE_HEADER)


@dataclass(frozen=True)
class Box:
    """One input cell and what it is for."""

    sheet: str
    coordinate: str
    field_id: str
    role: str  # "value", "rating" or "comment"


@dataclass(frozen=True)
class FormRow:
    sheet: str
    row: int
    field_id: str
    label: str
    unit: str
    headers: dict[str, int]


def form_rows(ws: Worksheet) -> list[FormRow]:
    rows, headers = [], None
    for row in ws.iter_rows():
        first = row[0].value
        if first == REF_HEADER:
            found = {str(c.value): c.column for c in row if c.value is not None}
            headers = found if VALUE_HEADER in found else None
            continue
        if headers and first:
            r = row[0].row
            rows.append(FormRow(ws.title, r, str(first), str(ws.cell(r, headers["Indicator"]).value),
                                str(ws.cell(r, headers["Unit"]).value), headers))
    return rows


@dataclass(frozen=True)
class TableColumn:
    sheet: str
    col: int
    field_id: str
    label: str
    unit: str
    data_rows: tuple[int, ...]


def table_columns(ws: Worksheet) -> list[TableColumn]:
    for row in ws.iter_rows():
        if row[0].value == REF_HEADER and ws.cell(row[0].row + 1, 1).value == TABLE_ROW_HEADER:
            r = row[0].row
            data_rows = tuple(x for x in range(r + 3, ws.max_row + 1) if isinstance(ws.cell(x, 1).value, int))
            return [TableColumn(ws.title, c.column, str(c.value), str(ws.cell(r + 1, c.column).value),
                                str(ws.cell(r + 2, c.column).value), data_rows)
                    for c in row[1:] if c.value]
    return []


def spec_sheets(wb: Workbook) -> list[Worksheet]:
    return [ws for ws in wb.worksheets if ws.title != "Cover" and not ws.title.startswith("_")]


def signed_rows(wb: Workbook) -> list[tuple[str, str, str]]:
    rows = []
    for ws in spec_sheets(wb):
        rows += [(r.field_id, r.label, r.unit) for r in form_rows(ws)]
        rows += [(c.field_id, c.label, c.unit) for c in table_columns(ws)]
    return rows


def identity_values(wb: Workbook) -> dict[str, str]:
    ws = wb[IDENTITY_SHEET]
    return {str(ws.cell(r, 1).value): ws.cell(r, 2).value for r in range(1, ws.max_row + 1)
            if ws.cell(r, 1).value is not None}


def input_boxes(wb: Workbook) -> list[Box]:
    """Every box a coordinator should be able to type in, found from the markers and the spec's roles."""
    boxes = []
    for ws in spec_sheets(wb):
        for r in form_rows(ws):
            boxes.append(Box(ws.title, ws.cell(r.row, r.headers[VALUE_HEADER]).coordinate, r.field_id, "value"))
            for header, role in ((RATING_HEADER, "rating"), (COMMENT_HEADER, "comment")):
                if header in r.headers:
                    boxes.append(Box(ws.title, ws.cell(r.row, r.headers[header]).coordinate, r.field_id, role))
        for c in table_columns(ws):
            boxes += [Box(ws.title, ws.cell(row, c.col).coordinate, c.field_id, "value") for row in c.data_rows]
    return boxes


def validations_by_cell(ws: Worksheet) -> dict[str, object]:
    found = {}
    for dv in ws.data_validations.dataValidation:
        for cell_range in dv.sqref.ranges:
            min_col, min_row, max_col, max_row = range_boundaries(str(cell_range))
            for row in range(min_row, max_row + 1):
                for col in range(min_col, max_col + 1):
                    found[ws.cell(row, col).coordinate] = dv
    return found


def list_source_values(wb: Workbook, formula: str) -> list[str]:
    """The options a list validation offers, read from the sheet its range points at."""
    match = re.fullmatch(r"=?'?(?P<sheet>[^'!]+)'?!(?P<range>\$?[A-Z]+\$?\d+:\$?[A-Z]+\$?\d+)", formula)
    assert match, f"list source {formula!r} is not a range on a sheet"
    ws = wb[match["sheet"]]
    min_col, min_row, max_col, max_row = range_boundaries(match["range"].replace("$", ""))
    return [ws.cell(r, c).value for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)]


def cell_has_content(cell) -> bool:
    return cell.value is not None and cell.value != ""


def assert_only_inputs_unlocked(book: Workbook, inputs: set[tuple[str, str]]) -> None:
    """Every input box unlocked and validated; every other cell with content, and every column, locked."""
    unlocked = set()
    for ws in book.worksheets:
        validated = validations_by_cell(ws)
        for row in ws.iter_rows(min_row=1, max_row=ws.max_row + 2, max_col=ws.max_column + 2):
            for cell in row:
                where = f"{ws.title}!{cell.coordinate}"
                if not cell.protection.locked:
                    unlocked.add((ws.title, cell.coordinate))
                    assert cell.coordinate in validated, f"{where} unlocked without validation"
                elif (ws.title, cell.coordinate) in inputs:
                    raise AssertionError(f"input box {where} is locked")
                if cell_has_content(cell):
                    assert cell.protection.locked, f"{where} has content but is unlocked"
                if cell.coordinate in validated:
                    assert (ws.title, cell.coordinate) in inputs, f"{where} validated but not an input"
        for letter, dimension in ws.column_dimensions.items():
            assert dimension.protection.locked, f"column {letter} of {ws.title} is unlocked as a whole"
    assert unlocked == inputs
