"""Figures outside their spec's usual range, worked out here from the values alone, for tests to assert on."""

from __future__ import annotations

from lscb_workbooks.spec.models import Spec
from lscb_workbooks.spec.periods import Period


def outside_usual_ranges(spec: Spec, values: dict[str, object], period: Period) -> list[tuple[str, float, tuple]]:
    """(field id, figure, usual range for the period) for each figure outside its range.

    A percentage on a denominator below the spec's small_denominator is not judged; a count with
    `per_10000_of` is judged per 10,000 of that count.
    """
    def number(field_id: str) -> float | None:
        value = values.get(field_id)
        return float(value) if isinstance(value, (int, float)) else None

    found = []
    for f in (f for f in spec.form_fields if f.plausible):
        value = number(f.id)
        if f.derived:
            value = f.parsed_expression.evaluate({n: number(n) for n in f.parsed_expression.names})
            ratio = f.parsed_expression.ratio
            if ratio and ratio.multiplier == 100 and (number(ratio.denominator) or 0) < spec.small_denominator:
                continue
        if value is None:
            continue
        if f.plausible.per_10000_of:
            value = value / number(f.plausible.per_10000_of) * 10_000
        low, high = f.plausible.for_period(period.share_of_year)
        if (low is not None and value < low) or (high is not None and value > high):
            found.append((f.id, value, (low, high)))
    return found
