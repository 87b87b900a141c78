"""Workbooks as LibreOffice prints them: is every printed cell's text on the page whole?

Two checks, because neither sees everything alone:

- the PDF's text (poppler's `pdftotext`) must hold every word of every printed
  cell, and no "…" or "###" that a cut label or a too-narrow number leaves;
- the file's own sizes (openpyxl): a wrapped cell's row must be tall enough
  for the lines its text needs at its column's width, because a spreadsheet
  program does not grow a row whose height the file sets, and a PDF's text
  layer can still hold words that are clipped off the printed page.

Text widths are estimated for a font a little wider than Calibri (LibreOffice
on Linux, without Calibri, prints in a wider substitute), so a row sized
only for Calibri's exact metrics fails here, as it would print cut there.
"""

from __future__ import annotations

import re
import subprocess
import textwrap
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.utils import range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

from spreadsheet_program import convert

DEFAULT_ROW_POINTS = 15.0
DEFAULT_COLUMN_WIDTH = 8.43
CHARACTERS_PER_WIDTH = 1.1  # characters of ordinary text per unit of column width (LibreOffice prints about 1.2)
LINE_POINTS_PER_FONT_POINT = 1.2
TOLERANCE_POINTS = 2.0


@dataclass(frozen=True)
class Printed:
    """One workbook's PDF: its text, page by page, and where it came from."""

    workbook: Path
    pdf: Path
    pages: list[str]

    @property
    def words(self) -> Counter:
        return Counter(_words(" ".join(self.pages)))


def print_to_pdf(workbooks: list[Path], out_dir: Path) -> list[Printed]:
    """Every workbook printed by LibreOffice in one run (each start of LibreOffice takes seconds)."""
    stems = [w.stem for w in workbooks]
    assert len(set(stems)) == len(stems), f"give each workbook its own name: {stems}"
    pdfs = convert(workbooks, "pdf", out_dir)
    return [Printed(w, p, pdf_pages(p)) for w, p in zip(workbooks, pdfs)]


def pdf_pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("\u00a0", " ")


def _words(text: str) -> list[str]:
    """Words as a printed page gives them back: split at spaces and after hyphens and slashes, where lines wrap."""
    return [w for w in re.split(r"\s+|(?<=[-/])", _normal(text)) if w]


@dataclass(frozen=True)
class PrintedCell:
    sheet: str
    coordinate: str
    text: str
    wrapped: bool
    size: float
    width: float
    height: float
    room_right: float  # width of the empty printed cells to its right, where unwrapped text may run on


def printed_sheets(book: openpyxl.Workbook) -> list[Worksheet]:
    """The sheets a printout holds: the visible ones (LibreOffice and Excel leave hidden sheets out)."""
    return [ws for ws in book.worksheets if ws.sheet_state == "visible"]


def print_range(ws: Worksheet) -> tuple[int, int, int, int]:
    """(first column, first row, last column, last row) printed: the print area, or the used range."""
    area = ws.print_area
    if area:
        first = area[0] if isinstance(area, list) else str(area).split(",")[0]
        return range_boundaries(first.split("!")[-1].replace("$", ""))
    return 1, 1, ws.max_column, ws.max_row


def printed_cells(path: Path) -> list[PrintedCell]:
    """Every non-empty text cell in a printed area, with the room the file gives it."""
    book = openpyxl.load_workbook(path)
    cells = []
    for ws in printed_sheets(book):
        min_col, min_row, max_col, max_row = print_range(ws)
        cells += text_cells(ws, min_row, max_row, min_col, max_col)
    return cells


def printed_cells_of_row(ws: Worksheet, row: int) -> list[PrintedCell]:
    return text_cells(ws, row, row, 1, ws.max_column)


def text_cells(ws: Worksheet, min_row: int, max_row: int, min_col: int, max_col: int) -> list[PrintedCell]:
    """The text cells of an area (formulas left out: what they show is worked out when the file is opened)."""
    merged = {(m.min_row, m.min_col): m for m in ws.merged_cells.ranges}
    covered = {(r, c) for m in ws.merged_cells.ranges for r in range(m.min_row, m.max_row + 1)
               for c in range(m.min_col, m.max_col + 1) if (r, c) != (m.min_row, m.min_col)}
    cells = []
    for row in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col):
        for cell in row:
            if (not isinstance(cell.value, str) or not cell.value.strip() or cell.data_type == "f"
                    or (cell.row, cell.column) in covered):
                continue
            if cell.alignment.textRotation:  # runs up the page: its room is the row's height
                continue
            area = merged.get((cell.row, cell.column))
            cols = range(cell.column, (area.max_col if area else cell.column) + 1)
            rows = range(cell.row, (area.max_row if area else cell.row) + 1)
            cells.append(PrintedCell(
                ws.title, cell.coordinate, cell.value, bool(cell.alignment.wrap_text),
                float(cell.font.sz or 11), sum(column_width(ws, c) for c in cols),
                sum(row_height(ws, r) for r in rows), _room_right(ws, cell.row, cols[-1], max_col, covered)))
    return cells


