"""A return whose sheet is damaged or missing is named by that sheet, in words a coordinator can act on.

The reading library's own words for it ("t" for a sheet cut short, the bare title for one that is
missing) never reach the message sent back.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from openpyxl import load_workbook

from lscb_workbooks.collate import collate
from test_collate import by_file

RETURN_SHEET_MESSAGE = (
    "The sheet 'Return' in this file is damaged (its contents are missing or cut short), so the file could not "
    "be read as a workbook. Open it in Excel: if it opens, save it again as Excel Workbook (.xlsx) and send "
    "that; if it does not, send the return again from the original.")


def _rezipped(path: Path, member: str, keep_bytes: int | None) -> None:
    """The return with one part cut to its first `keep_bytes` bytes, or left out (None); the rest unchanged."""
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename != member:
                target.writestr(info, data)
            elif keep_bytes is not None:
                target.writestr(info, data[:keep_bytes])
    path.write_bytes(buffer.getvalue())


def _return_sheet_member(path: Path) -> str:
    return f"xl/worksheets/sheet{load_workbook(path, read_only=True).sheetnames.index('Return') + 1}.xml"


def test_a_sheet_cut_short_or_missing_is_named_and_the_reader_is_not_quoted(make_return, key, tmp_path):
    cut, _ = make_return("302", name="cut short.xlsx")
    member = _return_sheet_member(cut)
    assert len(zipfile.ZipFile(cut).read(member)) > 30_000
    _rezipped(cut, member, 30_000)
    missing, _ = make_return("303", name="sheet missing.xlsx")
    _rezipped(missing, _return_sheet_member(missing), None)
    make_return("304", name="whole.xlsx")

    collate(tmp_path / "inbox", tmp_path / "out", key=key)

    files = by_file(tmp_path / "out")
    for name in ("cut short.xlsx", "sheet missing.xlsx"):
        assert files[name]["status"] == "unreadable"
        assert files[name]["message"] == RETURN_SHEET_MESSAGE
        assert "reported" not in files[name]["message"]
    assert files["whole.xlsx"]["status"] in ("accepted", "accepted_with_warnings")
