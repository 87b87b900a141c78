"""The conceptual model as data: every indicator in one theme and one listed age group."""

from __future__ import annotations

from click.testing import CliRunner

from lscb_workbooks.cli import main
from lscb_workbooks.spec.load import check_spec_text, load_spec

MODELLED = """\
id: tiny
title: Tiny
version: "1"
template_version: "1"
themes: [{id: safe, title: Safe}, {id: school, title: At school}]
age_groups: [{id: all, title: All children}, {id: teens, title: Aged 16 and 17}]
sections:
  - id: form
    title: Form
    sheet: Return
    fields:
      - {id: A, label: All, unit: count, theme: safe, age_group: all}
      - {id: N, label: Some, unit: count, theme: safe, age_group: all}
      - {id: P, label: Share, unit: percentage, theme: safe, age_group: all, expression: N / A * 100}
      - {id: T, label: Teens, unit: count, theme: school, age_group: teens}
"""


def test_the_shipped_dataset_places_every_indicator_in_a_listed_age_group(spec):
    listed = {a.id for a in spec.age_groups}
    assert len(listed) >= 4
    assert all(f.theme in spec.theme_titles and f.age_group in listed for f in spec.indicators)
    assert {f.age_group for f in spec.form_fields if f.age_group} <= listed


def test_the_model_lists_measures_by_cell_and_names_the_empty_cells():
    spec, problems = check_spec_text(MODELLED, "tiny.yaml")
    assert problems == []
    model = spec.conceptual_model
    assert [e.id for e in model.cell("safe", "all")] == ["P"]  # A and N are only there to work out P
    assert [e.id for e in model.cell("school", "teens")] == ["T"]
    assert [(t.id, a.id) for t, a in model.gaps] == [("safe", "teens"), ("school", "all")]


def test_a_field_outside_the_model_fails_with_its_line():
    text = MODELLED.replace("theme: school, age_group: teens", "theme: school, age_group: pupils")
    problems = check_spec_text(text, "tiny.yaml")[1]
    assert len(problems) == 1
    assert problems[0].line == 15 and "(T)" in problems[0].where
    assert "age group 'pupils' is not in the conceptual model" in problems[0].message
    assert "all, teens" in problems[0].message


def test_an_indicator_with_no_age_group_fails_when_the_spec_lists_them():
    problems = check_spec_text(MODELLED.replace(", age_group: teens", ""), "tiny.yaml")[1]
    assert [p.message for p in problems] == ["an indicator in theme 'school' needs an age_group (all, teens)"]


def test_spec_check_rejects_a_field_outside_the_model(tmp_path):
    bad = tmp_path / "tiny.yaml"
    bad.write_text(MODELLED.replace("age_group: teens", "age_group: 0-19"), encoding="utf-8")
    result = CliRunner().invoke(main, ["spec", "check", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:15: sections.0.fields.3 (T): age group '0-19' is not in the conceptual model" in result.output


def test_the_consultation_carries_the_model_of_the_dataset_it_lists(spec):
    consultation = load_spec("consultation")
    assert consultation.age_groups == []
    assert consultation.conceptual_model == spec.conceptual_model
