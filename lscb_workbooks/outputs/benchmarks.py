"""England (and published regional figures) beside London: comparators read from published open data.

Each published area becomes a group row of the comparison, after London's
own groups, so every table that lists London and its groups lists England
too. An authority is compared with England, by its own 95% interval as with
London, only where England's numerator and denominator are published (so
England's figure is known exactly); where only England's rate is published it
is shown for reference, and `vs_england` says 'not compared'.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd

from ..opendata.published import Published
from ..opendata.standard import INNER_LONDON, LONDON, NATIONAL, OUTER_LONDON
from ..spec.models import Field
from .comparison import Comparison, interval, verdicts_against

ENGLAND = "England"
PUBLISHED = "Published"
COMPARATOR_GROUPS = (ENGLAND, PUBLISHED)
COUNTS_PUBLISHED, RATE_ONLY, COUNT = "numerator and denominator published", "rate only", "count"
SHOWN_REGIONS = (LONDON[0], INNER_LONDON[0], OUTER_LONDON[0])


def add_comparators(comparison: Comparison, published: Published | None) -> Comparison:
    """The comparison with England's (and published London's) figures as group rows, and `vs_england` for each authority."""
    if published is None:
        return comparison
    rows = []
    for code, area in published.areas.items():
        if area.level == NATIONAL:
            kind, group, label = ENGLAND, ENGLAND, "England (published)"
        elif code in SHOWN_REGIONS:
            kind, group, label = PUBLISHED, area.name, f"{area.name} (published)"
        else:
            continue
        figures = [_group_row(published, comparison, code, f) for f in _fields(comparison)]
        if any(not math.isnan(r["value"]) for r in figures):
            rows += [{"group_type": kind, "group": group, "label": label, **r} for r in figures]
    if not rows:
        return comparison
    groups = pd.concat([comparison.groups, pd.DataFrame(rows)], ignore_index=True)
    groups["text"] = groups["text"].astype(object)
    return replace(comparison, groups=groups, authorities=_against_england(comparison, pd.DataFrame(rows)))


def _fields(comparison: Comparison) -> list[Field]:
    ids = list(dict.fromkeys(comparison.groups.field_id))
    return [comparison.spec.fields[i] for i in ids]


def _group_row(published: Published, comparison: Comparison, area: str, f: Field) -> dict:
    value, exact = published.ratio_figure(comparison.spec, area, comparison.period, f)
    row = {"field_id": f.id, "value": math.nan if value is None else float(value), "text": None,
           "numerator": math.nan, "denominator": math.nan, "lower": math.nan, "upper": math.nan,
           "authorities": 0, "suppressed": False, "basis": COUNT if not f.derived else RATE_ONLY}
    ratio = f.parsed_expression.ratio if f.derived else None
    if exact and ratio:
        numerator = published.number(area, comparison.period, ratio.numerator)
        denominator = published.number(area, comparison.period, ratio.denominator)
        lower, upper = interval(f, numerator, denominator)
        row.update(numerator=numerator, denominator=denominator, lower=lower, upper=upper, basis=COUNTS_PUBLISHED)
    return row


def _against_england(comparison: Comparison, rows: pd.DataFrame) -> pd.DataFrame:
    england = rows[(rows.group_type == ENGLAND) & (rows.basis == COUNTS_PUBLISHED)].set_index("field_id").value
    reference = rows[rows.group_type == ENGLAND].set_index("field_id").value
    a = comparison.authorities.copy()
    a["england"] = a.field_id.map(reference).astype(float)
    a["vs_england"] = verdicts_against(comparison.spec, a, a.field_id.map(england).astype(float))
    return a


def has_england(comparison: Comparison) -> bool:
    return bool((comparison.groups.group_type == ENGLAND).any())


def england_basis(comparison: Comparison) -> dict[str, str]:
    """For each field, how England's figure is known: from published counts, a rate only, or a count."""
    rows = comparison.groups[comparison.groups.group_type == ENGLAND]
    return dict(zip(rows.field_id, rows.basis)) if "basis" in rows else {}


ENGLAND_NOTE = ("England's figures are the Department for Education's, as published. An authority is called better "
                "or worse than England only where England's numerator and denominator are both published and the "
                "authority's 95% interval excludes England's figure; where only England's rate is published it is "
                "shown for reference and not compared.")
