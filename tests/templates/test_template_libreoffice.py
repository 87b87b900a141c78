"""Templates opened in a real spreadsheet program (LibreOffice, headless): printed, resaved, filled and recalculated.

LibreOffice trusts the cached results of a file that says it came from Excel
unless told to recalculate on load, so the profile used here sets
OOXMLRecalcMode to "always": the self-check and the derived percentages are
then computed by LibreOffice itself, not read back from what the template
cached.
"""

from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from lscb_workbooks.templates.layout import (REQUIRED_LABEL, RULES_LABEL, STATUS_COMPLETE, STATUS_INCOMPLETE,
                                             STATUS_LABEL)
from spreadsheet_program import convert, requires_libreoffice
from template_readback import form_rows, signed_rows, spec_sheets, validations_by_cell

pytestmark = [requires_libreoffice, pytest.mark.libreoffice]

RECALCULATE_ON_LOAD = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""


@pytest.fixture(scope="session")
def libreoffice_profile(tmp_path_factory) -> Path:
    """A profile of its own for this session, so a user's open LibreOffice or a parallel run never locks it."""
    profile = tmp_path_factory.mktemp("libreoffice-profile")
    (profile / "user").mkdir()
    (profile / "user" / "registrymodifications.xcu").write_text(RECALCULATE_ON_LOAD, encoding="utf-8")
    return profile


@pytest.fixture(scope="session")
def printed(libreoffice_profile, barnet_path, tmp_path_factory) -> Path:
    return convert([barnet_path], "pdf", tmp_path_factory.mktemp("pdf"), libreoffice_profile)[0]


def test_the_template_prints(printed, barnet):
    data = printed.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000
    if shutil.which("pdftotext") is None:
        return
    text = subprocess.run(["pdftotext", "-layout", str(printed), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert barnet.name in text
    assert "Required boxes still empty" in text and "Challenges and gaps" in text
    cover = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(printed), "-"], capture_output=True,
                           text=True, check=True).stdout
    assert "How to fill it in" in cover and "About the protection" in cover, "the Cover prints on one page"


def test_resaved_by_libreoffice_ids_protection_and_validations_survive(libreoffice_profile, barnet_path, spec,
                                                                       tmp_path):
    resaved = convert([barnet_path], "xlsx", tmp_path, libreoffice_profile)[0]
    wb = load_workbook(resaved)
    assert sorted(signed_rows(wb)) == sorted((f.id, f.label, u) for f, u in _units(spec))
    assert wb["Return"].protection.sheet
    validated = validations_by_cell(wb["Return"])
    for row in form_rows(wb["Return"]):
        if not spec.fields[row.field_id].derived:
            for col in (4, 5, 6):
                assert wb["Return"].cell(row.row, col).coordinate in validated, (row.field_id, col)
    assert validations_by_cell(wb["Challenges and gaps"]) and validations_by_cell(wb["Sign-off"])


def _units(spec):
    from lscb_workbooks.spec.models import UNIT_LABELS

    return [(f, UNIT_LABELS[f.unit]) for f in spec.fields.values()]


def _fill(template: Path, out: Path, values: dict[str, object], ratings: dict[str, str]) -> Path:
    wb = load_workbook(template)
    for ws in spec_sheets(wb):
        for row in form_rows(ws):
            if row.field_id in values:
                ws.cell(row.row, row.headers["Value"]).value = values[row.field_id]
            if row.field_id in ratings:
                ws.cell(row.row, row.headers["Data quality"]).value = ratings[row.field_id]
    wb.save(out)
    return out


def _checks(path: Path) -> tuple[dict[str, object], dict[str, object]]:
    """The self-check's values and every field's value, as a program that does not recalculate reads them."""
    wb = load_workbook(path, data_only=True)
    ws = wb["Return"]
    checks = {ws.cell(r, 2).value: ws.cell(r, 4).value for r in range(1, 12)
              if ws.cell(r, 2).value in (REQUIRED_LABEL, RULES_LABEL, STATUS_LABEL)}
    values = {row.field_id: ws.cell(row.row, 4).value for row in form_rows(ws)}
    return checks, values


def test_a_spreadsheet_program_recalculates_the_self_check_and_derived_figures(libreoffice_profile, barnet_path,
                                                                               spec, tmp_path):
    collected = [f for f in spec.form_fields if not f.derived]
    required = [f for f in collected if f.required]
    partly = {"POP_0_17": 50_000, "CP_START": 40, "CP_REPEAT": 6, "CSC_REF": 10, "CSC_REREF_N": 12}
    partly_ratings = {"CP_END": spec.not_available_rating, "CP_START": "Robust"}
    complete = {f.id: _typical(f) for f in collected}
    half = _fill(barnet_path, tmp_path / "partly.xlsx", partly, partly_ratings)
    full = _fill(barnet_path, tmp_path / "complete.xlsx", complete, {})
    converted = convert([half, full], "xlsx", tmp_path / "recalculated", libreoffice_profile)

    checks, values = _checks(converted[0])
    assert checks[REQUIRED_LABEL] == len(required) - len(partly) - 1, "blank but 'Not available' is not missing"
    assert checks[RULES_LABEL] == 1, "12 re-referrals out of 10 referrals breaks one rule"
    assert checks[STATUS_LABEL] == STATUS_INCOMPLETE
    assert values["NI65"] == pytest.approx(15.0)
    assert values["CP_START_RATE"] == pytest.approx(8.0)
    assert values["CSC_REREF"] == pytest.approx(120.0)
    assert values["NI60"] in (None, ""), "a percentage stays blank until both counts are in"

    checks, values = _checks(converted[1])
    assert checks == {REQUIRED_LABEL: 0, RULES_LABEL: 0, STATUS_LABEL: STATUS_COMPLETE}
    assert values["NI65"] == pytest.approx(100.0)


def _typical(field) -> object:
    if field.unit == "yes_no":
        return "Yes"
    if field.unit == "date":
        return datetime.date(2027, 5, 20)
    if field.unit == "text":
        return "A. Person"
    return 3 if field.upper_bound is not None else 10
