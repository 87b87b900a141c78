"""The layout worked out from a spec, before anything is drawn: pure, so checked without a workbook."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from lscb_workbooks.spec.load import check_spec_text
from lscb_workbooks.spec.periods import parse_period
from lscb_workbooks.templates import identity
from lscb_workbooks.templates.inputs import (ELLIPSIS, InputRule, comment_rule, excel_length, shorten,
                                             value_rule)
from lscb_workbooks.templates.layout import (LayoutError, layout_template, lists_sheet, required_boxes,
                                             required_empty_formula, rules_broken_formula, template_rules)
from lscb_workbooks.templates.render import draw_workbook

CREATED = datetime(2027, 4, 1, 9, 0, tzinfo=timezone.utc)

SMALL_SPEC = """
id: small
title: Small collection
version: '1'
template_version: '1'
themes: [{id: safe, title: Staying safe}]
agencies: [{id: csc, title: Social care}, {id: police, title: Police}]
sections:
- id: counts
  title: Counts
  sheet: Figures
  rated: true
  intro: Type the counts.
  fields:
  - {id: TOTAL, label: All children, unit: count, agency: csc, theme: safe}
  - {id: PART_A, label: Part A, unit: count, agency: police, theme: safe}
  - {id: PART_B, label: Part B, unit: count, agency: csc, theme: safe, required: false}
  - {id: SHARE_A, label: Share in part A, unit: percentage, expression: PART_A / TOTAL * 100, agency: police,
     theme: safe}
  - {id: POP, label: Population, unit: count, min: 1}
- id: notes
  title: Notes
  sheet: Figures
  fields:
  - {id: NOTE, label: Anything else, unit: text, max_length: 300, required: false}
- id: more
  title: More figures
  sheet: More figures
  fields:
  - {id: ELSEWHERE, label: A count on another sheet, unit: count}
  - {id: RATE_ELSEWHERE, label: Rate on another sheet, unit: rate_per_10000,
     expression: ELSEWHERE / POP * 10000}
