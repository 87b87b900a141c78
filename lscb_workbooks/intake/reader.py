"""Read returns' cell values with python-calamine, in worker processes.

Calamine reads a small return in well under a millisecond, some twenty times
faster than openpyxl, but it can abort the process it runs in; so the reading
happens in forked workers (see `sandbox`) and the caller gets, for every file,
either the values or an `Unreadable` saying why not.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from python_calamine import CalamineWorkbook, PasswordError, SheetMetadata, SheetTypeEnum, SheetVisibleEnum

from lscb_workbooks.intake import unreadable
from lscb_workbooks.intake.biff import xls_formulas
from lscb_workbooks.intake.ods import without_layout_whitespace
from lscb_workbooks.intake.package import Package
from lscb_workbooks.intake.safety import (
    OLE_MAGIC, ZIP_MAGIC, check_workbook_bytes, error_values, formula_cells, opened_package,
)
from lscb_workbooks.intake.saved_time import last_saved
from lscb_workbooks.intake.sandbox import CRASHED, TIMED_OUT, results_as_ready, run_in_workers
from lscb_workbooks.intake.unreadable import Unreadable

__all__ = ["Sheet", "Workbook", "check_and_read_as_ready", "read_workbooks"]

VISIBILITY = (
    (SheetVisibleEnum.Visible, "visible"),
    (SheetVisibleEnum.Hidden, "hidden"),
    (SheetVisibleEnum.VeryHidden, "veryhidden"),
)


@dataclass
class Sheet:
    """A sheet's values as calamine gives them, laid out from cell A1.

    `rows[r - 1][c - 1]` is the value of the cell at Excel row r, column c; an
    empty cell is "". Numbers are floats (or ints), dates and times are
    `datetime`, `date`, `time` or `timedelta` objects.
    """

    title: str
    visibility: str
    rows: list[list[object]]


@dataclass
class Workbook:
    """A workbook's sheets, which input cells hold formulas, and when the workbook says it was last saved.

    `errors` is {sheet title: {cell reference: error}} for cells holding an error with no formula
    ("#DIV/0!" pasted as a value), which `sheets` gives as empty; only sheets that have any are in it.
    """

    sheets: list[Sheet]
    formulas: dict[str, dict[str, bool]]
    saved_at: str | None = None
    errors: dict[str, dict[str, str]] = field(default_factory=dict)

    def sheet(self, title: str) -> Sheet | None:
        """The sheet with this title; like Excel, a title matches whatever its case."""
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        folded = title.casefold()
        return next((sheet for sheet in self.sheets if sheet.title.casefold() == folded), None)


def read_workbooks(
    items: Iterable[tuple[str, bytes]], workers: int = 2, timeout_s: float = 30.0
) -> dict[str, Workbook | Unreadable]:
    """{key: Workbook or Unreadable} for (key, bytes) pairs that passed `check_workbook_bytes`.

    A file that kills its reader twice becomes "reader_crashed", one that takes
    longer than `timeout_s` "reader_timeout"; every other file is still read.
    """
    outcomes = run_in_workers(items, read_workbook, workers, timeout_s)
    return {key: _as_result(outcome, timeout_s) for key, outcome in outcomes.items()}


def check_and_read_as_ready(
    items: Iterable[tuple[str, bytes]], workers: int = 2, timeout_s: float = 30.0
) -> Iterator[tuple[str, Workbook | Unreadable]]:
    """(key, Workbook or Unreadable) for each (key, bytes) pair, as soon as it is read, in no set order, so
    that the caller works on one return while the workers read the next. The safety checks run first
    inside each worker, spreading them over the cores; a file that fails them never reaches calamine."""
    for key, outcome in results_as_ready(items, check_and_read_workbook, workers, timeout_s):
        yield key, _as_result(outcome, timeout_s)


def check_and_read_workbook(data: bytes) -> Workbook | Unreadable:
    """The safety checks, then the reading, with the package opened once: the parts the checks
    inflate are scanned again for formulas without inflating them twice."""
    package = opened_package(data)
    try:
        return check_workbook_bytes("", data, package) or read_workbook(data, package)
    finally:
        if package is not None:
            package.close()


def read_workbook(data: bytes, package: Package | None = None) -> Workbook | Unreadable:
    """One workbook's sheets and formulas, in this process. Prefer `read_workbooks`.

    `package` is `data` opened already (by `check_and_read_workbook`)."""
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(_readable_by_calamine(data)))
    except PasswordError:
        return unreadable.encrypted()
    except Exception:  # calamine reports every kind of bad file as an exception of its own
        return unreadable.corrupt()
    try:
        sheets = _read_sheets(book)
    finally:
        book.close()
    if isinstance(sheets, Unreadable):
        return sheets
    if data.startswith(OLE_MAGIC):
        _use_saved_formula_text(sheets, data)
    return Workbook(sheets=sheets, formulas=formula_cells(data, package), saved_at=last_saved(data, package),
                    errors=error_values(data, package))


def _readable_by_calamine(data: bytes) -> bytes:
    """An .ods as calamine can read it (see `without_layout_whitespace`); any other file as it is."""
    if data.startswith(ZIP_MAGIC) and b"opendocument" in data[:200]:
        try:
            return without_layout_whitespace(data)
        except Exception:  # a damaged package: calamine says what is wrong with it
            return data
    return data


def _use_saved_formula_text(sheets: list[Sheet], data: bytes) -> None:
    """Put the text a formula saved in an .xls where calamine read it as a number (LibreOffice's files)."""
    try:
        formulas = xls_formulas(data)
    except Exception:  # records calamine could read but these could not: keep calamine's values
        return
    for sheet in sheets:
        for (row, col), result in formulas.get(sheet.title, {}).items():
            if isinstance(result.value, str) and result.value and row <= len(sheet.rows) \
                    and col <= len(sheet.rows[row - 1]):
                sheet.rows[row - 1][col - 1] = result.value


def _read_sheets(book: CalamineWorkbook) -> list[Sheet] | Unreadable:
    """Every sheet, or which one could not be read: a part cut short, or listed but missing."""
    sheets = []
    for metadata in book.sheets_metadata:
        try:
            sheets.append(_read_sheet(book, metadata))
        except Exception:  # calamine's words for it ("t", the bare title) would tell a coordinator nothing
            return unreadable.corrupt(metadata.name)
    return sheets


def _read_sheet(book: CalamineWorkbook, metadata: SheetMetadata) -> Sheet:
    visibility = next((name for state, name in VISIBILITY if metadata.visible == state), "visible")
    if metadata.typ != SheetTypeEnum.WorkSheet:
        return Sheet(metadata.name, visibility, [])
    rows = book.get_sheet_by_name(metadata.name).to_python(skip_empty_area=False)
    return Sheet(metadata.name, visibility, rows)


def _as_result(outcome: object, timeout_s: float) -> Workbook | Unreadable:
    if outcome == CRASHED:
        return unreadable.reader_crashed()
    if outcome == TIMED_OUT:
        return unreadable.reader_timeout(timeout_s)
    if isinstance(outcome, (Workbook, Unreadable)):
        return outcome
    return unreadable.corrupt()

