"""Usual ranges live once, in the spec; `lscb spec check` refuses one an editor got wrong, saying how to fix it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from lscb_workbooks.cli import main
from lscb_workbooks.demo.synthetic import synthetic_entries
from lscb_workbooks.spec.load import check_spec_text
from lscb_workbooks.spec.periods import parse_period
from usual_ranges import outside_usual_ranges

TINY = """\
id: tiny
title: Tiny
version: "1"
template_version: "1"
sections:
  - id: form
    title: Form
    sheet: Return
    fields:
      - {id: POP, label: Children, unit: count}
      - {id: A, label: All, unit: count}
      - {id: N, label: Some, unit: count}
      - {id: NAME, label: Name, unit: text}
      - {id: P, label: Share, unit: percentage, expression: N / A * 100}
"""


def with_range(field_id: str, plausible: str) -> str:
    return "\n".join(line.replace("}", f", plausible: {plausible}}}") if f"{{id: {field_id}," in line else line
                     for line in TINY.splitlines()) + "\n"


def problems(text: str) -> list[str]:
    return [str(p) for p in check_spec_text(text, "tiny.yaml")[1]]


def test_a_good_range_passes():
    assert problems(with_range("P", "{min: 5, max: 40}")) == []
    assert problems(with_range("N", "{min: 0, max: 9}")) == []
    assert problems(with_range("N", "{max: 60, per_10000_of: POP, in_a_year: true}")) == []


@pytest.mark.parametrize("field_id, plausible, words", [
    ("P", "{min: 40, max: 5}", "P: the plausible min 40 is more than its max 5: swap them"),
    ("NAME", "{min: 0, max: 9}", "a plausible range is for a number; 'NAME' is text. Remove 'plausible'"),
    ("P", "{min: 5, max: 120}", "P: the plausible max 120 is outside what the field can hold (0 to 100)"),
    ("N", "{min: -5, max: 9}", "N: the plausible min -5 is outside what the field can hold (at least 0)"),
    ("P", "{min: 5, max: 40, in_a_year: true}", "a percentage does not grow with the length of the period"),
    ("P", "{min: 5, max: 40, per_10000_of: POP}", "per_10000_of is for a collected count"),
    ("N", "{min: 1, max: 9, per_10000_of: NAME}", "per_10000_of 'NAME' must name another collected count"),
    ("N", "{min: 1, max: 9, per_10000_of: NOPE}", "per_10000_of 'NOPE' must name another collected count"),
    ("N", "{}", "a plausible range needs min, max or both"),
    ("N", "{min: 1, most: 9}", "unknown key 'most'"),
])
def test_a_malformed_range_is_refused_with_its_line_and_what_to_do(field_id, plausible, words):
    found = problems(with_range(field_id, plausible))
    assert len(found) == 1 and words in found[0], found
    line = next(i for i, text in enumerate(with_range(field_id, plausible).splitlines(), 1)
                if f"{{id: {field_id}," in text)
    assert found[0].startswith(f"tiny.yaml:{line}: "), found


def test_spec_check_prints_the_problem_and_fails(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(with_range("P", "{min: 40, max: 5}"), encoding="utf-8")
    result = CliRunner().invoke(main, ["spec", "check", str(path)])
    assert result.exit_code != 0 and "the plausible min 40 is more than its max 5: swap them" in result.output
    assert "Traceback" not in result.output


def test_the_shipped_dataset_gives_every_rate_and_percentage_a_usual_range(spec):
    ranged = {f.id for f in spec.form_fields if f.plausible}
    ratios = {f.id for f in spec.form_fields if f.derived and f.parsed_expression.ratio}
    assert ratios <= ranged, sorted(ratios - ranged)
    assert spec.fields["SCR_INITIATED"].plausible.max < 10, "serious case reviews: a handful a year"
    assert spec.fields["EXCL_PERM_RATE"].plausible.max < 1, "permanent exclusions: a fraction of one per cent"


@pytest.mark.parametrize("period", ["2026-27", "2026-27-Q3"])
def test_synthetic_returns_lie_in_every_usual_range(spec, register, period):
    """Every authority's synthetic figures, for a year and for a quarter, as the demo draws them."""
    period = parse_period(period)
    for authority in register:
        assert outside_usual_ranges(spec, synthetic_entries(spec, authority, period).values, period) == [], \
            authority.name


def test_the_demo_draws_around_london_typical_values_not_at_the_edges(spec, register):
    """Across London, the middle authority's figure sits well inside the range, not at one end of it."""
    period = parse_period("2026-27")
    drawn = [synthetic_entries(spec, a, period).values for a in register]
    for f in (f for f in spec.form_fields if f.plausible and f.derived):
        number = lambda v, n: float(v[n]) if isinstance(v.get(n), (int, float)) else None  # noqa: E731
        figures = sorted(x for v in drawn if (x := f.parsed_expression.evaluate(
            {n: number(v, n) for n in f.parsed_expression.names})) is not None)
        middle, low, high = figures[len(figures) // 2], f.plausible.min, f.plausible.max
        assert low + (high - low) * 0.2 <= middle <= low + (high - low) * 0.8, (f.id, middle)
