from datetime import date

from lscb_workbooks.intake.reader import Sheet
from lscb_workbooks.validation.locate import cell_in, row_cells, value_at

# Rows of different widths, empty cells as "" (as calamine gives them) and as None, and values that are
# falsy but not empty (0, False): a row's cells read once give what looking each one up gives.
SHEET = Sheet("Return", "visible", [
    ["Ref", "Indicator", "Unit", "Value"],
    ["CSC_REF", "Referrals", "Count", 0.0, "", None],
    [],
    ["X", "", False, date(2027, 3, 31), " ", 12],
])


def test_a_rows_cells_read_once_give_what_value_at_gives():
    for row in range(-1, len(SHEET.rows) + 3):
        cells = row_cells(SHEET, row)
        for col in range(-1, 9):
            assert cell_in(cells, col) == value_at(SHEET, row, col), (row, col)


def test_empty_cells_and_cells_beyond_the_row_are_none():
    cells = row_cells(SHEET, 2)
    assert [cell_in(cells, col) for col in range(4, 8)] == [0.0, None, None, None]
    assert row_cells(SHEET, 0) == [] and row_cells(SHEET, 5) == []