def _room_right(ws: Worksheet, row: int, col: int, max_col: int, covered: set) -> float:
    room = 0.0
    for c in range(col + 1, max_col + 1):
        value = ws.cell(row, c).value
        if (row, c) in covered or (value is not None and value != ""):
            break
        room += column_width(ws, c)
    return room


def column_width(ws: Worksheet, col: int) -> float:
    """A column's width in characters, as the file sets it (openpyxl keys ranges of columns by their first)."""
    for dimension in ws.column_dimensions.values():
        if dimension.min and dimension.max and dimension.min <= col <= dimension.max:
            if dimension.hidden:
                return 0.0
            return float(dimension.width or ws.sheet_format.defaultColWidth or DEFAULT_COLUMN_WIDTH)
    return float(ws.sheet_format.defaultColWidth or DEFAULT_COLUMN_WIDTH)


def row_height(ws: Worksheet, row: int) -> float:
    dimension = ws.row_dimensions[row]
    if dimension.hidden:
        return 0.0
    return float(dimension.ht or ws.sheet_format.defaultRowHeight or DEFAULT_ROW_POINTS)


def lines_needed(text: str, width: float, size: float) -> int:
    """Lines `text` takes in a wrapped cell `width` characters wide, wrapping at words."""
    per_line = max(int(width * CHARACTERS_PER_WIDTH * 11 / size), 1)
    return sum(max(1, len(textwrap.wrap(part, per_line, break_long_words=True))) for part in text.split("\n"))


def points_needed(cell: PrintedCell) -> float:
    return lines_needed(cell.text, cell.width, cell.size) * cell.size * LINE_POINTS_PER_FONT_POINT


def short_rows(cells: list[PrintedCell]) -> list[str]:
    """Wrapped cells whose rows are too short for their text: the text would print cut."""
    return [f"{c.sheet}!{c.coordinate}: {lines_needed(c.text, c.width, c.size)} lines of {c.size:g}pt text "
            f"at width {c.width:g} need {points_needed(c):.0f}pt, the row is {c.height:g}pt: {c.text[:60]!r}"
            for c in cells if c.wrapped and c.height + TOLERANCE_POINTS < points_needed(c)]


def text_width(text: str, size: float = 11) -> float:
    """Width of one line of text in column-width units (the width of a '0'), with the cell's margins.

    Capitals are wider than a '0', small letters and spaces narrower: an
    identifier in capitals needs a wider column than a sentence as long.
    """
    units = sum(1.05 if c.isupper() or c in "_%@#&" else 1.0 if c.isdigit() else 0.8 for c in text)
    return units * size / 11 + 0.7


def run_on_cut(cells: list[PrintedCell]) -> list[str]:
    """Unwrapped text wider than its cell and the empty cells beside it: its end is not printed."""
    return [f"{c.sheet}!{c.coordinate}: {len(c.text)} characters of unwrapped text in width {c.width:g} "
            f"(+{c.room_right:g} empty beside it): {c.text[:60]!r}"
            for c in cells if not c.wrapped and "\n" not in c.text
            and text_width(c.text, c.size) > c.width + c.room_right]


def missing_words(printed: Printed, cells: list[PrintedCell]) -> list[str]:
    """Words of printed cells that the PDF holds fewer times than the cells do."""
    wanted = Counter(w for c in cells for w in _words(c.text))
    found = printed.words
    short = {w: n - found[w] for w, n in wanted.items() if found[w] < n}
    where = {}
    for c in cells:
        for w in _words(c.text):
            if w in short and w not in where:
                where[w] = f"{c.sheet}!{c.coordinate}"
    return [f"{w!r} printed {found[w]} of {wanted[w]} times (first in {where[w]})" for w in sorted(short)]


def cut_marks(printed: Printed, cells: list[PrintedCell]) -> list[str]:
    """Pages with '###' (a number too wide for its column) or a '…' that no cell's own text holds."""
    own_ellipses = sum(c.text.count("…") for c in cells)
    problems = [f"page {i}: '###'" for i, page in enumerate(printed.pages, start=1) if "###" in page]
    printed_ellipses = sum(page.count("…") for page in printed.pages)
    if printed_ellipses > own_ellipses:
        problems.append(f"{printed_ellipses - own_ellipses} '…' printed that no cell holds")
    return problems


def print_problems(printed: Printed, max_pages: int) -> list[str]:
    """Everything that makes this printout wrong, or nothing."""
    cells = printed_cells(printed.workbook)
    problems = short_rows(cells) + run_on_cut(cells) + missing_words(printed, cells) + cut_marks(printed, cells)
    if not 0 < len(printed.pages) <= max_pages:
        problems.append(f"{len(printed.pages)} pages, expected 1 to {max_pages}")
    blank = [i for i, page in enumerate(printed.pages, start=1) if len(_words(page)) < 3]
    if blank:
        problems.append(f"pages with next to nothing on them: {blank}")
    return problems
