"""Reading values with calamine in worker processes: a file that kills its reader costs only itself."""

from __future__ import annotations

import io
import os
import time
import weakref
from collections.abc import Iterator
from datetime import date, datetime

import openpyxl
import pytest
from intake_files import sheet_xml, with_sheet_xml, xlsx_bytes

from lscb_workbooks.intake.reader import Sheet, Workbook, check_and_read_workbook, read_workbooks
from lscb_workbooks.intake.safety import check_workbook_bytes
from lscb_workbooks.intake.sandbox import CRASHED, TIMED_OUT, results_as_ready, run_in_workers


def calamine_abort_file() -> bytes:
    return xlsx_bytes({"A1": 1, "XFD1048576": 2})


def test_values_are_laid_out_from_a1_with_dates_kept():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Return"
    sheet["C5"] = 12
    sheet["D6"] = "n/a"
    sheet["E7"] = datetime(2026, 3, 31, 17, 0)
    sheet["F8"] = date(2026, 4, 1)
    sheet["G9"] = "=C5*2"
    hidden = book.create_sheet("Lists")
    hidden.sheet_state = "hidden"
    identity = book.create_sheet("_identity")
    identity.sheet_state = "veryHidden"
    identity["A1"] = "302"
    buffer = io.BytesIO()
    book.save(buffer)

    result = read_workbooks([("camden", buffer.getvalue())])["camden"]

    assert isinstance(result, Workbook)
    assert [(s.title, s.visibility) for s in result.sheets] == [
        ("Return", "visible"), ("Lists", "hidden"), ("_identity", "veryhidden")
    ]
    rows = result.sheet("Return").rows
    assert rows[4][2] == 12
    assert rows[5][3] == "n/a"
    assert rows[6][4] == datetime(2026, 3, 31, 17, 0)
    assert rows[7][5] == date(2026, 4, 1)
    # A formula saved without its value (openpyxl saves none) reads as nothing: see `formulas`.
    assert rows[0][0] == "" and len(rows) == 8 and all(len(row) == 6 for row in rows)
    assert result.sheet("Lists").rows == []
    assert result.sheet("_IDENTITY") == Sheet("_identity", "veryhidden", [["302"]])
    assert result.sheet("Missing") is None
    assert result.formulas == {"Return": {"G9": False}, "Lists": {}, "_identity": {}}


def test_a_file_that_aborts_its_reader_costs_only_itself():
    """The calamine-abort file, let past the safety check on purpose, among ordinary returns."""
    assert check_workbook_bytes("bomb.xlsx", calamine_abort_file()).reason == "too_many_cells"
    items = [(f"return-{n}", xlsx_bytes({"A1": n})) for n in range(12)]
    items.insert(5, ("bomb", calamine_abort_file()))

    results = read_workbooks(items, workers=2)

    assert list(results) == [key for key, _ in items]
    assert results["bomb"].reason == "reader_crashed"
    assert "failed on this file twice" in results["bomb"].message
    for n in range(12):
        assert results[f"return-{n}"].sheets[0].rows == [[float(n)]]


def test_bytes_calamine_cannot_read_are_corrupt():
    results = read_workbooks([("junk", b"PK\x03\x04 not really a zip"), ("fine", xlsx_bytes({"A1": "x"}))])

    assert results["junk"].reason == "corrupt" and "damaged" in results["junk"].message
    assert results["fine"].sheets[0].rows == [["x"]]


def big_but_valid_sheet() -> Iterator[bytes]:
    """300,000 cells: within the bounds, and over a tenth of a second's reading, well past the 0.05 s allowed."""
    yield b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    for row in range(1, 15001):
        cells = "".join(f'<c r="{column}{row}"><v>{row}</v></c>' for column in "ABCDEFGHIJKLMNOPQRST")
        yield f'<row r="{row}">{cells}</row>'.encode()
    yield b"</sheetData></worksheet>"


def test_a_reader_that_overruns_is_stopped():
    slow = with_sheet_xml(xlsx_bytes(), big_but_valid_sheet())
    assert check_workbook_bytes("slow.xlsx", slow) is None

    results = read_workbooks([("slow", slow), ("quick", xlsx_bytes({"A1": 1}))], workers=1, timeout_s=0.05)

    assert results["slow"].reason == "reader_timeout"
    assert "took longer than 0.05 seconds" in results["slow"].message
    assert results["quick"].sheets[0].rows == [[1.0]]


@pytest.mark.libreoffice
def test_xls_and_ods_are_read_too(converted):
    results = read_workbooks([("xls", converted["xls"]), ("ods", converted["ods"])])

    for key in ("xls", "ods"):
        rows = results[key].sheet("Return").rows
        assert rows[0][0] == "Camden" and rows[2][1] == 42
        assert rows[3][2] in (date(2026, 3, 31), datetime(2026, 3, 31))
        assert results[key].formulas == {}


def test_many_returns_are_read_in_order():
    items = [(f"return-{n:03}", xlsx_bytes({"B2": n})) for n in range(60)]

    results = read_workbooks(items, workers=3)

    assert list(results) == [key for key, _ in items]
    assert [results[key].sheets[0].rows[1][1] for key, _ in items] == [float(n) for n in range(60)]


def test_no_items_need_no_workers():
    assert read_workbooks([]) == {}


# The worker pool itself, with tasks that misbehave on demand.


