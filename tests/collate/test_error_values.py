"""An error pasted as a value into a box ("#DIV/0!" with no formula behind it) is named, never taken for a blank.

Paste-values over a formula that shows an error leaves the error itself in the cell: the coordinator
sees "#DIV/0!" there, so a message saying the box is empty would send them looking for the wrong thing.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from openpyxl import load_workbook

from intake_files import with_sheet_xml
from lscb_workbooks.collate import collate
from test_collate import by_file, rows


def _member_of(path: Path, title: str) -> str:
    """The XML part of the sheet with this title, as openpyxl saves it (sheets numbered in order)."""
    return f"xl/worksheets/sheet{load_workbook(path, read_only=True).sheetnames.index(title) + 1}.xml"


def _paste_error(path: Path, title: str, cell: str, error: str) -> None:
    """Put `error` in `cell` as a plain value, the way Excel saves it after paste-values."""
    member = _member_of(path, title)
    data = path.read_bytes()
    xml = zipfile.ZipFile(io.BytesIO(data)).read(member).decode()
    pasted = f'<c r="{cell}" t="e"><v>{error}</v></c>'
    xml, count = re.subn(rf'<c r="{cell}"[^>]*?(/>|>.*?</c>)', pasted, xml, count=1)
    if not count:  # the cell was never written: add it to the end of its row
        row = re.search(r"\d+", cell).group()
        xml, count = re.subn(rf'(<row r="{row}"[^>]*>.*?)(</row>)', rf"\g<1>{pasted}\g<2>", xml, count=1)
    assert count == 1, f"{cell} not found on {title}"
    path.write_bytes(with_sheet_xml(data, [xml.encode()], member))


def _row_of(path: Path, title: str, field_id: str) -> int:
    sheet = load_workbook(path)[title]
    return next(r[0].row for r in sheet.iter_rows() if r[0].value == field_id)


def test_an_error_pasted_into_a_form_box_is_named(make_return, key, tmp_path):
    path, _ = make_return("302", name="pasted error.xlsx")
    row = _row_of(path, "Return", "CSC_REF")
    _paste_error(path, "Return", f"D{row}", "#DIV/0!")

    collate(tmp_path / "inbox", tmp_path / "out", key=key)

    issues = [i for i in rows(tmp_path / "out" / "issues.csv") if i["field_id"] == "CSC_REF"]
    assert [(i["rule"], i["cell"], i["severity"]) for i in issues] == [("error_value", f"D{row}", "error")]
    assert issues[0]["message"] == (
        f"Row {row}, 'Referrals to children's social care' (D{row}, sheet 'Return'): shows the error #DIV/0!, "
        "so there is no figure to read. Type the figure itself.")
    assert by_file(tmp_path / "out")["pasted error.xlsx"]["status"] == "rejected"
    assert not any("is empty" in i["message"] for i in rows(tmp_path / "out" / "issues.csv"))


def test_an_error_pasted_into_a_table_cell_is_named(make_return, key, tmp_path):
    path, _ = make_return("302", name="pasted error in table.xlsx")
    # Row 1 of the challenges is in use; row 2 holds nothing but the pasted error, and is read all the same.
    sheet = load_workbook(path)["Challenges and gaps"]
    first = next(r[0].row for r in sheet.iter_rows() if r[0].value == 1)
    _paste_error(path, "Challenges and gaps", f"E{first}", "#N/A")
    _paste_error(path, "Challenges and gaps", f"E{first + 1}", "#REF!")

    collate(tmp_path / "inbox", tmp_path / "out", key=key)

    errors = {i["cell"]: i for i in rows(tmp_path / "out" / "issues.csv") if i["rule"] == "error_value"}
    assert set(errors) == {f"E{first}", f"E{first + 1}"}
    assert errors[f"E{first}"]["message"].endswith(
        f"(E{first}, sheet 'Challenges and gaps'): shows the error #N/A, so there is no answer to read. "
        "Type the answer itself.")
    assert "shows the error #REF!" in errors[f"E{first + 1}"]["message"]
    said_empty = [i["cell"] for i in rows(tmp_path / "out" / "issues.csv") if i["rule"] == "required"]
    assert f"E{first}" not in said_empty and f"E{first + 1}" not in said_empty
    assert by_file(tmp_path / "out")["pasted error in table.xlsx"]["status"] == "rejected"
