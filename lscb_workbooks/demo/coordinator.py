"""What a coordinator does to a template: open it, type into the input cells, save it.

Cells are found the way collation finds them, by the field ids in the locked
Ref column, so tests and the demo never depend on fixed addresses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..templates.identity import COMMENT_HEADER, RATING_HEADER, REF_HEADER, TABLE_ROW_HEADER, VALUE_HEADER


@dataclass
class Entries:
    """What to type: values by field id, ratings and comments, and the rows of tables.

    `table_rows` go into the first numbered table whose columns they fit (the
    dataset's challenges log); `tables` holds the rows of any other numbered
    table, by section id; `fixed_rows` holds answers on pre-labelled rows, by
    the row's id and then the column's.
    """

    values: dict[str, object] = field(default_factory=dict)
    ratings: dict[str, str] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    table_rows: list[dict[str, object]] = field(default_factory=list)
    tables: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    fixed_rows: dict[str, dict[str, object]] = field(default_factory=dict)


@dataclass(frozen=True)
class InputCells:
    sheet: str
    value: str
    rating: str | None
    comment: str | None


def input_cells(path: Path) -> dict[str, InputCells]:
    """Field id -> addresses of its value, rating and comment cells."""
    workbook = load_workbook(path)
    return {fid: cells for ws in workbook.worksheets for fid, cells in _form_cells(ws).items()}


def fill_template(template: Path, entries: Entries, out_path: Path) -> Path:
    workbook = load_workbook(template)
    for ws in workbook.worksheets:
        cells = _form_cells(ws)
        for field_id, value in entries.values.items():
            if field_id in cells:
                _type(ws, cells[field_id].value, value)
        for field_id, rating in entries.ratings.items():
            if field_id in cells and cells[field_id].rating:
                _type(ws, cells[field_id].rating, rating)
        for field_id, comment in entries.comments.items():
            if field_id in cells and cells[field_id].comment:
                _type(ws, cells[field_id].comment, comment)
        _fill_table(ws, entries.table_rows)
        for rows in entries.tables.values():
            _fill_table(ws, rows)
        _fill_fixed_rows(ws, entries.fixed_rows)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(out_path)
    return out_path


def _type(ws: Worksheet, address: str, value: object) -> None:
    """Text is typed as text: `=HYPERLINK(...)` in a comment stays words, as with a leading ' in Excel."""
    ws[address] = value
    if isinstance(value, str):
        ws[address].data_type = "s"


def _form_cells(ws: Worksheet) -> dict[str, InputCells]:
    found: dict[str, InputCells] = {}
    headers: dict[str, str] | None = None
    for row in ws.iter_rows():
        first = row[0].value
        if first == REF_HEADER:
            labels = {str(c.value): c.column_letter for c in row if c.value is not None}
            headers = labels if VALUE_HEADER in labels else None
            continue
        if headers and first:
            r = row[0].row
            found[str(first)] = InputCells(
                ws.title,
                f"{headers[VALUE_HEADER]}{r}",
                f"{headers[RATING_HEADER]}{r}" if RATING_HEADER in headers else None,
                f"{headers[COMMENT_HEADER]}{r}" if COMMENT_HEADER in headers else None,
            )
    return found


def _table_columns(ws: Worksheet) -> tuple[int, dict[str, int]] | None:
    """The row of a table's column ids, and each column by id, when the sheet holds a table."""
    ref_row = next((r for r in ws.iter_rows() if r[0].value == REF_HEADER), None)
    if ref_row is None or ws.cell(ref_row[0].row + 1, 1).value != TABLE_ROW_HEADER:
        return None
    return ref_row[0].row, {str(c.value): c.column for c in ref_row[1:] if c.value}


def _fill_table(ws: Worksheet, rows: list[dict[str, object]]) -> None:
    """Numbered rows, from the first, on the sheet whose table has every column the rows name."""
    table = _table_columns(ws) if rows else None
    if table is None:
        return
    ref_row, columns = table
    if not {k for row in rows for k in row} <= set(columns):
        return
    first_data = ref_row + 3
    for offset, entry in enumerate(rows):
        for column_id, value in entry.items():
            if column_id in columns:
                _type(ws, ws.cell(first_data + offset, columns[column_id]).coordinate, value)


def _fill_fixed_rows(ws: Worksheet, answers: dict[str, dict[str, object]]) -> None:
    """Answers on pre-labelled rows, each found by the row's id in column A, as collation finds it."""
    table = _table_columns(ws) if answers else None
    if table is None:
        return
    ref_row, columns = table
    for row in range(ref_row + 3, ws.max_row + 1):
        row_id = ws.cell(row, 1).value
        if not isinstance(row_id, str) or row_id not in answers:
            continue
        for column_id, value in answers[row_id].items():
            if column_id in columns:
                _type(ws, ws.cell(row, columns[column_id]).coordinate, value)