def misbehave(data: bytes) -> object:
    if data == b"abort":
        os.abort()
    if data == b"hang":
        time.sleep(60)
    if data.startswith(b"abort-once:"):
        marker = data.split(b":", 1)[1].decode()
        if not os.path.exists(marker):
            open(marker, "w").close()
            os.abort()
    return len(data)


def test_a_worker_that_dies_or_hangs_costs_only_its_file():
    items = [("a", b"1"), ("abort", b"abort"), ("b", b"22"), ("hang", b"hang"), ("c", b"333")]

    started = time.monotonic()
    results = run_in_workers(items, misbehave, workers=2, timeout_s=1.0)

    assert results == {"a": 1, "abort": CRASHED, "b": 2, "hang": TIMED_OUT, "c": 3}
    assert time.monotonic() - started < 30


def test_a_file_whose_worker_died_is_retried_alone_before_it_is_blamed(tmp_path):
    marker = tmp_path / "first-attempt"
    flaky = b"abort-once:" + str(marker).encode()
    items = [("flaky", flaky)] + [(f"x{n}", b"x" * n) for n in range(1, 8)]

    results = run_in_workers(items, misbehave, workers=1, timeout_s=10.0)

    assert marker.exists()
    assert results == {"flaky": len(flaky), **{f"x{n}": n for n in range(1, 8)}}


def test_results_as_ready_answer_every_file_once_while_the_caller_works_between_them(tmp_path):
    marker = tmp_path / "first-attempt"
    flaky = b"abort-once:" + str(marker).encode()
    items = [("a", b"1"), ("abort", b"abort"), ("flaky", flaky), ("hang", b"hang")] + \
        [(f"x{n}", b"x" * n) for n in range(1, 40)]

    answered = []
    for key, result in results_as_ready(items, misbehave, workers=2, timeout_s=1.0):
        answered.append((key, result))
        time.sleep(0.01)  # the caller's own work on each answer, while the workers go on reading

    assert sorted(key for key, _ in answered) == sorted(key for key, _ in items)
    assert dict(answered) == {"a": 1, "abort": CRASHED, "flaky": len(flaky), "hang": TIMED_OUT,
                              **{f"x{n}": n for n in range(1, 40)}}


def read_nothing(data: bytes) -> Workbook:
    return Workbook(sheets=[], formulas={}, saved_at=data.decode())


def test_a_result_handed_to_the_caller_is_not_kept_by_the_pool():
    """A national intake reads 500 files at a time: each workbook is the caller's alone once handed over,
    not held until the last of its batch is read."""
    items = [(f"x{n}", str(n).encode()) for n in range(30)]
    let_go = []
    for key, result in results_as_ready(items, read_nothing, workers=2, timeout_s=10.0):
        assert result.saved_at == key[1:]
        held = weakref.ref(result)
        del result
        let_go.append(held() is None)  # while the workers go on reading the rest
    assert len(let_go) == 30 and all(let_go)


def test_an_error_pasted_as_a_value_is_known_by_its_cell():
    """Pasting values over "#DIV/0!" leaves the error with no formula: the reader gives it as empty."""
    cells = ('<row r="1"><c r="A1" t="e"><v>#DIV/0!</v></c><c r="B1"><v>3</v></c>'
             '<c r="C1" t="e"><f>1/0</f><v>#DIV/0!</v></c></row><row r="2"><c r="B2" t="e"><v>#N/A</v></c></row>')
    pasted = with_sheet_xml(xlsx_bytes(), [sheet_xml(cells, "A1:C2")])

    result = read_workbooks([("pasted", pasted)])["pasted"]

    assert result.sheet("Return").rows[0][0] == ""
    assert result.errors == {"Return": {"A1": "#DIV/0!", "B2": "#N/A"}}
    assert result.formulas["Return"] == {"C1": "#DIV/0!"}


def cover_and_return() -> bytes:
    """A workbook of two sheets, 'Cover' and 'Return' (B2 holding 5), as openpyxl saves it."""
    two_sheets = openpyxl.Workbook()
    two_sheets.active.title = "Cover"
    two_sheets.create_sheet("Return")["B2"] = 5
    buffer = io.BytesIO()
    two_sheets.save(buffer)
    return buffer.getvalue()


def test_a_sheet_the_reader_cannot_read_is_named_in_plain_words():
    """A sheet part cut short: calamine's words for it ("t") are never passed on."""
    cut = with_sheet_xml(cover_and_return(), [sheet_xml('<row r="2"><c r="B2"><v>5</v></c>')[:-30]],
                         "xl/worksheets/sheet2.xml")

    result = read_workbooks([("cut", cut)])["cut"]

    assert result.reason == "corrupt"
    assert result.message.startswith("The sheet 'Return' in this file is damaged (its contents are missing or cut "
                                      "short), so the file could not be read as a workbook.")
    assert "reported" not in result.message


def test_checking_and_reading_one_package_name_formulas_and_errors_by_each_sheets_title():
    """The checks, the formula scan and the error scan share one reading of which part holds which sheet."""
    cover = sheet_xml('<row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row>')
    data = with_sheet_xml(cover_and_return(), [cover], "xl/worksheets/sheet1.xml")
    data = with_sheet_xml(data, [sheet_xml('<row r="2"><c r="B2" t="e"><v>#N/A</v></c></row>', "B2")],
                          "xl/worksheets/sheet2.xml")

    result = check_and_read_workbook(data)

    assert result.formulas == {"Cover": {"A1": True}, "Return": {}}
    assert result.errors == {"Return": {"B2": "#N/A"}}
