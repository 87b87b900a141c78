"""A figure is read from the cell the template put it in, or the return is rejected: never a guess.

Sheet protection guides, it does not secure (its password hash is in the open), so these returns
have had it ignored and their layout changed the ways a coordinator could: a second "Value"
column, a heading moved, a reference moved to another row, a table column inserted.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from lscb_workbooks.collate import collate
from spreadsheet_program import convert, requires_libreoffice
from test_collate import by_file, rows


def _row_of(sheet, field_id: str) -> int:
    return next(r[0].row for r in sheet.iter_rows() if r[0].value == field_id)


def _header_row(sheet) -> int:
    return next(r[0].row for r in sheet.iter_rows() if r[0].value == "Ref")


def _second_value_column(path: Path, sheet_name: str, old: dict[str, object], clear_original: bool = False) -> None:
    """A column inserted left of Value, headed "Value", holding other figures (last year's, say)."""
    workbook = load_workbook(path)
    sheet = workbook[sheet_name]
    sheet.insert_cols(4)
    sheet.cell(_header_row(sheet), 4).value = "Value"
    if clear_original:
        sheet.cell(_header_row(sheet), 5).value = None
    for field_id, value in old.items():
        sheet.cell(_row_of(sheet, field_id), 4).value = value
    workbook.save(path)


def _collate(tmp_path: Path, key: bytes) -> dict[str, dict[str, str]]:
    collate(tmp_path / "inbox", tmp_path / "out", key=key)
    return by_file(tmp_path / "out")


def test_a_second_value_column_is_never_read(make_return, key, tmp_path):
    path, entries = make_return("302", name="two value columns.xlsx")
    _second_value_column(path, "Return", {"CSC_REF": 1, "CIN_END": 2})
    cleared, _ = make_return("303", name="heading moved.xlsx")
    _second_value_column(cleared, "Return", {"CSC_REF": 1, "CIN_END": 2}, clear_original=True)
    files = _collate(tmp_path, key)
    for name in ("two value columns.xlsx", "heading moved.xlsx"):
        assert files[name]["status"] == "rejected", files[name]["message"]
        assert "column headings in row" in files[name]["message"]
        assert "fresh copy of the template" in files[name]["message"]
    assert rows(tmp_path / "out" / "values.csv") == []


@requires_libreoffice
def test_a_second_value_column_saved_by_libreoffice_is_rejected(make_return, key, tmp_path):
    path, _ = make_return("302", name="tampered.xlsx", folder=tmp_path / "edited")
    _second_value_column(path, "Return", {"CSC_REF": 1})
    convert(path, "xlsx:Calc MS Excel 2007 XML", tmp_path / "inbox")
    files = _collate(tmp_path, key)
    assert files["tampered.xlsx"]["status"] == "rejected"
    assert "column headings" in files["tampered.xlsx"]["message"]


def test_a_second_value_column_on_sign_off_is_never_read(make_return, key, tmp_path):
    path, _ = make_return("302", name="sign-off.xlsx")
    _second_value_column(path, "Sign-off", {"SIGNOFF_NAME": "The previous director"})
    files = _collate(tmp_path, key)
    assert files["sign-off.xlsx"]["status"] == "rejected"
    assert "sheet 'Sign-off'" in files["sign-off.xlsx"]["message"]
    assert "The previous director" not in {v["value"] for v in rows(tmp_path / "out" / "values.csv")}


def test_a_reference_moved_to_another_row_is_rejected(make_return, key, tmp_path):
    path, _ = make_return("302", name="moved reference.xlsx")
    workbook = load_workbook(path)
    sheet = workbook["Return"]
    row = _row_of(sheet, "CSC_REF")
    sheet.insert_rows(row + 1)
    for col in range(1, 8):
        sheet.cell(row + 1, col).value = sheet.cell(row, col).value
    sheet.cell(row + 1, 4).value = 1
    sheet.cell(row, 1).value = None
    workbook.save(path)
    files = _collate(tmp_path, key)
    assert files["moved reference.xlsx"]["status"] == "rejected"
    assert f"row {row} has an entry (D{row}" in files["moved reference.xlsx"]["message"]


def test_a_table_column_inserted_or_repeated_is_rejected(make_return, key, tmp_path):
    inserted, _ = make_return("302", name="inserted column.xlsx")
    workbook = load_workbook(inserted)
    workbook["Challenges and gaps"].insert_cols(2)
    workbook.save(inserted)
    repeated, _ = make_return("303", name="repeated column.xlsx")
    workbook = load_workbook(repeated)
    sheet = workbook["Challenges and gaps"]
    ref_row = _header_row(sheet)
    first_id = sheet.cell(ref_row, 2).value
    sheet.insert_cols(2)
    for offset in range(3):
        sheet.cell(ref_row + offset, 2).value = sheet.cell(ref_row + offset, 3).value
    workbook.save(repeated)
    files = _collate(tmp_path, key)
    assert files["inserted column.xlsx"]["status"] == "rejected"
    assert "columns are not where the template put them" in files["inserted column.xlsx"]["message"]
    assert files["repeated column.xlsx"]["status"] == "rejected"
    assert f"({first_id}) appears twice" in files["repeated column.xlsx"]["message"]


def test_an_inserted_empty_row_still_reads(make_return, key, tmp_path):
    path, entries = make_return("302", name="extra row.xlsx")
    workbook = load_workbook(path)
    sheet = workbook["Return"]
    sheet.insert_rows(_row_of(sheet, "CSC_REF") + 1)
    workbook.save(path)
    files = _collate(tmp_path, key)
    assert files["extra row.xlsx"]["status"] in ("accepted", "accepted_with_warnings"), files["extra row.xlsx"]
    values = {v["field_id"]: v["value"] for v in rows(tmp_path / "out" / "values.csv")}
    assert float(values["CSC_REF"]) == entries.values["CSC_REF"]
