"""Find every field in a returned workbook by the ids written in its locked cells.

Never by fixed addresses: a row inserted or a sheet renamed by a coordinator
either reads correctly or is rejected, and a number is never given to the
wrong indicator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..intake.reader import Sheet, Workbook
from ..templates.identity import (
    COMMENT_HEADER, FIXED_TABLE_FIRST_INPUT_COLUMN, FORM_HEADERS, IDENTITY_SHEET, RATING_HEADER, REF_HEADER,
    TABLE_ROW_HEADER, VALUE_HEADER, Row, form_headers,
)
from ..wording import figure
from .cells import a1, quoted
from .records import IssueRecord

# Entries below a form warned about one by one; beyond these, one warning counts the rest.
ENTRIES_BELOW_NAMED = 10


class CellRef:
    """Where a field's cell is: its sheet, row and column (both from 1). Made for every box of every
    return, so a plain class, quick to make; its address is worked out when first asked for."""

    __slots__ = ("sheet", "row", "col", "_a1")

    def __init__(self, sheet: str, row: int, col: int) -> None:
        self.sheet, self.row, self.col, self._a1 = sheet, row, col, None

    @property
    def a1(self) -> str:
        if self._a1 is None:
            self._a1 = a1(self.row, self.col)
        return self._a1

    def __repr__(self) -> str:
        return f"CellRef({self.sheet!r}, {self.row}, {self.col})"


class FormRow:
    """A form row's cells, all on one row of one sheet: its value's and, on a rated form, its rating's and
    comment's. Made for every row of every return, so a plain class, quick to make, like `CellRef`."""

    __slots__ = ("field_id", "value", "rating", "comment")

    def __init__(self, field_id: str, value: CellRef, rating: CellRef | None, comment: CellRef | None) -> None:
        self.field_id, self.value, self.rating, self.comment = field_id, value, rating, comment

    def __repr__(self) -> str:
        return f"FormRow({self.field_id!r}, {self.value!r}, {self.rating!r}, {self.comment!r})"


@dataclass
class TableBlock:
    """A table's columns by id, its numbered rows, and its fixed rows by the id in column A.

    `ref_cells` is every reference in the table's `Ref` row by column, duplicates and all, so that
    the columns can be checked against where the template put them.
    """

    sheet: str
    columns: dict[str, int]
    data_rows: list[int]
    fixed_rows: dict[str, int] = field(default_factory=dict)
    ref_row: int = 0
    ref_cells: dict[int, str] = field(default_factory=dict)


@dataclass
class Located:
    """Where each field's cells are, and the locked content the template's signature covers.

    `layout_problems` says, in plain words, where the layout no longer matches the template's
    (a heading changed, a column inserted, an entry with no reference): such a return is never read.
    `entries_below` are warnings for what was typed in a form's input columns below its last row (a
    note, usually): the return is read, but the coordinator learns the entry was not.
    """

    form: dict[str, FormRow] = field(default_factory=dict)
    tables: dict[tuple[str, ...], TableBlock] = field(default_factory=dict)
    signed_rows: list[Row] = field(default_factory=list)
    duplicates: list[tuple[str, str, str]] = field(default_factory=list)
    layout_problems: list[str] = field(default_factory=list)
    entries_below: list[IssueRecord] = field(default_factory=list)


def value_at(sheet: Sheet, row: int, col: int) -> object:
    """The value at an Excel row and column (1-based), None for an empty cell."""
    if row < 1 or col < 1 or row > len(sheet.rows):
        return None
    cells = sheet.rows[row - 1]
    if col > len(cells):
        return None
    value = cells[col - 1]
    return None if value == "" else value


def row_cells(sheet: Sheet, row: int) -> list[object]:
    """The cells of an Excel row (from 1), for reading several of them: `cell_in` gives each one as `value_at`
    does, without finding the row again."""
    return sheet.rows[row - 1] if 1 <= row <= len(sheet.rows) else []


def cell_in(cells: list[object], col: int) -> object:
    """The value at a column (from 1) of a row's `row_cells`, None for an empty cell: `value_at`'s answer."""
    if col < 1 or col > len(cells):
        return None
    value = cells[col - 1]
    return None if value == "" else value


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _text_in(cells: list[object], col: int) -> str:
    """`_text(value_at(...))` of one cell of a row whose cells are in hand: a form's rows are read cell by cell,
    and looking each one up from the sheet again cost more than the rest of locating."""
    return _text(cells[col - 1]) if col <= len(cells) else ""


