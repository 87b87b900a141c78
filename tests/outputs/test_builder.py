"""The shared workbook builder: tables described as column records, read back as a spreadsheet program sees them."""

from __future__ import annotations

import gc
import io
import math
import weakref
import zipfile
from datetime import date, datetime
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.utils.datetime import from_excel
from xlsxwriter.worksheet import Worksheet

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


def test_each_kind_of_value_is_written_as_a_spreadsheet_reads_it(tmp_path):
    values = [1.5, 3, np.float64(2.25), np.int64(7), True, "=SUM(A1:A2)", "words", "", None, math.nan, pd.NA,
              math.inf, -math.inf, date(2026, 3, 31)]

    def draw(workbook):
        ws = workbook.add_worksheet("Kinds")
        for row, value in enumerate(values):
            xlsx.write_value(ws, row, 0, value, workbook.add_format({"bold": True}))

    ws = openpyxl.load_workbook(xlsx.save_atomically(draw, tmp_path / "kinds.xlsx"))["Kinds"]
    read = [ws.cell(row=row + 1, column=1).value for row in range(len(values))]
    assert read[:7] == [1.5, 3, 2.25, 7, "Yes", "=SUM(A1:A2)", "words"]
    assert ws.cell(row=6, column=1).data_type == "s"  # text as typed, never a formula
    assert read[7:13] == [None] * 6  # blank text, nothing, not-a-number and infinities are left blank
    assert from_excel(read[13]).date() == date(2026, 3, 31)  # a date is a date's serial number
    assert all(ws.cell(row=row + 1, column=1).font.b for row in range(len(values)))  # blanks keep their format


def test_the_quicker_worksheet_saves_every_cell_exactly_as_xlsxwriter_does(tmp_path):
    def draw(workbook):
        ws = workbook.add_worksheet("Cells")
        bold, money = workbook.add_format({"bold": True}), workbook.add_format({"num_format": "0.00"})
        ws.set_row(3, 20, bold)  # a row format, used by the cells of that row that have none
        ws.set_column(5, 5, 12, money)  # a column format, likewise
        for row, cell_format in enumerate([None, bold, money, None, bold]):
            ws.write_number(row, 0, 1 / 3 + row, cell_format)
            ws.write_number(row, 1, 1e20 * row, cell_format)
            ws.write_string(row, 2, f"text & <more> \"{row}\"", cell_format)
            ws.write_blank(row, 3, None, cell_format)
            ws.write_boolean(row, 4, row % 2 == 0, cell_format)
            ws.write_number(row, 5, row, cell_format)
            ws.write_formula(row, 6, f"=A{row + 1}*2", cell_format, 4)
            ws.write_datetime(row, 7, datetime(2026, 3, row + 1), money)
            ws.write_url(row, 8, "internal:'Cells'!A1", cell_format, string="Back")
            ws.write_rich_string(row, 9, "plain ", bold, "bold", *([cell_format] if cell_format else []))
            xlsx.write_value(ws, row, 10, 2.5 * row, money)  # kept directly, as a table's cells are
            xlsx.write_value(ws, row, 11, f"kept & <{row}>", cell_format)
            xlsx.write_value(ws, row, 12, None, cell_format)  # a blank: saved only when it has a format
        for row in (7, 15, 16, 40):  # rows with a height and no cells, within the cells' rows and beyond them
            ws.set_row(row, 30, None, {"hidden": row == 15})
        for row in range(17, 60, 3):  # rows far apart, their cells written right to left, over several blocks
            for col in (30, 12, 2 + row % 5):
                xlsx.write_value(ws, row, col, float(row * col) if col % 2 else f"r{row}c{col}", bold)
        ws.merge_range(20, 0, 21, 1, "merged", bold)
        noted = workbook.add_worksheet("Noted")  # a sheet with a comment is saved as xlsxwriter saves it
        xlsx.write_value(noted, 0, 0, 1.5, money)
        noted.write_comment(2, 3, "A comment")
        workbook.add_worksheet("Empty")

    quick = xlsx.save_atomically(draw, tmp_path / "quick.xlsx")
    plain_workbook = xlsx.new_workbook(tmp_path / "plain.xlsx")
    plain_workbook.worksheet_class = Worksheet
    draw(plain_workbook)
    plain_workbook.close()
    with zipfile.ZipFile(quick) as a, zipfile.ZipFile(tmp_path / "plain.xlsx") as b:
        assert type(xlsx.new_workbook(io.BytesIO()).add_worksheet()) is not Worksheet  # the quicker one is in use
        for sheet in (1, 2, 3):
            assert a.read(f"xl/worksheets/sheet{sheet}.xml") == b.read(f"xl/worksheets/sheet{sheet}.xml")
        assert a.read("xl/sharedStrings.xml") == b.read("xl/sharedStrings.xml")


def test_a_saved_workbooks_cells_are_freed_without_waiting_for_the_cycle_collector(tmp_path):
    """The collector's full passes are rare during a collation, so a workbook's cells must not wait for one."""
    kept = {}

    class Builder:  # holds a drawing function that holds it: a cycle, as the master's builder is
        def __init__(self, workbook):
            self.draw = lambda: self.sheet.write_number(0, 0, 7)
            self.sheet = workbook.add_worksheet("Cells")
            self.draw()
            self.sheet.write_string(1, 0, "seven")
            self.sheet.merge_range(2, 0, 2, 2, "merged")
            self.sheet.add_table(4, 0, 6, 1, {"name": "Figures"})
            kept["builder"], kept["workbook"] = weakref.ref(self), weakref.ref(workbook)

    gc.collect()
    gc.disable()
    try:
        path = xlsx.save_atomically(Builder, tmp_path / "cells.xlsx")
        sheet = kept["builder"]().sheet  # alive still, in its cycle: only its cells are let go
        assert (sheet.table, sheet.table_cells, sheet.merged_cells) == ({}, {}, {})
        assert kept["workbook"]() is None  # its sheets no longer refer back to it
    finally:
        gc.enable()
    ws = openpyxl.load_workbook(path)["Cells"]
    assert (ws["A1"].value, ws["A2"].value, ws["A3"].value) == (7, "seven", "merged")


def test_a_saved_workbook_is_compressed_quickly_and_reads_back(tmp_path):
    """Each part deflated at the tool's level (the bytes zlib itself makes at it), and nothing else changed."""
    import zlib

    import xlsxwriter.workbook

    made = xlsxwriter.workbook.ZipInfo

    def build(workbook):
        sheet = workbook.add_worksheet("Figures")
        for row in range(200):
            xlsx.write_value(sheet, row, 0, f"Borough {row}")
            xlsx.write_value(sheet, row, 1, float(row))

    path = xlsx.save_atomically(build, tmp_path / "quick.xlsx")
    assert xlsxwriter.workbook.ZipInfo is made, "xlsxwriter is as it was once the workbook is saved"
    with zipfile.ZipFile(path) as package:
        for info in package.infolist():
            data = package.read(info)
            deflate = zlib.compressobj(xlsx.COMPRESS_LEVEL, zlib.DEFLATED, -15)
            assert info.compress_type == zipfile.ZIP_DEFLATED
            assert info.compress_size == len(deflate.compress(data) + deflate.flush()), info.filename
    sheet = openpyxl.load_workbook(path)["Figures"]
    assert sheet["A200"].value == "Borough 199" and sheet["B200"].value == 199
