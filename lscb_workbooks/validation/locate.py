"""Find every field in a returned workbook by the ids written in its locked cells.

Never by fixed addresses: a row inserted or a sheet renamed by a coordinator
either reads correctly or is rejected, and a number is never given to the
wrong indicator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from ..intake.reader import Sheet, Workbook
from ..templates.identity import (
    COMMENT_HEADER, FIXED_LABEL_HEADER, FIXED_UNIT_HEADER, IDENTITY_SHEET, RATING_HEADER, REF_HEADER,
    TABLE_ROW_HEADER, VALUE_HEADER, Row,
)
from .cells import a1


@dataclass(frozen=True, eq=False)
class CellRef:
    sheet: str
    row: int
    col: int

    @cached_property
    def a1(self) -> str:
        return a1(self.row, self.col)


@dataclass(frozen=True)
class FormRow:
    field_id: str
    value: CellRef
    rating: CellRef | None
    comment: CellRef | None


@dataclass
class TableBlock:
    """A table's columns by id, its numbered rows, and its fixed rows by the id in column A."""

    sheet: str
    columns: dict[str, int]
    data_rows: list[int]
    fixed_rows: dict[str, int] = field(default_factory=dict)


@dataclass
class Located:
    """Where each field's cells are, and the locked content the template's signature covers."""

    form: dict[str, FormRow] = field(default_factory=dict)
    tables: dict[tuple[str, ...], TableBlock] = field(default_factory=dict)
    signed_rows: list[Row] = field(default_factory=list)
    duplicates: list[tuple[str, str, str]] = field(default_factory=list)


def value_at(sheet: Sheet, row: int, col: int) -> object:
    """The value at an Excel row and column (1-based), None for an empty cell."""
    if row < 1 or col < 1 or row > len(sheet.rows):
        return None
    cells = sheet.rows[row - 1]
    if col > len(cells):
        return None
    value = cells[col - 1]
    return None if value == "" else value


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def locate(workbook: Workbook) -> Located:
    located = Located()
    for sheet in workbook.sheets:
        if sheet.title == IDENTITY_SHEET:
            continue
        ref_rows = [r for r in range(1, len(sheet.rows) + 1) if _text(value_at(sheet, r, 1)) == REF_HEADER]
        for index, header_row in enumerate(ref_rows):
            end = ref_rows[index + 1] if index + 1 < len(ref_rows) else len(sheet.rows) + 1
            headers = _headers(sheet, header_row)
            if VALUE_HEADER in headers:
                _locate_form(sheet, header_row, end, headers, located)
            else:
                _locate_table(sheet, header_row, end, located)
    return located


def _headers(sheet: Sheet, row: int) -> dict[str, int]:
    width = len(sheet.rows[row - 1])
    return {_text(value_at(sheet, row, c)): c for c in range(width, 0, -1) if _text(value_at(sheet, row, c))}


def _locate_form(sheet: Sheet, header_row: int, end: int, headers: dict[str, int], located: Located) -> None:
    label_col = headers.get("Indicator", 2)
    unit_col = headers.get("Unit", 3)
    for row in range(header_row + 1, end):
        field_id = _text(value_at(sheet, row, 1))
        if not field_id:
            continue
        located.signed_rows.append(
            (field_id, _text(value_at(sheet, row, label_col)), _text(value_at(sheet, row, unit_col)))
        )
        here = FormRow(
            field_id,
            CellRef(sheet.title, row, headers[VALUE_HEADER]),
            CellRef(sheet.title, row, headers[RATING_HEADER]) if RATING_HEADER in headers else None,
            CellRef(sheet.title, row, headers[COMMENT_HEADER]) if COMMENT_HEADER in headers else None,
        )
        if field_id in located.form:
            located.duplicates.append((field_id, located.form[field_id].value.a1, here.value.a1))
            continue
        located.form[field_id] = here


def _locate_table(sheet: Sheet, ref_row: int, end: int, located: Located) -> None:
    width = len(sheet.rows[ref_row - 1])
    ids = {c: _text(value_at(sheet, ref_row, c)) for c in range(2, width + 1)}
    ids = {c: i for c, i in ids.items() if i}
    label_row, unit_row = ref_row + 1, ref_row + 2
    if _text(value_at(sheet, label_row, 1)) != TABLE_ROW_HEADER:
        return
    for col, field_id in ids.items():
        located.signed_rows.append(
            (field_id, _text(value_at(sheet, label_row, col)), _text(value_at(sheet, unit_row, col)))
        )
    headers = {_text(value_at(sheet, label_row, c)): c for c in range(width, 1, -1) if c not in ids}
    label_col, unit_col = headers.get(FIXED_LABEL_HEADER, 2), headers.get(FIXED_UNIT_HEADER, 3)
    block = TableBlock(sheet.title, {field_id: col for col, field_id in ids.items()}, [])
    for row in range(unit_row + 1, end):
        marker = value_at(sheet, row, 1)
        if isinstance(marker, (int, float)) and not isinstance(marker, bool):
            block.data_rows.append(row)
        elif row_id := _text(marker):
            _locate_fixed_row(sheet, row, row_id, label_col, unit_col, block, located)
    located.tables[tuple(sorted(block.columns))] = block


def _locate_fixed_row(sheet: Sheet, row: int, row_id: str, label_col: int, unit_col: int, block: TableBlock,
                      located: Located) -> None:
    """A pre-labelled row, found by its id: its label and unit are signed like a form row's."""
    located.signed_rows.append((row_id, _text(value_at(sheet, row, label_col)), _text(value_at(sheet, row, unit_col))))
    if row_id in block.fixed_rows:
        located.duplicates.append((row_id, a1(block.fixed_rows[row_id], 1), a1(row, 1)))
        return
    block.fixed_rows[row_id] = row