def locate(workbook: Workbook) -> Located:
    located = Located()
    for sheet in workbook.sheets:
        if sheet.title == IDENTITY_SHEET:
            continue
        markers = _column_a(sheet)
        ref_rows = [r for r, text in enumerate(markers, start=1) if text == REF_HEADER]
        for index, header_row in enumerate(ref_rows):
            end = ref_rows[index + 1] if index + 1 < len(ref_rows) else len(sheet.rows) + 1
            cells = _marker_cells(sheet, header_row)
            if VALUE_HEADER.casefold() in {text.casefold() for text in cells.values()}:
                _locate_form(sheet, header_row, end, cells, located, markers)
            else:
                _locate_table(sheet, header_row, end, cells, located, markers)
    return located


def _column_a(sheet: Sheet) -> list[str]:
    """The text in column A of each row, from row 1: where the template writes every id. Read once per
    sheet, as every row's marker is looked at more than once."""
    return [_text(cells[0]) if cells else "" for cells in sheet.rows]


def _marker_cells(sheet: Sheet, row: int) -> dict[int, str]:
    """{column: text} of the non-empty cells of a heading or reference row."""
    cells = {c: _text(value) for c, value in enumerate(sheet.rows[row - 1], start=1)}
    return {c: text for c, text in cells.items() if text}


def _form_heading_problem(sheet: Sheet, header_row: int, cells: dict[int, str]) -> tuple[tuple[str, ...], str | None]:
    """The headings this form row should have, and what is wrong with them, if anything.

    The template's headings fill the row from column A with no gap; beyond them no heading may
    repeat one of them. So a column inserted, deleted, moved or renamed among them is noticed, and
    a second "Value" column can never be read in place of the first.
    """
    rated = RATING_HEADER.casefold() in {text.casefold() for text in cells.values()}
    expected = form_headers(rated)
    found = tuple(cells.get(c, "") for c in range(1, len(expected) + 1))
    known = {h.casefold() for h in FORM_HEADERS}
    repeated = [(c, t) for c, t in cells.items() if c > len(expected) and t.casefold() in known]
    if found == expected and not repeated:
        return expected, None
    shown = ", ".join(f"{a1(header_row, c)} '{t}'" for c, t in sorted(cells.items())[:12])
    return expected, (f"On sheet '{sheet.title}', the column headings in row {header_row} are not the template's: "
                      f"they should read {', '.join(expected)} from column A, with nothing between them, but read "
                      f"{shown}. A column has been inserted, deleted, moved or renamed, so it is not certain "
                      "which figures are meant.")


def _locate_form(sheet: Sheet, header_row: int, end: int, cells: dict[int, str], located: Located,
                 markers: list[str]) -> None:
    headers, problem = _form_heading_problem(sheet, header_row, cells)
    if problem:
        located.layout_problems.append(problem)
    column = {text: col for col, text in enumerate(headers, start=1)}
    label_col, unit_col, value_col = column["Indicator"], column["Unit"], column[VALUE_HEADER]
    rating_col, comment_col = column.get(RATING_HEADER), column.get(COMMENT_HEADER)
    field_rows = []
    title, form, signed_rows = sheet.title, located.form, located.signed_rows
    for row in range(header_row + 1, end):
        field_id = markers[row - 1]
        if not field_id:
            continue
        field_rows.append(row)
        here = FormRow(
            field_id,
            CellRef(title, row, value_col),
            CellRef(title, row, rating_col) if rating_col else None,
            CellRef(title, row, comment_col) if comment_col else None,
        )
        if field_id in form:
            located.duplicates.append((field_id, form[field_id].value.a1, here.value.a1))
            continue
        form[field_id] = here
        cells = sheet.rows[row - 1]
        signed_rows.append((field_id, _text_in(cells, label_col), _text_in(cells, unit_col)))
    entry_cols = [c for c in (value_col, rating_col, comment_col) if c]
    if field_rows:
        _note_unreferenced_entries(sheet, range(header_row + 1, field_rows[-1] + 1), entry_cols, located, markers)
        _note_entries_below(sheet, range(field_rows[-1] + 1, end), entry_cols, comment_col is not None, located)


