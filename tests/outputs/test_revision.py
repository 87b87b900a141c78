"""`lscb spec revise`: the revised dataset spec passes its check and makes templates; the sign-off workbook
holds every change with the votes behind it, the model's cells before and after, and a sign-off box."""

from __future__ import annotations

import re

import openpyxl
import pytest
from click.testing import CliRunner

from lscb_workbooks.cli import main
from lscb_workbooks.config import signing_key
from lscb_workbooks.demo.project import run_survey_round
from lscb_workbooks.spec.load import check_spec_text, load_spec
from lscb_workbooks.spec.periods import parse_period
from lscb_workbooks.store.db import Store
from lscb_workbooks.templates.render import write_templates


@pytest.fixture(scope="module")
def consultation_store(register, tmp_path_factory):
    folder = tmp_path_factory.mktemp("consultation")
    report = run_survey_round(load_spec("consultation"), list(register)[::2], parse_period("2026-27"), folder,
                              signing_key(folder / "signing.key"), register)
    return report.store_path


@pytest.fixture(scope="module")
def revised(consultation_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("revised")
    result = CliRunner().invoke(main, ["spec", "revise", "--from-consultation", str(consultation_store),
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.fixture(scope="module")
def votes(consultation_store):
    store = Store(consultation_store)
    try:
        values = store.values_in_use("consultation")
    finally:
        store.close()
    decisions = values[values.field_id.str.endswith(".decision")]
    return {row_id: group.value.tolist() for row_id, group in decisions.groupby(decisions.field_id.str.split(".").str[0])}


def sheet_rows(path, sheet: str) -> list[dict]:
    ws = openpyxl.load_workbook(path)[sheet]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:] if any(v is not None for v in r)]


def test_the_revised_spec_is_a_new_version_that_passes_its_check_and_makes_templates(revised, register, tmp_path):
    out, output = revised
    text = (out / "dataset.yaml").read_text(encoding="utf-8")
    spec, problems = check_spec_text(text, str(out / "dataset.yaml"))
    assert problems == []
    assert spec.version == "2026.2" and spec.template_version == "2026.2"
    assert f"Revised spec (passes 'lscb spec check'): {out / 'dataset.yaml'}" in output
    made = write_templates(spec, [register.by_code("302")], parse_period("2027-28"), tmp_path, b"k" * 32)
    assert made[0].is_file()
    check = CliRunner().invoke(main, ["spec", "check", str(out / "dataset.yaml")])
    assert check.exit_code == 0, check.output


def test_indicators_with_consensus_to_drop_are_removed_and_the_rest_kept(revised, votes):
    out, _ = revised
    old = load_spec("dataset")
    new = load_spec(str(out / "dataset.yaml"))
    changes = {r["Ref"]: r for r in sheet_rows(out / "sign-off.xlsx", "Changes")}
    removed = {f.id for f in old.form_fields} - set(new.fields)
    assert removed, "the synthetic consultation votes some indicators down"
    for field_id in removed:
        assert changes[field_id]["Change"] == "Removed"
        cast = votes.get(field_id, [])
        voted_down = bool(cast) and cast.count("Drop") * 2 >= len(cast)  # the consultation's drop share is a half
        assert voted_down or "only to work out" in changes[field_id]["Why"]
    for f in new.indicators:
        cast = votes.get(f.id, [])
        if cast and cast.count("Drop") * 2 >= len(cast):
            assert changes[f.id]["Change"] == "Kept: needed by another"


def test_marked_indicators_carry_a_comment_and_votes_match_the_store(revised, votes):
    out, _ = revised
    lines = (out / "dataset.yaml").read_text(encoding="utf-8").split("\n")
    changes = sheet_rows(out / "sign-off.xlsx", "Changes")
    marked = [c for c in changes if c["Change"] == "Marked for change"]
    assert marked
    for change in marked:
        at = lines.index(f"  - id: {change['Ref']}")
        assert lines[at - 1].startswith("  # REVISED 2026.2: marked for change")
        assert change["Votes"] == len(votes[change["Ref"]])
        assert f"{votes[change['Ref']].count('Drop')} drop of {change['Votes']} votes" in change["Why"]


def test_named_gaps_are_commented_proposals_and_model_cells_are_accounted_for(revised):
    out, _ = revised
    text = (out / "dataset.yaml").read_text(encoding="utf-8")
    proposals = sheet_rows(out / "sign-off.xlsx", "Proposals")
    assert proposals and all(p["Boards"] >= 3 for p in proposals)
    for p in proposals:
        assert f"  # - id: {p['Proposed ref']}" in text
    old = load_spec("dataset").conceptual_model
    cells = sheet_rows(out / "sign-off.xlsx", "Model cells")
    assert len(cells) == old.cells
    assert {c["What happened"] for c in cells} <= {"covered", "still a gap", "emptied by this revision",
                                                   "gap a proposal would fill"}


def test_the_sign_off_sheet_has_the_counts_and_an_open_box_to_sign(revised):
    out, _ = revised
    ws = openpyxl.load_workbook(out / "sign-off.xlsx")["Sign-off"]
    labels = {ws.cell(r, 1).value: ws.cell(r, 2) for r in range(1, ws.max_row + 1)}
    assert labels["Indicators after"].value == str(len(load_spec(str(out / "dataset.yaml")).indicators))
    for box in ("Name", "Role", "Date", "Signature"):
        assert labels[box].protection.locked is False
    assert ws.protection.sheet


def test_bad_stores_get_a_message_not_a_traceback(tmp_path, register):
    missing = CliRunner().invoke(main, ["spec", "revise", "--from-consultation", str(tmp_path / "no.sqlite"),
                                        "--out", str(tmp_path / "out")])
    assert missing.exit_code == 1 and "no store at" in missing.output
    Store(tmp_path / "empty.sqlite").close()
    empty = CliRunner().invoke(main, ["spec", "revise", "--from-consultation", str(tmp_path / "empty.sqlite"),
                                      "--out", str(tmp_path / "out")])
    assert empty.exit_code == 1 and "holds no consultation returns" in empty.output
    assert not (tmp_path / "out" / "dataset.yaml").exists()


def test_returns_on_the_revised_spec_are_collated_by_it_and_old_templates_told_to_move(revised, register, tmp_path):
    from lscb_workbooks.demo.coordinator import fill_template
    from lscb_workbooks.demo.synthetic import synthetic_entries

    out, _ = revised
    key = tmp_path / "signing.key"
    barnet = register.by_code("302")
    period = parse_period("2027-28")
    for version, spec_source in (("new", str(out / "dataset.yaml")), ("old", "dataset")):
        made = CliRunner().invoke(main, ["templates", "--collection", spec_source, "--period", str(period), "--la",
                                         "302", "--out", str(tmp_path / version), "--key-file", str(key)])
        assert made.exit_code == 0, made.output
        template = next((tmp_path / version).glob("*.xlsx"))
        fill_template(template, synthetic_entries(load_spec(spec_source), barnet, period),
                      tmp_path / "inbox" / f"{version}.xlsx")
    collated = CliRunner().invoke(main, ["collate", str(tmp_path / "inbox"), "--collection", str(out / "dataset.yaml"),
                                         "--out", str(tmp_path / "out"), "--key-file", str(key)])
    assert collated.exit_code == 0, collated.output
    import pandas as pd

    rows = pd.read_csv(tmp_path / "out" / "submissions.csv").set_index("file")
    assert rows.loc["new.xlsx", "status"] in ("accepted", "accepted_with_warnings")
    assert rows.loc["old.xlsx", "status"] == "rejected"
    assert "current version is 2026.2" in rows.loc["old.xlsx", "message"]
