"""Synthetic returns, made from the spec alone, for the demo and for tests.

Every number is invented. Denominators are drawn first, numerators as a share
of their denominator, so the figures hang together the way real ones do.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from ..spec.models import Field, Spec
from ..spec.periods import Period
from ..spec.register import Authority
from .coordinator import Entries

SYNTHETIC = "SYNTHETIC DEMO DATA: not a real return"


def child_population(authority: Authority) -> int:
    """Invented child populations: the City of London is tiny, the boroughs much larger."""
    rng = random.Random(f"population-{authority.la_code}")
    return rng.randint(1_200, 1_800) if authority.name == "City of London" else rng.randint(38_000, 95_000)


def synthetic_entries(spec: Spec, authority: Authority, period: Period, seed: int = 0) -> Entries:
    rng = random.Random(f"{authority.la_code}-{period}-{seed}")
    population = child_population(authority)
    roles = _roles(spec)
    values: dict[str, object] = {}
    for f in _in_dependency_order(spec):
        steady = random.Random(f"{authority.la_code}-{f.id}")
        values[f.id] = _draw(f, roles, values, population, period, steady, rng)
    _respect_rules(spec, values)
    return Entries(
        values=values,
        ratings={f.id: "Robust" if rng.random() > 0.1 else "Estimated"
                 for f in spec.form_fields if spec.section_of(f.id).rated and not f.derived},
        table_rows=[_challenge(spec, rng) for _ in range(rng.randint(0, 2))],
    )


def _roles(spec: Spec) -> dict[str, tuple[str, str]]:
    """For each collected field: ('population', '') , ('denominator', ''), or ('numerator', denominator id)."""
    roles: dict[str, tuple[str, str]] = {}
    for f in spec.form_fields:
        ratio = f.parsed_expression.ratio if f.parsed_expression else None
        if not ratio:
            continue
        if ratio.multiplier == 10_000:
            roles[ratio.denominator] = ("population", "")
            roles.setdefault(ratio.numerator, ("rate_count", ""))
        else:
            roles.setdefault(ratio.denominator, ("denominator", ""))
            roles[ratio.numerator] = ("numerator", ratio.denominator)
    return roles


def _in_dependency_order(spec: Spec) -> list[Field]:
    collected = [f for f in spec.form_fields if not f.derived]
    roles = _roles(spec)
    first = [f for f in collected if roles.get(f.id, ("",))[0] == "population"]
    last = [f for f in collected if roles.get(f.id, ("",))[0] == "numerator"]
    middle = [f for f in collected if f not in first and f not in last]
    ordered, placed = first + middle, {f.id for f in first + middle}
    while last:
        ready = [f for f in last if roles[f.id][1] in placed]
        ordered += ready
        placed |= {f.id for f in ready}
        last = [f for f in last if f not in ready] if ready else []
    return ordered


def _draw(f: Field, roles, values, population: int, period: Period, steady: random.Random,
          rng: random.Random) -> object:
    """A value for one field: its level is the authority's own, steady over periods; the wobble is the period's."""
    role, denominator = roles.get(f.id, ("", ""))
    scale = (0.25 if period.quarter else 1.0) * rng.uniform(0.88, 1.12)
    if f.unit == "count":
        if role == "population":
            return population
        if role == "numerator" and isinstance(values.get(denominator), (int, float)):
            return min(values[denominator], round(values[denominator] * steady.uniform(0.08, 0.9) * rng.uniform(0.9, 1.1)))
        if f.max is not None:
            return rng.randint(int(f.lower_bound or 0), int(f.max))
        return max(0, round(population * steady.uniform(5, 400) / 10_000 * scale))
    if f.unit == "number":
        return round(steady.uniform(5, 40) * population / 60_000 * scale, 1)
    if f.unit == "percentage":
        return round(steady.uniform(10, 90) * rng.uniform(0.9, 1.1), 1)
    if f.unit in ("yes_no", "choice"):
        return rng.choice(list(f.options))
    if f.unit == "date":
        return datetime.combine(period.end + timedelta(days=rng.randint(10, 40)), time())
    return SYNTHETIC if f.required else None


def _respect_rules(spec: Spec, values: dict[str, object]) -> None:
    for rule in spec.all_rules:
        limit = values.get(rule.limit)
        parts = [values.get(f) for f in rule.fields]
        if not isinstance(limit, (int, float)) or not all(isinstance(p, (int, float)) for p in parts):
            continue
        total = sum(parts)
        if total > limit:
            for field_id, part in zip(rule.fields, parts):
                values[field_id] = int(part * limit / total) if isinstance(part, int) else part * limit / total


def _challenge(spec: Spec, rng: random.Random) -> dict[str, object]:
    table = next((s for s in spec.sections if s.kind == "table"), None)
    if table is None:
        return {}
    row: dict[str, object] = {}
    for f in table.fields:
        if f.options:
            row[f.id] = rng.choice(list(f.options))
        elif f.unit == "text" and f.required:
            row[f.id] = f"{SYNTHETIC}: an example of a problem met while collecting the figures."
    return row
