"""Workbooks in the older and the open formats, made by a real spreadsheet program (LibreOffice)."""

from __future__ import annotations

import os
from datetime import date

import pytest
from intake_files import write, xlsx_bytes
from spreadsheet_program import convert, soffice_path

# Values every converted copy holds, so that tests can read them back.
CELLS = {"A1": "Camden", "B3": 42, "C4": date(2026, 3, 31)}


@pytest.fixture(scope="session")
def converted(tmp_path_factory) -> dict[str, bytes]:
    """{extension: bytes} of one return saved by LibreOffice as .xls and as .ods."""
    if soffice_path() is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is needed to make .xls and .ods returns")
        pytest.skip("LibreOffice is not installed (.ci/run installs it)")
    folder = tmp_path_factory.mktemp("converted")
    source = write(folder / "return.xlsx", xlsx_bytes(CELLS))
    return {extension: convert(source, extension, folder)[0].read_bytes() for extension in ("xls", "ods")}
