"""The mapping and consultation specs: strict, checked, and the consultation generated from the dataset."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from lscb_workbooks.spec.check import check_all
from lscb_workbooks.spec.load import SpecError, check_spec_text, default_schemas_dir, load_spec
from lscb_workbooks.spec.models import row_value_id, split_value_id
from lscb_workbooks.spec.periods import parse_period
from lscb_workbooks.templates.identity import REF_HEADER, locked_rows
from lscb_workbooks.templates.render import write_templates

NEW_INDICATOR = """\
  - id: YOUNG_CARERS
    label: Young carers identified and assessed
    definition: Young carers known to children's social care who had an assessment in the period.
    unit: count
    agency: csc
    theme: stability
    age_group: 0-17
    required: false
"""


def test_every_shipped_spec_passes_the_check():
    problems, names = check_all()
    assert problems == []
    assert {"dataset.yaml", "mapping.yaml", "consultation.yaml"} <= set(names)


def test_the_consultation_asks_once_per_indicator_and_shows_what_it_is_built_from(spec, surveys):
    proposed = next(s for s in surveys["consultation"].sections if s.fixed)
    assert proposed.rows_from == "dataset"
    ids = [r.id for r in proposed.rows]
    assert ids == [f.id for f in spec.measures]
    assert "CSC_REREF" in ids and "CSC_REF" not in ids and "CSC_REREF_N" not in ids, \
        "a board votes on the re-referral rate, not separately on its numerator and denominator"
    parts = {p for f in spec.indicators if f.derived for p in f.parsed_expression.names}
    assert not parts & set(ids)
    for row, f in zip(proposed.rows, spec.measures):
        assert (row.label, row.unit, row.group) == (f.label, f.shown_unit, spec.theme_titles[f.theme])
        assert row.definition.startswith(f.definition)
        for name in (f.parsed_expression.names if f.derived else []):
            assert f"{spec.fields[name].label} ({name})" in row.definition
    covered = set(ids) | parts
    assert {f.id for f in spec.indicators} <= covered, "every indicator is voted on, itself or through its rate"


def test_kinds_and_verdict_thresholds(surveys, spec):
    assert spec.kind == "dataset"
    assert surveys["mapping"].kind == "mapping" and surveys["consultation"].kind == "consultation"
    verdicts = surveys["consultation"].verdicts
    assert verdicts.vote == "decision" and verdicts.against == ["Drop"]
    assert 0 < verdicts.drop_share <= verdicts.keep_share <= 1


def _copies(tmp_path: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    for name in ("dataset.yaml", "consultation.yaml"):
        shutil.copyfile(default_schemas_dir() / name, tmp_path / name)
    return tmp_path


def _add_indicator(folder: Path) -> None:
    dataset = folder / "dataset.yaml"
    text = dataset.read_text(encoding="utf-8")
    anchor = "- id: challenges\n"
    assert text.count(anchor) == 1
    dataset.write_text(text.replace(anchor, NEW_INDICATOR + anchor), encoding="utf-8")


def test_adding_an_indicator_to_the_dataset_adds_it_to_the_consultation_template(tmp_path, register, survey_key):
    folder = _copies(tmp_path / "specs")
    before = load_spec(folder / "consultation.yaml")
    _add_indicator(folder)
    after = load_spec(folder / "consultation.yaml")
    proposed = next(s for s in after.sections if s.fixed)
    earlier = [r.id for r in next(s for s in before.sections if s.fixed).rows]
    assert [r.id for r in proposed.rows if r.id != "YOUNG_CARERS"] == earlier
    assert len(proposed.rows) == len(earlier) + 1
    new = proposed.fixed_row("YOUNG_CARERS")
    assert new is not None and new.label == "Young carers identified and assessed"
    assert new.group == load_spec(folder / "dataset.yaml").theme_titles["stability"]
    assert ("YOUNG_CARERS", "Young carers identified and assessed", "Count") in locked_rows(after)

    barnet = register.by_code("302")
    path = write_templates(after, [barnet], parse_period("2026-27"), tmp_path / "out", survey_key)[0]
    ws = load_workbook(path)[proposed.sheet]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    assert "YOUNG_CARERS" in rows
    assert ws.cell(rows["YOUNG_CARERS"], 2).value == "Young carers identified and assessed"
    assert ws.cell(rows["YOUNG_CARERS"], 3).value == "Count"
    assert not ws.cell(rows["YOUNG_CARERS"], 4).protection.locked, "its vote box is open for typing"
    stability = [r.id for r in proposed.rows if r.group == new.group]
    assert rows["YOUNG_CARERS"] == rows[stability[-2]] + 1, "it sits with the other indicators of its theme"


def test_the_consultation_follows_the_dataset_beside_it_not_the_shipped_one(tmp_path):
    folder = _copies(tmp_path)
    _add_indicator(folder)
    assert load_spec("consultation").sections[0].fixed_row("YOUNG_CARERS") is None
    assert load_spec(folder / "consultation.yaml").sections[0].fixed_row("YOUNG_CARERS") is not None


def test_a_dataset_with_problems_is_named_by_the_consultation(tmp_path):
    folder = _copies(tmp_path)
    dataset = folder / "dataset.yaml"
    dataset.write_text(dataset.read_text(encoding="utf-8").replace("  sheet: Return\n", "  sheet: Return\n  colour: red\n", 1),
                       encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_spec(folder / "consultation.yaml")
    message = str(caught.value)
    assert "rows_from" in message and "the collection 'dataset' has problems" in message and "colour" in message


SMALL = """\
id: small
kind: consultation
title: Small consultation
version: '1'
template_version: '1'
ratings: []
verdicts:
  vote: vote
  in_favour: [Keep]
  against: [Drop]
