"""Templates prefilled with published figures: marked as such, and at collation confirmed or changed."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from lscb_workbooks.cli import main
from lscb_workbooks.collate import collate
from lscb_workbooks.config import signing_key
from lscb_workbooks.demo.coordinator import fill_template, input_cells
from lscb_workbooks.demo.synthetic import synthetic_entries
from lscb_workbooks.opendata.published import load_published
from lscb_workbooks.spec.periods import parse_period
from lscb_workbooks.templates.render import write_templates

PUBLISHED = Path(__file__).parents[1] / "data" / "published"
C1 = PUBLISHED / "c1_children_in_need_referrals_and_rereferrals_2025_london_extract.csv"
PERIOD = parse_period("2024-25")  # the Department's reporting year 2025
CAMDEN = {"CSC_REF": 2086, "CSC_REREF_N": 381}  # as published in table C1


@pytest.fixture
def prefilled(spec, register, tmp_path):
    key = signing_key(tmp_path / "signing.key")
    chosen = [register.by_code("202"), register.by_code("302")]
    paths = write_templates(spec, chosen, PERIOD, tmp_path / "templates", key, prefill=load_published([C1], spec))
    return dict(zip(("202", "302"), paths)), key


def test_published_figures_are_in_the_boxes_and_marked(prefilled):
    paths, _ = prefilled
    wb = load_workbook(paths["202"])
    cells = input_cells(paths["202"])
    for field_id, figure in CAMDEN.items():
        place = cells[field_id]
        ws = wb[place.sheet]
        assert ws[place.value].value == figure
        row = [c.value for c in ws[ws[place.value].row]]
        note = next(v for v in row if isinstance(v, str) and v.startswith("Prefilled from"))
        assert "table C1" in note and "2024-25" in note
        assert note.endswith("check it and overwrite if your figure differs.") or \
            "check it and overwrite if your figure differs." in note
        assert ws[place.value].protection.locked is False, "a prefilled box is still the coordinator's to change"
    not_published = cells["CSC_S47"]
    assert wb[not_published.sheet][not_published.value].value is None


def test_collation_records_which_prefilled_figures_were_confirmed_and_which_changed(prefilled, spec, register,
                                                                                    tmp_path):
    paths, key = prefilled
    inbox = tmp_path / "inbox"
    for la_code, path in paths.items():
        entries = synthetic_entries(spec, register.by_code(la_code), PERIOD)
        for field_id in CAMDEN:
            entries.values.pop(field_id, None)  # left as prefilled
            entries.ratings.pop(field_id, None)
        if la_code == "302":
            entries.values["CSC_REREF_N"] = 400  # Barnet's own figure differs from the published 407
        fill_template(path, entries, inbox / path.name)
    collate(inbox, tmp_path / "out", key=key)
    with (tmp_path / "out" / "values.csv").open(newline="", encoding="utf-8") as handle:
        values = {(r["la_code"], r["field_id"]): r for r in csv.DictReader(handle)}
    assert values[("202", "CSC_REF")]["prefilled"] == "unchanged"
    assert values[("202", "CSC_REF")]["value"] == "2086"
    assert values[("202", "CSC_REF")]["rating"] == "Published figure, left unchanged"
    assert values[("302", "CSC_REF")]["prefilled"] == "unchanged"
    assert values[("302", "CSC_REREF_N")]["prefilled"] == "changed"
    assert values[("302", "CSC_REREF_N")]["value"] == "400", "a changed figure is kept as typed"
    assert values[("302", "CSC_S47")]["prefilled"] == ""


def test_cli_says_what_was_prefilled_and_when_nothing_matches(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["templates", "--period", "2024-25", "--la", "202", "--out", str(tmp_path / "a"),
                                  "--key-file", str(tmp_path / "k"), "--prefill", str(C1)])
    assert result.exit_code == 0, result.output
    assert "Prefilled 2 figure(s) in 1 template(s)" in result.output
    result = runner.invoke(main, ["templates", "--period", "2026-27", "--la", "202", "--out", str(tmp_path / "b"),
                                  "--key-file", str(tmp_path / "k"), "--prefill", str(C1)])
    assert result.exit_code == 0, result.output
    assert "Nothing was prefilled" in result.output and "2024-25" in result.output


def test_a_return_whose_prefill_record_was_altered_is_refused(prefilled, spec, register, tmp_path):
    paths, key = prefilled
    wb = load_workbook(paths["202"])
    identity = wb["_identity"]
    row = next(r for r in identity.iter_rows() if r[0].value == "prefilled")
    row[1].value = row[1].value.replace("2086", "9999")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    wb.save(inbox / "camden.xlsx")
    collate(inbox, tmp_path / "out", key=key)
    with (tmp_path / "out" / "submissions.csv").open(newline="", encoding="utf-8") as handle:
        (submission,) = list(csv.DictReader(handle))
    assert submission["status"] == "rejected" and "altered" in submission["message"]