rules:
- {id: parts_within_total, kind: sum_not_more_than, fields: [PART_A, PART_B], limit: TOTAL}
"""


@pytest.fixture(scope="module")
def small():
    spec, problems = check_spec_text(SMALL_SPEC, "small.yaml")
    assert not problems and spec is not None, problems
    return spec


@pytest.fixture(scope="module")
def small_layout(small, register):
    return layout_template(small, register.by_code("302"), parse_period("2026-27"), b"k", CREATED)


def test_sheets_follow_the_spec_with_cover_first_and_hidden_sheets_last(small_layout):
    assert [s.name for s in small_layout.sheets] == ["Cover", "Figures", "More figures", "_lists", "_identity"]
    assert [s.visibility for s in small_layout.sheets] == ["visible"] * 3 + ["hidden", "very_hidden"]


def test_grouped_by_theme_then_agency_with_unthemed_fields_first_as_context(small_layout):
    sheet = small_layout.sheet("Figures")
    column_b = [c.value for c in sorted(sheet.cells, key=lambda c: c.row) if c.col == 1 and c.value]
    order = [v for v in column_b if v in {"Context", "Staying safe", "Social care", "Police", "All children",
                                          "Part A", "Part B", "Share in part A", "Population"}]
    assert order == ["Context", "Population", "Staying safe", "Social care", "All children", "Part B", "Police",
                     "Part A", "Share in part A"]


def test_two_sections_on_one_sheet_each_get_a_title_and_header(small_layout):
    sheet = small_layout.sheet("Figures")
    headers = sorted(c.row for c in sheet.cells if c.col == 0 and c.value == "Ref")
    assert len(headers) == 2
    second = [sheet.cell(headers[1], col).value for col in range(5)]
    assert second == ["Ref", "Indicator", "Unit", "Value", "Definition"]
    assert sheet.cell(headers[1] - 1, 1).value == "Notes" or sheet.cell(headers[1] - 2, 1).value == "Notes"
    ids = {c.value for c in sheet.cells if c.col == 0 and c.value not in (None, "Ref")}
    assert ids == {"TOTAL", "PART_A", "PART_B", "SHARE_A", "POP", "NOTE"}


def test_derived_on_another_sheet_refers_across_sheets(small_layout):
    place = small_layout.places["RATE_ELSEWHERE"]
    formula = small_layout.sheet("More figures").cell(place.row, place.value_col).formula
    pop = small_layout.places["POP"]
    assert f"'Figures'!$D${pop.row + 1}" in formula
    assert f"$D${small_layout.places['ELSEWHERE'].row + 1}" in formula


def test_self_check_counts_required_collected_boxes_only(small, small_layout):
    boxes = {p.field_id for p in required_boxes(small, small_layout.places)}
    assert boxes == {"TOTAL", "PART_A", "POP", "ELSEWHERE"}
    formula = required_empty_formula(small, small_layout.places, "Figures")
    assert "'More figures'!" in formula and "COUNTBLANK" in formula and '"Not available"' in formula


def test_sum_rule_and_implied_numerator_rule_are_checked_live(small, small_layout):
    rules = template_rules(small, small_layout.places)
    assert {r.id for r in rules} == {"parts_within_total", "SHARE_A_numerator_within_denominator"}
    formula = rules_broken_formula(small, small_layout.places, "Figures")
    assert "SUM(" in formula and formula.count("IF(") == 2


def test_every_unlocked_cell_is_covered_by_a_validation(small_layout):
    for sheet in small_layout.sheets:
        covered = {(r, c) for v in sheet.validations for r in range(v.area.first_row, v.area.last_row + 1)
                   for c in range(v.area.first_col, v.area.last_col + 1)}
        unlocked = {(c.row, c.col) for c in sheet.cells if c.unlocked}
        assert unlocked == covered, sheet.name


def test_identity_rows_sign_the_spec_rows(small, small_layout):
    rows = dict(small_layout.identity)
    assert list(rows) == [*identity.IDENTITY_KEYS, "la_name", "created", "signature"]
    assert rows["created"] == "2027-04-01T09:00:00+00:00"
    assert identity.signature_matches(rows, identity.locked_rows(small), b"k", rows["signature"])


def test_small_spec_draws_without_complaint(small_layout):
    assert draw_workbook(small_layout)[:2] == b"PK"


def test_lists_are_shared_and_kept_off_the_validations(spec):
    sheet, ranges = lists_sheet(spec)
    assert tuple(spec.ratings) in ranges and ("Yes", "No") in ranges
    assert all(r.startswith("='_lists'!$") for r in ranges.values())
    assert len(ranges) == len(set(ranges.values()))


def test_a_formula_too_long_for_excel_is_refused(register):
    fields = "\n".join(f"  - {{id: N{i}, label: Part {i}, unit: count}}\n"
                       f"  - {{id: D{i}, label: Whole {i}, unit: count}}\n"
                       f"  - {{id: P{i}, label: Share {i}, unit: percentage, expression: N{i} / D{i} * 100}}"
                       for i in range(200))
    text = f"id: big\ntitle: Big\nversion: '1'\ntemplate_version: '1'\nsections:\n- id: s\n  title: S\n" \
           f"  sheet: S\n  fields:\n{fields}\n"
    spec, problems = check_spec_text(text, "big.yaml")
    assert not problems
    with pytest.raises(LayoutError, match="8192"):
        layout_template(spec, register.by_code("302"), parse_period("2026-27"), b"k", CREATED)


# ---------------------------------------------------------------- the words around each box


def test_shorten_cuts_at_a_word_with_an_ellipsis():
    text = "Children becoming the subject of a Child Protection Plan for a second or subsequent time"
    short = shorten(text, 32)
    assert excel_length(short) <= 32 and short.endswith(ELLIPSIS)
    assert short.startswith("Children becoming the subject")
    assert shorten("Short label", 32) == "Short label"


def test_texts_longer_than_excel_allows_are_refused():
    with pytest.raises(ValueError):
        InputRule("whole", "x" * 33, "", "", "")


def test_messages_name_the_limits_in_plain_english(spec, small):
    period = parse_period("2026-27")
    lists = {("Yes", "No"): "='_lists'!$B$2:$B$3"}
    ni71 = value_rule(spec.fields["NI71"], period, lists, "rated")
    assert ni71.kind == "whole" and (ni71.minimum, ni71.maximum) == (0, 3)
    assert ni71.error.startswith("Type a whole number from 0 to 3, with no text.")
    pop = value_rule(small.fields["POP"], period, lists, "unrated")
    assert pop.error == "Type a whole number of 1 or more, with no text. Leave it blank if you do not know."
    date = value_rule(spec.fields["SIGNOFF_DATE"], period, lists, "unrated")
    assert "1 April 2026 to 31 March 2028" in date.error
    choice = value_rule(spec.fields["HEALTH_DESIG"], period, lists, "rated")
    assert choice.source == "='_lists'!$B$2:$B$3" and "Yes or No" in choice.error
    assert comment_rule().maximum == 1000
    empty_definition = value_rule(spec.fields["ADOPT_12M"], period, lists, "rated")
    assert empty_definition.message.startswith(spec.fields["ADOPT_12M"].label)
