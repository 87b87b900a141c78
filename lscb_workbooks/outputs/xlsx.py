"""What every workbook the tool writes has in common: safe options, atomic saves, formats by unit.

The master workbook, the feedback workbooks and the borough profiles all go
through here, so that text a borough typed is always written as text (never a
formula or a link), an over-long comment is cut with a visible marker instead
of being dropped, and an interrupted run leaves the last good file in place.
"""

from __future__ import annotations

import functools
import math
import re
import textwrap
import warnings
import zipfile
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator

import pandas as pd
import xlsxwriter
import xlsxwriter.workbook
import xlsxwriter.worksheet
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from ..atomic import replacing
from ..errors import LscbError
from ..intake.xml_scan import column_letters

EXCEL_CELL_LIMIT = 32_767
SHEET_NAME_LIMIT = 31
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

WORKBOOK_OPTIONS: dict[str, Any] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "in_memory": True,
    "remove_timezone": True,
    "default_date_format": "dd/mm/yyyy",
}

NUMBER_FORMATS: dict[str, str] = {
    "count": "#,##0",
    "percentage": '0.0"%"',
    "rate_per_10000": "#,##0.0",
    "number": "#,##0.0",
    "score": "0",
    "date": "dd/mm/yyyy",
    "text": "@",
    "yes_no": "@",
    "choice": "@",
}


class WorkbookWriteError(LscbError, RuntimeError):
    """xlsxwriter refused something (it says so only with a warning); the file was not replaced."""


# xlsxwriter's own records of a written cell; a version that names them otherwise gets its own worksheet
_NUMBER, _STRING, _BLANK = (getattr(xlsxwriter.worksheet, name, None)
                            for name in ("CellNumberTuple", "CellStringTuple", "CellBlankTuple"))


