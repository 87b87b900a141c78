"""The shared workbook builder: tables described as column records, read back as a spreadsheet program sees them."""

from __future__ import annotations

from types import SimpleNamespace

import openpyxl

from lscb_workbooks.outputs import xlsx
from lscb_workbooks.outputs.builder import Column, SheetPlan, WorkbookBuilder

LONG = "A challenge described at length by a coordinator, " * 6


def build(path, records):
    def draw(workbook):
        book = WorkbookBuilder(workbook, header="Header · 2026-27", stamp="Period 2026-27.")
        ws = workbook.add_worksheet("Sheet")
        first = book.heading(ws, "A title", "A note under it.")
        count = book.f.get(num_format="0")
        columns = [
            Column("Code", 7, "la_code"),
            Column("Authority", 20, lambda r: r.name.upper()),
            Column("Errors", 8, "errors", style=count),
            Column("What happened", 30, "message", wrap=True),
            Column("Link", 10, write=lambda w, row, col, r: w.write_url(row, col, "internal:'Sheet'!A1",
                                                                        string=f"Go {r.la_code}")),
        ]
        after = book.table(ws, first, columns, records, "Tracker", empty_note="None received yet")
        ws.write_string(after, 0, "after")
        book.table(ws, after + 2, columns[:1], records, "Tracker")  # a second table of the same name
        book.print_layout(ws, (first, first))
    return xlsx.save_atomically(draw, path)


def test_a_table_is_written_from_its_column_records(tmp_path):
    records = [SimpleNamespace(la_code="201", name="City of London", errors=2, message=LONG),
               SimpleNamespace(la_code="202", name="Camden", errors=None, message="Fine.")]
    book = openpyxl.load_workbook(build(tmp_path / "t.xlsx", records))
    ws = book["Sheet"]
    assert ws["A1"].value == "A title" and ws["A2"].value == "Period 2026-27." and ws["A3"].value == "A note under it."
    table = ws.tables["Tracker"]
    assert table.ref == "A5:E7"
    assert [c.name for c in table.tableColumns] == ["Code", "Authority", "Errors", "What happened", "Link"]
    assert [[c.value for c in row] for row in ws["A6:D7"]] == [
        ["201", "CITY OF LONDON", 2, LONG], ["202", "CAMDEN", None, "Fine."]]
    assert ws["E6"].value == "Go 201"
    assert ws.column_dimensions["D"].width > 29 and ws.column_dimensions["A"].width < 8
    assert ws["C6"].number_format == "0"
    assert ws.row_dimensions[6].height == 15 * xlsx.wrapped_lines(LONG, 30) + 3 > 30, "the long message shows"
    assert ws.row_dimensions[7].height is None, "a row that fits on one line keeps the program's height"
    assert ws["A8"].value == "after"
    assert sorted(ws.tables) == ["Tracker", "Tracker_2"], "table names stay unique in the workbook"
    assert ws.print_title_rows == "$5:$5"


def test_an_empty_table_says_why(tmp_path):
    ws = openpyxl.load_workbook(build(tmp_path / "t.xlsx", []))["Sheet"]
    assert ws.tables["Tracker"].ref == "A5:E6", "Excel needs one data row"
    assert ws["A6"].value == "None received yet"


def test_a_sheet_plan_gives_legal_unique_names():
    plan = SheetPlan()
    names = [plan.add("Trends: London/hubs?", "one"), plan.add("Trends- London-hubs-", "two"),
             plan.add("x" * 40, "three")]
    assert names == ["Trends- London-hubs-", "Trends- London-hubs- (2)", "x" * 31]
    assert [about for _, about, _ in plan.entries] == ["one", "two", "three"]
