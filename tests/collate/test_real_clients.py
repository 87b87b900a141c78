"""Returns saved by the spreadsheet programs boroughs really use come back exactly as typed.

A template is filled in, then saved by LibreOffice and by Gnumeric in each format they write
(.xlsx, .xls, .ods, LibreOffice's .xlsm and Gnumeric's Excel 5.0/95 .xls): every figure, rating, comment, date and table row must come back unchanged,
and a formula typed into an input box must be judged the same way whatever the format.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from lscb_workbooks.collate import collate
from lscb_workbooks.demo.coordinator import fill_template
from lscb_workbooks.demo.synthetic import synthetic_entries
from lscb_workbooks.spec.periods import parse_period
from spreadsheet_program import requires_gnumeric, requires_libreoffice, saved_by
from test_collate import by_file, rows

CLIENTS = [
    pytest.param("libreoffice", "xlsx", marks=requires_libreoffice),
    pytest.param("libreoffice", "xlsm", marks=requires_libreoffice),
    pytest.param("libreoffice", "ods", marks=requires_libreoffice),
    pytest.param("libreoffice", "xls", marks=requires_libreoffice),
    pytest.param("gnumeric", "xlsx", marks=requires_gnumeric),
    pytest.param("gnumeric", "xls", marks=requires_gnumeric),
    pytest.param("gnumeric", "xls95", marks=requires_gnumeric),  # Excel 5.0/95, from an old copy of Excel
    pytest.param("gnumeric", "ods", marks=requires_gnumeric),
]


@pytest.fixture(scope="module")
def filled(templates, spec, register, tmp_path_factory):
    entries = synthetic_entries(spec, register.by_code("302"), parse_period("2026-27"))
    path = fill_template(templates["302"], entries, tmp_path_factory.mktemp("filled") / "camden.xlsx")
    return path, entries


@pytest.fixture(scope="module")
def with_formulas(filled, tmp_path_factory):
    """The filled return with formulas typed into four input boxes, as a coordinator might."""
    path, _ = filled
    workbook = load_workbook(path)
    sheet = workbook["Return"]
    row = {r[0].value: r[0].row for r in sheet.iter_rows() if r[0].value}
    typed = {"CSC_REF": '="12"', "CP_START": "=5+7", "CIN_END": "=1/0", "CP_END": "=NA()"}
    for field_id, formula in typed.items():
        sheet.cell(row[field_id], 4).value = formula
    target = tmp_path_factory.mktemp("formulas") / "camden formulas.xlsx"
    workbook.save(target)
    return target, {field_id: f"D{row[field_id]}" for field_id in typed}


def _typed_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@pytest.mark.parametrize("program, extension", CLIENTS)
def test_a_return_saved_by_a_real_program_comes_back_exactly(program, extension, filled, key, tmp_path):
    path, entries = filled
    saved = saved_by(program, path, extension, tmp_path / "inbox")
    collate(tmp_path / "inbox", tmp_path / "out", key=key)
    submission = by_file(tmp_path / "out")[saved.name]
    assert submission["status"] in ("accepted", "accepted_with_warnings"), submission["message"]
    values = rows(tmp_path / "out" / "values.csv")
    form = {v["field_id"]: v for v in values if not v["row_number"]}
    for field_id, typed in entries.values.items():
        assert form[field_id]["value"] == _typed_text(typed), field_id
    for field_id, rating in entries.ratings.items():
        assert form[field_id]["rating"] == rating, field_id
    for field_id, comment in entries.comments.items():
        assert form[field_id]["comment"] == comment, field_id
    table = sorted((v["row_number"], v["field_id"], v["value"]) for v in values if v["row_number"] and v["value"])
    expected = sorted((str(n), field_id, _typed_text(value)) for n, row in enumerate(entries.table_rows, start=1)
                      for field_id, value in row.items() if _typed_text(value))
    assert table and table == expected
    assert table == expected


@pytest.mark.parametrize("program, extension", CLIENTS)
def test_a_formula_in_an_input_box_is_judged_alike_in_every_format(program, extension, with_formulas, key,
                                                                    tmp_path):
    path, cells = with_formulas
    saved = saved_by(program, path, extension, tmp_path / "inbox")
    collate(tmp_path / "inbox", tmp_path / "out", key=key)
    issues = {i["field_id"]: i for i in rows(tmp_path / "out" / "issues.csv")}
    for field_id in ("CSC_REF", "CP_START"):
        assert issues[field_id]["rule"] == "formula_in_input", issues.get(field_id)
        assert "its result 12 was used" in issues[field_id]["message"]
        assert issues[field_id]["cell"] == cells[field_id]
    assert issues["CIN_END"]["rule"] == "formula_error" and "#DIV/0!" in issues["CIN_END"]["message"]
    assert issues["CP_END"]["rule"] == "formula_error" and "#N/A" in issues["CP_END"]["message"]
    assert by_file(tmp_path / "out")[saved.name]["status"] == "rejected"