class _Worksheet(Worksheet):
    """xlsxwriter's worksheet, quicker with the cells a workbook of figures holds most of.

    A number, a shared text or a blank, each with its own format, is kept (`put`) and saved with one
    write each, and a sheet's rows are saved in their cells' own order rather than by trying every
    column of the sheet's width; every other cell, and any sheet with comments, as xlsxwriter saves it.
    The XML is the same, character for character (a test compares the two).
    """

    def put(self, row: int, col: int, cell: Any) -> int:
        """Keep one of xlsxwriter's own cell records (a number's, a blank's, or `text_cell`'s), as its
        `write_*` would."""
        if self._check_dimensions(row, col):
            return -1
        self.table[row][col] = cell
        return 0

    def text_cell(self, text: str, cell_format: Format | None) -> Any:
        """A text cell's record: the text itself goes to the workbook's shared strings once."""
        return _STRING(self.str_table._get_shared_string_index(text), cell_format)

    def _calculate_spans(self) -> None:
        if self.constant_memory or self.comments:
            super()._calculate_spans()
            return
        lowest, highest = self.dim_rowmin, self.dim_rowmax
        bounds: dict[int, list[int]] = {}
        for row, cells in self.table.items():
            if cells and lowest <= row <= highest:
                low, high = min(cells), max(cells)
                known = bounds.get(row // 16)
                if known is None:
                    bounds[row // 16] = [low, high]
                else:
                    known[0], known[1] = min(known[0], low), max(known[1], high)
        self.row_spans = {index: f"{low + 1}:{high + 1}" for index, (low, high) in bounds.items()}

    def _write_rows(self) -> None:
        if self.constant_memory or self.comments:
            super()._write_rows()
            return
        self._calculate_spans()
        table, row_info, spans = self.table, self.row_info, self.row_spans
        rows = sorted(row for row in {*(r for r, cells in table.items() if cells), *row_info}
                      if self.dim_rowmin <= row <= self.dim_rowmax)
        write = self.fh.write
        for row in rows:
            cells = table.get(row)
            if not cells:
                self._write_empty_row(row, spans.get(row // 16), row_info[row])
                continue
            self._write_row(row, spans.get(row // 16), row_info.get(row))
            number = str(row + 1)
            for col in sorted(cells):
                cell = cells[col]
                kind, cell_format = type(cell), cell.format
                if cell_format is None:
                    self._write_cell(row, col, cell)
                elif kind is _NUMBER:
                    write(f'<c r="{column_letters(col + 1)}{number}" s="{cell_format._get_xf_index()}">'
                          f"<v>{cell.number:.16G}</v></c>")
                elif kind is _STRING:
                    write(f'<c r="{column_letters(col + 1)}{number}" s="{cell_format._get_xf_index()}" t="s">'
                          f"<v>{cell.string}</v></c>")
                elif kind is _BLANK:
                    write(f'<c r="{column_letters(col + 1)}{number}" s="{cell_format._get_xf_index()}"/>')
                else:
                    self._write_cell(row, col, cell)
            write("</row>")


def new_workbook(path_or_buffer: str | Path | IO[bytes]) -> xlsxwriter.Workbook:
    """A workbook that writes text as text: no formulas, links or numbers guessed from strings."""
    target = str(path_or_buffer) if isinstance(path_or_buffer, Path) else path_or_buffer
    workbook = xlsxwriter.Workbook(target, dict(WORKBOOK_OPTIONS))
    if None not in (_NUMBER, _STRING, _BLANK):
        workbook.worksheet_class = _Worksheet
    return workbook


def save_atomically(build: Callable[[xlsxwriter.Workbook], None], path: Path) -> Path:
    """Build a workbook into a temporary file beside `path`, then move it into place.

    Anything xlsxwriter would only warn about (a string cut, a chart inserted
    twice, a validation list too long) is raised as `WorkbookWriteError`, and
    the previous file at `path` stays untouched.
    """
    path = Path(path)
    with replacing(path) as temporary, warnings.catch_warnings():
        warnings.filterwarnings("error", module=r"xlsxwriter(\.|$)")
        workbook = new_workbook(temporary)
        try:
            build(workbook)
            with quickly_compressed():
                workbook.close()
        except UserWarning as problem:
            raise WorkbookWriteError(f"{path.name} was not written: {problem}") from problem
        finally:
            let_go(workbook)
    return path


# How hard the parts of a workbook are compressed, from zlib's 1 (quickest) to 9; xlsxwriter's own is 6. At 1,
# writing a collation's workbooks took 0.08 s less of 2.2 s, for files a fifth larger (the master: 1.0 -> 1.2 MB).
COMPRESS_LEVEL = 1


class _QuickZipInfo(zipfile.ZipInfo):
    """A part of a workbook, compressed at `COMPRESS_LEVEL`."""

    __slots__ = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if hasattr(self, "compress_level"):  # Python 3.13 on
            self.compress_level = COMPRESS_LEVEL
        else:
            self._compresslevel = COMPRESS_LEVEL


@contextmanager
def quickly_compressed() -> Iterator[None]:
    """While a workbook is saved (`Workbook.close`), its parts are compressed at `COMPRESS_LEVEL`: xlsxwriter
    makes each part's `ZipInfo`, and has no option for the level. Should a version of xlsxwriter make its
    parts otherwise, they are compressed at its own level, and the file is as good."""
    module = xlsxwriter.workbook
    made = getattr(module, "ZipInfo", None)
    module.ZipInfo = _QuickZipInfo
    try:
        yield
    finally:
        if made is None:
            del module.ZipInfo
        else:
            module.ZipInfo = made


def let_go(workbook: xlsxwriter.Workbook) -> None:
    """Let the workbook's cells be freed as soon as it is done with.

    Each xlsxwriter sheet keeps a reference back to its workbook (its `add_format`), so a workbook and
    its sheets form a cycle that only Python's full garbage collection frees, and the tool makes those
    rarely (`processes.rare_full_collections`); a builder holding its own drawing functions (the master's)
    is another such cycle. Without this, every cell of every workbook written would stay in memory until
    the next full collection: the back-reference is dropped and each sheet's cells are let go.
    """
    for sheet in workbook.worksheets():
        sheet.workbook_add_format = None
        for cells in ("table", "table_cells", "merged_cells"):  # by row and column: what each sheet holds most of
            getattr(sheet, cells, {}).clear()


def signed_format(num_format: str) -> str:
    """A change between two periods, signed (+3, -1.5): the figure's own format with '+' and '-', without its unit."""
    base = num_format.replace('"%"', "").replace('"', "")
    return f"+{base};-{base};0"


def number_format(unit: str) -> str:
    """The Excel number format for a spec unit; percentages are stored 0-100 and shown with a % sign."""
    return NUMBER_FORMATS.get(unit, "General")


def cell_text(value: Any) -> str:
    """Text for a cell, cut to Excel's 32,767-character limit with a marker saying how much is hidden.

    Excel counts UTF-16 units, so an emoji takes two of the 32,767.
    """
    text = "" if value is None else str(value)
    if len(text) * 2 <= EXCEL_CELL_LIMIT or _utf16_length(text) <= EXCEL_CELL_LIMIT:  # no character takes 3 units
        return text
    hidden = 0
    while True:
        marker = f"… [cut: {hidden:,} characters not shown]"
        kept = _utf16_prefix(text, EXCEL_CELL_LIMIT - _utf16_length(marker))
        if len(text) - len(kept) == hidden:
            return kept + marker
        hidden = len(text) - len(kept)


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _utf16_prefix(text: str, units: int) -> str:
    """The longest start of `text` that fits in `units` UTF-16 units without splitting a character."""
    encoded = text.encode("utf-16-le", "surrogatepass")[: 2 * units]
    if len(encoded) >= 2 and 0xD8 <= encoded[-1] <= 0xDB:
        encoded = encoded[:-2]
    return encoded.decode("utf-16-le", "surrogatepass")


def is_blank(value: Any) -> bool:
    """None, NaN, pandas NA and empty text all mean 'nothing to show'."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        return value == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def number_or_none(value: Any) -> float | None:
    """A figure as a float, or None where there is nothing to show (`is_blank`)."""
    return None if is_blank(value) else float(value)


def write_value(worksheet: Worksheet, row: int, col: int, value: Any, cell_format: Format | None = None) -> None:
    """Write a number as a number, a date as a date, anything else as literal text; blanks stay blank.

    Text is written with `write_string`, so `=HYPERLINK(...)` or `@SUM(...)`
    typed by a borough reads back exactly as typed.
    """
    kind = type(value)  # the three kinds of nearly every cell first, without the checks the others need
    quick = worksheet.__class__ is _Worksheet and not worksheet.constant_memory
    if kind is float and -math.inf < value < math.inf:
        if quick:
            result = worksheet.put(row, col, _NUMBER(value, cell_format))
        else:
            result = worksheet.write_number(row, col, value, cell_format)
    elif kind is str and value:
        if quick:
            result = worksheet.put(row, col, worksheet.text_cell(cell_text(value), cell_format))
        else:
            result = worksheet.write_string(row, col, cell_text(value), cell_format)
    elif value is None and quick:  # a blank is saved only for its format, as xlsxwriter's write_blank does
        result = 0 if cell_format is None else worksheet.put(row, col, _BLANK(cell_format))
    elif is_blank(value):
        result = worksheet.write_blank(row, col, None, cell_format)
    elif isinstance(value, bool):
        result = worksheet.write_string(row, col, "Yes" if value else "No", cell_format)
    elif isinstance(value, (int, float)):
        number = float(value)
        if math.isinf(number):
            result = worksheet.write_blank(row, col, None, cell_format)
        else:
            result = worksheet.write_number(row, col, number, cell_format)
    elif isinstance(value, (datetime, date)):
        result = worksheet.write_datetime(row, col, value, cell_format)
    elif hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return write_value(worksheet, row, col, value.item(), cell_format)
    else:
        result = worksheet.write_string(row, col, cell_text(value), cell_format)
    if result is not None and result < 0:
        raise WorkbookWriteError(f"could not write cell ({row}, {col}) of sheet '{worksheet.name}' (code {result})")


def sheet_name(title: str, taken: set[str] | None = None) -> str:
    """A legal, unique sheet name (31 characters at most, none of []:*?/\\), added to `taken`."""
    taken = taken if taken is not None else set()
    base = SHEET_NAME_FORBIDDEN.sub("-", title).strip("' ") or "Sheet"
    base = base[:SHEET_NAME_LIMIT].rstrip()
    name, n = base, 2
    while name.lower() in {t.lower() for t in taken}:
        suffix = f" ({n})"
        name = base[: SHEET_NAME_LIMIT - len(suffix)].rstrip() + suffix
        n += 1
    taken.add(name)
    return name


def set_print_layout(worksheet: Worksheet, header: str, repeat_rows: tuple[int, int] | None = None) -> None:
    """Landscape A4, fitted to the page width, with `header` at the top of every page and page numbers below.

    `header` is plain text: ampersands are doubled so Excel does not read them as codes.
    """
    worksheet.set_landscape()
    worksheet.set_paper(9)
    worksheet.fit_to_pages(1, 0)
    worksheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    worksheet.set_header(f"&L&8{header.replace('&', '&&')[:200]}")
    worksheet.set_footer("&R&8Page &P of &N")
    if repeat_rows:
        worksheet.repeat_rows(*repeat_rows)


LINE_POINTS = 15
PRINTED_WIDTH_POINTS = 784   # landscape A4 inside set_print_layout's margins
PRINTED_HEIGHT_POINTS = 470  # the same, less the header and footer, with a little to spare


def keep_sections_whole(worksheet: Worksheet, sections: list[tuple[int, int]], widths: Iterable[float],
                        last_row: int, repeated_row_points: float = 0) -> list[int]:
    """Page breaks so that no section's heading prints at the foot of a page with its rows overleaf.

    `sections` are (first row, rows that must print with it), such as a heading, a
    table's header and its first rows. The page holds as many rows as fit at the
    scale a page-wide printout shrinks the sheet to (set_print_layout), worked
    out from the heights the rows were given.
    """
    sheet_points = sum(int(w * 7 + 5) for w in widths) * 0.75
    page = PRINTED_HEIGHT_POINTS / min(1.0, PRINTED_WIDTH_POINTS / max(sheet_points, 1)) - repeated_row_points
    keep = dict(sections)
    breaks, used = [], 0.0
    for row in range(last_row + 1):
        if row in keep and used > 0 and used + sum(_row_points(worksheet, r) for r in range(row, row + keep[row])) > page:
            breaks.append(row)
            used = 0.0
        height = _row_points(worksheet, row)
        used = height if used + height > page else used + height
    worksheet.set_h_pagebreaks(breaks)
    return breaks


def _row_points(worksheet: Worksheet, row: int) -> float:
    pixels, hidden = worksheet.row_sizes.get(row, [worksheet.default_row_height, False])
    return 0.0 if hidden else pixels * 0.75


def wrapped_lines(text: Any, width: float) -> int:
    """Lines a wrapped cell `width` characters wide needs for `text`, wrapping at words as programs do.

    Spreadsheet programs do not grow a row for wrapped text when they open a file,
    so every row with wrapped text gets its height from here.
    """
    return _lines(str("" if text is None else text), max(int(width * 1.1) - 1, 8))


@functools.lru_cache(maxsize=65536)
def _lines(text: str, per_line: int) -> int:
    """Lines for `text` at `per_line` characters: the same words recur in every table, so each is wrapped once."""
    return sum(1 if len(part) <= per_line else max(1, len(textwrap.wrap(part, per_line, break_long_words=True)))
               for part in text.split("\n"))


MAX_ROW_POINTS = 409  # Excel's tallest row


def row_points(lines: int) -> float:
    """The height, in points, of a row showing `lines` lines of wrapped text."""
    return min(LINE_POINTS * lines + 3, MAX_ROW_POINTS)


def fit_row(worksheet: Worksheet, row: int, cells: Iterable[tuple[Any, float]]) -> None:
    """Make `row` tall enough for the longest of its wrapped cells, given as (text, column width).

    A row whose every cell fits on one line keeps the program's own height.
    """
    lines = max((wrapped_lines(text, width) for text, width in cells), default=1)
    if lines > 1:
        worksheet.set_row(row, row_points(lines))


ON_SCREEN_ONLY = ("For use on screen and in other programs: this sheet is not printed with the workbook "
                  "(printing it gives this heading only). Filter it, or copy it into a pivot table.")


def print_heading_only(worksheet: Worksheet, header: str, formats: "Formats", note_row: int, last_col: int) -> None:
    """Keep a machine-readable sheet (thousands of rows) out of the printed pack: its print area is its
    heading and a note saying so, so a printed master stays a readable size and nothing is cut."""
    write_paragraph(worksheet, formats, note_row, ON_SCREEN_ONLY, last_col, columns_width(worksheet, 0, last_col),
                    italic=True, font_color="#404040")
    set_print_layout(worksheet, header)
    worksheet.print_area(0, 0, note_row, last_col)


class Formats:
    """Formats made once per workbook and shared by every sheet that needs them."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.workbook = workbook
        self._made: dict[tuple, Format] = {}

    def get(self, **properties: Any) -> Format:
        as_given = tuple(properties.items())  # most calls repeat the same properties in the same order
        made = self._made.get(as_given)
        if made is None:
            key = tuple(sorted(as_given))
            made = self._made.get(key)
            if made is None:
                made = self._made[key] = self.workbook.add_format(properties)
            self._made[as_given] = made
        return made

    def unit(self, unit: str, **properties: Any) -> Format:
        return self.get(num_format=number_format(unit), **properties)

    @property
    def title(self) -> Format:
        return self.get(bold=True, font_size=14)

    @property
    def subtitle(self) -> Format:
        return self.get(bold=True, font_size=11)

    @property
    def header(self) -> Format:
        return self.get(bold=True, text_wrap=True, valign="top", bg_color="#D9E1F2", border=1)

    @property
    def text(self) -> Format:
        return self.get(text_wrap=False, valign="top")

    @property
    def wrap(self) -> Format:
        return self.get(text_wrap=True, valign="top")

    @property
    def note(self) -> Format:
        return self.get(italic=True, font_color="#404040", text_wrap=True, valign="top")

    @property
    def link(self) -> Format:
        return self.get(font_color="#0563C1", underline=1)


def columns_width(worksheet: Worksheet, first: int, last: int) -> float:
    """The width, in characters, of columns first..last as the sheet sets them so far (8.43 when not set)."""
    info = worksheet.col_info
    return sum((info[c].width - 5) / 7 if c in info and info[c].width else 8.43 for c in range(first, last + 1))


def write_paragraph(ws: Worksheet, formats: "Formats", row: int, text: str, last_col: int, chars: float,
                    **style: Any) -> None:
    """Text wrapped across columns 0..last_col, its row tall enough for it.

    Text left to overflow would widen the printed page and shrink everything on it.
    """
    fmt = formats.get(text_wrap=True, valign="top", **({"italic": True, "font_color": "#404040"} | style))
    text = cell_text(text)
    if last_col > 0:
        ws.merge_range(row, 0, row, last_col, text, fmt)
    else:
        ws.write_string(row, 0, text, fmt)
    ws.set_row(row, row_points(wrapped_lines(text, chars)))
