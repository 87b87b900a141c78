"""How the master workbook names and describes indicators, gaps and figures, in words."""

from __future__ import annotations

import pandas as pd

from ...spec.models import Field, Spec, UNIT_LABELS
from ..benchmarks import COMPARATOR_GROUPS
from ..comparison import ESTIMATED, MISSING, NOT_AVAILABLE, NO_RETURN, PROVIDED, REJECTED, is_score


def theme_sheet_title(theme_id: str) -> str:
    return theme_id.replace("_", " ").capitalize()


def shown_fields(fields: list[Field]) -> list[Field]:
    """The indicators a reader compares: rates, percentages and counts that stand alone.

    Counts that are only a numerator or denominator appear inside their rate's table instead.
    """
    parts = {n for f in fields if f.derived for n in f.parsed_expression.names}
    return [f for f in fields if f.derived or f.id not in parts]


def short_label(f: Field, limit: int = 70) -> str:
    """The indicator's own short words (from the spec, unique to it), with its unit where they do not say it."""
    label = f.label if len(f.label) <= limit else f.short
    unit = {"percentage": (" (%)", "%"), "rate_per_10000": (" (per 10,000)", "per 10,000")}.get(f.unit)
    return f"{label}{unit[0]}" if unit and unit[1] not in label else label


def describe(f: Field, spec: Spec) -> str:
    polarity = {"higher_is_better": "Higher is better.", "lower_is_better": "Lower is better.",
                "neither": "Neither higher nor lower is better."}[f.polarity]
    parts = [f"{f.id}" + (f" ({f.national_indicator})" if f.national_indicator else ""),
             UNIT_LABELS.get(f.unit, f.unit) + ".", polarity]
    if f.derived and f.parsed_expression.ratio:
        r = f.parsed_expression.ratio
        method = "Wilson score" if f.unit == "percentage" else "Byar's method"
        parts.append(f"Worked out from the counts: {spec.fields[r.numerator].label} / {spec.fields[r.denominator].label}"
                     f"; 95% interval by {method}.")
    elif is_score(f):
        parts.append("A score, not a count: London and groups show the median; ranked, never tested for "
                     "significance.")
    elif f.is_count:
        rates = [g.id for g in spec.form_fields if g.derived and f.id in g.parsed_expression.names]
        parts.append("A count: a volume, shown with London's total but never ranked or compared"
                     + (f"; compare its rate ({', '.join(rates)})." if rates else "."))
    parts.append(f.definition)
    return " ".join(p for p in parts if p)


def gap_words(status: str) -> str:
    return {NO_RETURN: "no return", REJECTED: REJECTED, NOT_AVAILABLE: "not available", MISSING: "missing"}.get(status, "")


def quality_words(status: str) -> str:
    return {NO_RETURN: "No return", REJECTED: "Rejected: awaiting a corrected return", PROVIDED: "Provided",
            ESTIMATED: "Estimated", NOT_AVAILABLE: "Not available", MISSING: "Missing (left blank)",
            "suppressed": "Provided"}.get(status, status)


def figure_words(value: float, f: Field) -> str:
    if value is None or pd.isna(value):
        return "not available"
    if f.unit == "percentage":
        return f"{value:.1f}%"
    if f.unit == "count" and not is_score(f):
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def group_status(g) -> str:
    """A group figure is there when authorities gave it, or when it is a published comparator's."""
    return PROVIDED if g.authorities or (g.group_type in COMPARATOR_GROUPS and not pd.isna(g.value)) else MISSING


def how_to_read() -> str:
    return (
        "Rates and percentages are worked out from the counts each borough entered. London, hub, inner and outer "
        "London figures add up the counts of the authorities that returned (sums of numerators over sums of "
        "denominators), never an average of percentages. Each authority's rate or percentage has a 95% confidence "
        "interval (Wilson score for percentages, Byar's method for rates, as OHID's Fingertips does): it is called "
        "better or worse than London only where the interval excludes London's figure, so a small authority is not "
        "flagged on chance alone. Where neither higher nor lower is better, the words are 'higher' and 'lower'. "
        "Colours always come with those words. Rank 1 is the best authority (or the highest where neither is "
        "better); quartile Q1 is the best quarter."
    )