def _note_unreferenced_entries(sheet: Sheet, rows: range, cols: list[int], located: Located,
                               markers: list[str]) -> None:
    """An entry in an input column on a row with no reference in column A is never read: say so.

    Such a row is where a reference was moved away from, or a row added by hand; either way the
    figure in it is not where the template put it.
    """
    for row in rows:
        if markers[row - 1]:
            continue
        cells = sheet.rows[row - 1]
        filled = [a1(row, c) for c in cols if _text_in(cells, c)]
        if filled:
            located.layout_problems.append(
                f"On sheet '{sheet.title}', row {row} has an entry ({', '.join(filled)}) but no reference in "
                "column A, so it is not one of the template's rows and cannot be read. A row has been added, "
                "or a reference moved or deleted.")
            return


def _note_entries_below(sheet: Sheet, rows: range, cols: list[int], has_comments: bool, located: Located) -> None:
    """What was typed in a form's input columns below its last row, up to the next form or the sheet's end.

    Nothing the template writes sits there, so it is the coordinator's: a note, usually, such as
    "Figures provisional, see email". It is not a figure moved out of its row (the rows above are all
    still there), so the return is read; but the entry is not, and the coordinator is told so.
    """
    filled = [(row, col) for row in rows for col in cols if _text_in(sheet.rows[row - 1], col)]
    where = "the Comment column of the row they are about" if has_comments else "the email you send the return with"
    for row, col in filled[:ENTRIES_BELOW_NAMED]:
        cell = a1(row, col)
        located.entries_below.append(IssueRecord(
            "warning", "entry_below_form",
            f"On sheet '{sheet.title}', {cell} holds {_shown(value_at(sheet, row, col))}, outside the form: it "
            f"was not read. Put notes in {where}.", sheet=sheet.title, cell=cell))
    if len(filled) > ENTRIES_BELOW_NAMED:
        row, col = filled[-1]
        located.entries_below.append(IssueRecord(
            "warning", "entry_below_form",
            f"On sheet '{sheet.title}', {len(filled) - ENTRIES_BELOW_NAMED} more cells below the form hold entries "
            f"(the last is {a1(row, col)}); none of them was read. Put notes in {where}.",
            sheet=sheet.title, cell=a1(row, col)))


def _shown(value: object) -> str:
    """An entry as a message quotes it: a figure as figures are quoted, text in quotes, long text cut short."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return figure(value)
    return quoted(" ".join(str(value).split()))


def _locate_table(sheet: Sheet, ref_row: int, end: int, cells: dict[int, str], located: Located,
                  markers: list[str]) -> None:
    label_row, unit_row = ref_row + 1, ref_row + 2
    if label_row > len(markers) or markers[label_row - 1] != TABLE_ROW_HEADER:
        return
    ids = {c: i for c, i in cells.items() if c >= 2}
    columns: dict[str, int] = {}
    for col, field_id in ids.items():
        if field_id in columns:
            located.duplicates.append((field_id, a1(ref_row, columns[field_id]), a1(ref_row, col)))
            continue
        columns[field_id] = col
        located.signed_rows.append(
            (field_id, _text(value_at(sheet, label_row, col)), _text(value_at(sheet, unit_row, col)))
        )
    block = TableBlock(sheet.title, columns, [], ref_row=ref_row, ref_cells=ids)
    label_col, unit_col = FIXED_TABLE_FIRST_INPUT_COLUMN - 2, FIXED_TABLE_FIRST_INPUT_COLUMN - 1
    for row in range(unit_row + 1, end):
        marker = value_at(sheet, row, 1)
        if isinstance(marker, (int, float)) and not isinstance(marker, bool):
            block.data_rows.append(row)
        elif row_id := markers[row - 1]:
            _locate_fixed_row(sheet, row, row_id, label_col, unit_col, block, located)
    _note_unreferenced_entries(sheet, range(unit_row + 1, end), sorted(columns.values()), located, markers)
    located.tables[tuple(sorted(block.columns))] = block


def _locate_fixed_row(sheet: Sheet, row: int, row_id: str, label_col: int, unit_col: int, block: TableBlock,
                      located: Located) -> None:
    """A pre-labelled row, found by its id: its label and unit are signed like a form row's."""
    if row_id in block.fixed_rows:
        located.duplicates.append((row_id, a1(block.fixed_rows[row_id], 1), a1(row, 1)))
        return
    block.fixed_rows[row_id] = row
    located.signed_rows.append((row_id, _text(value_at(sheet, row, label_col)), _text(value_at(sheet, row, unit_col))))