sections:
- id: proposed
  title: Proposed
  sheet: Proposed
  kind: table
  rows:
  - id: A
    label: First thing
  - id: B
    label: Second thing
  fields:
  - id: vote
    label: Keep or drop?
    unit: choice
    choices: [Keep, Drop]
  - id: score
    label: Priority
    unit: count
    min: 1
    max: 5
    required: false
    summary: score
- id: about
  title: About you
  sheet: About you
  fields:
  - id: NAME
    label: Your name
    unit: text
"""


def _problems(text: str) -> list[str]:
    _, problems = check_spec_text(text, "small.yaml")
    return [str(p) for p in problems]


def test_fixed_rows_can_be_written_out_by_hand():
    spec, problems = check_spec_text(SMALL, "small.yaml")
    assert problems == []
    assert [r.id for r in spec.sections[0].rows] == ["A", "B"]
    assert spec.value_label(row_value_id("B", "vote")) == "Second thing: Keep or drop?"
    assert split_value_id("B.vote") == ("B", "vote") and split_value_id("NAME") == (None, "NAME")


@pytest.mark.parametrize("change, expected", [
    (("  - id: B\n    label: Second thing\n", "  - id: A\n    label: Second thing\n"), "duplicate row id 'A'"),
    (("    label: First thing\n", "    label: First thing\n    colour: red\n"), "unknown key 'colour'"),
    (("  rows:\n", "  rows_from: dataset\n  rows:\n"), "give either rows or rows_from, not both"),
    (("  kind: table\n  rows:\n", "  kind: table\n  rows_from: nowhere\n  rows:\n"), "give either rows or rows_from"),
    (("  vote: vote\n", "  vote: score\n"), "'score' is not a choice column of a table of fixed rows"),
    (("  in_favour: [Keep]\n", "  in_favour: [Keep it]\n"), "not a choice: Keep it"),
    (("  against: [Drop]\n", "  against: [Keep]\n"), "Keep cannot count both in favour and against"),
    (("    max: 5\n", ""), "a score needs a numeric unit with both min and max"),
    (("    summary: score\n", "    summary: score\n    split_by: vote\n"), "split_by only applies"),
    (("  kind: table\n  rows:\n", "  kind: table\n  max_rows: 5\n  rows:\n"), "a table of fixed rows has no numbered rows"),
])
def test_mistakes_in_fixed_rows_summaries_and_verdicts_are_named(change, expected):
    old, new = change
    assert old in SMALL
    problems = _problems(SMALL.replace(old, new, 1))
    assert any(expected in p for p in problems), problems
    assert all(p.startswith("small.yaml") for p in problems)


def test_a_consultation_without_a_vote_column_is_refused():
    problems = _problems(SMALL.replace("  vote: vote\n", ""))
    assert any("a consultation needs verdicts.vote" in p for p in problems), problems


def test_rows_from_a_collection_that_does_not_exist(tmp_path):
    text = SMALL.replace("  rows:\n  - id: A\n    label: First thing\n  - id: B\n    label: Second thing\n",
                         "  rows_from: nowhere\n")
    problems = _problems(text)
    assert any("no collection 'nowhere'" in p for p in problems), problems


def test_rows_from_itself_is_refused(tmp_path):
    text = SMALL.replace("  rows:\n  - id: A\n    label: First thing\n  - id: B\n    label: Second thing\n",
                         "  rows_from: small\n")
    path = tmp_path / "small.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert "leads back to this spec" in str(caught.value)


def test_the_template_marks_each_fixed_row_with_its_id(tmp_path, register, survey_key):
    spec, _ = check_spec_text(SMALL, "small.yaml")
    path = write_templates(spec, [register.by_code("302")], parse_period("2026-27"), tmp_path, survey_key)[0]
    ws = load_workbook(path)["Proposed"]
    column_a = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    assert column_a[column_a.index(REF_HEADER):] == [REF_HEADER, "Row", "Unit", "A", "B"]
    assert yaml.safe_load(SMALL)["sections"][0]["rows"][0]["label"] == ws.cell(column_a.index("A") + 1, 2).value
