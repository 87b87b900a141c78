"""Synthetic returns, made from the spec alone, for the demo and for tests.

Every number is invented. Denominators are drawn first, numerators as a share
of their denominator, so the figures hang together the way real ones do.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from ..spec.models import Field, FixedRow, PlausibleRange, Section, Spec
from ..spec.periods import Period
from ..spec.register import Authority
from .coordinator import Entries

SYNTHETIC = "SYNTHETIC DEMO DATA: not a real return"


def child_population(authority: Authority) -> int:
    """Invented child populations: the City of London is tiny, the boroughs much larger."""
    rng = random.Random(f"population-{authority.la_code}")
    return rng.randint(1_200, 1_800) if authority.name == "City of London" else rng.randint(38_000, 95_000)


def synthetic_entries(spec: Spec, authority: Authority, period: Period, seed: int = 0) -> Entries:
    if spec.kind != "dataset":
        return survey_entries(spec, authority, period, seed)
    rng = random.Random(f"{authority.la_code}-{period}-{seed}")
    population = child_population(authority)
    populations = _populations(spec)
    values: dict[str, object] = {}
    for f in _in_dependency_order(spec):
        steady = random.Random(f"{authority.la_code}-{_steady_key(spec, f)}")
        values[f.id] = population if f.id in populations else _draw(spec, f, values, population, period, steady, rng)
    _respect_rules(spec, values)
    return Entries(
        values=values,
        ratings={f.id: "Robust" if rng.random() > 0.1 else "Estimated"
                 for f in spec.form_fields if spec.section_of(f.id).rated and not f.derived},
        table_rows=[_challenge(spec, rng) for _ in range(rng.randint(0, 2))],
    )


def _populations(spec: Spec) -> set[str]:
    """The counts that rates are per 10,000 of: the child population, typed in by every borough."""
    ratios = [f.parsed_expression.ratio for f in spec.form_fields if f.parsed_expression]
    return ({r.denominator for r in ratios if r and r.multiplier == 10_000}
            | {f.plausible.per_10000_of for f in spec.form_fields if f.plausible and f.plausible.per_10000_of})


def usual_basis(spec: Spec, f: Field) -> tuple[PlausibleRange, str | None, float] | None:
    """Where a collected figure's usual level comes from: (range, the count it is per, multiplier).

    Its own usual range (per 10,000 of a population, or as it stands), else the range
    of the rate or percentage it is the numerator of, so that the figure worked out
    from it lands in that range.
    """
    if f.plausible:
        per = f.plausible.per_10000_of
        return f.plausible, per, (10_000 if per else 1)
    for derived in spec.form_fields:
        ratio = derived.parsed_expression.ratio if derived.parsed_expression else None
        if derived.plausible and ratio and ratio.numerator == f.id:
            return derived.plausible, ratio.denominator, ratio.multiplier
    return None


def _steady_key(spec: Spec, f: Field) -> str:
    """What an authority's steady level is drawn from: figures with the same usual range share one, so that
    this year's and last year's rolling averages, or new arrangements and their visits, sit together."""
    basis = usual_basis(spec, f)
    return f.id if basis is None else f"{basis[0].model_dump_json()}-{basis[1]}-{basis[2]}"


def _in_dependency_order(spec: Spec) -> list[Field]:
    """Collected fields, each after the count its usual level is worked out from."""
    waiting = [f for f in spec.form_fields if not f.derived]
    ordered: list[Field] = []
    placed: set[str] = set()
    while waiting:
        ready = [f for f in waiting if (basis := usual_basis(spec, f)) is None or basis[1] in (None, *placed)]
        ready = ready or waiting  # a loop in the spec: draw the rest as they come
        ordered += ready
        placed |= {f.id for f in ready}
        waiting = [f for f in waiting if f not in ready]
    return ordered


def _draw(spec: Spec, f: Field, values, population: int, period: Period, steady: random.Random,
          rng: random.Random) -> object:
    """A value for one field: its level is the authority's own, steady over periods; the wobble is the period's.

    A figure with a usual range (its own, or that of the rate or percentage it
    feeds) is drawn inside it, around its middle, so the demo looks like London.
    """
    if f.unit == "score":
        return rng.randint(int(f.lower_bound or 0), int(f.max))
    if f.numeric and (basis := usual_basis(spec, f)) is not None:
        return _usual_value(f, basis, values, period, steady, rng)
    scale = (period.share_of_year) * rng.uniform(0.9, 1.1)
    if f.unit == "count":
        return max(0, round(population * steady.uniform(5, 50) / 10_000 * scale))
    if f.unit == "number":
        return round(steady.uniform(5, 40) * population / 60_000 * scale, 1)
    if f.unit == "percentage":
        return round(steady.uniform(10, 90) * rng.uniform(0.9, 1.1), 1)
    if f.unit in ("yes_no", "choice"):
        return rng.choice(list(f.options))
    if f.unit == "date":
        return datetime.combine(period.end + timedelta(days=rng.randint(10, 40)), time())
    return SYNTHETIC if f.required else None


def _usual_value(f: Field, basis: tuple[PlausibleRange, str | None, float], values, period: Period,
                 steady: random.Random, rng: random.Random) -> float | int | None:
    """A level inside the usual range, steady for the authority, wobbling a little from period to period."""
    usual, per, multiplier = basis
    low, high = usual.for_period(period.share_of_year)
    low = 0.0 if low is None else low
    high = low * 4 + 10 if high is None else high
    margin = (high - low) * 0.05
    level = low + (high - low) * steady.triangular(0.15, 0.85, 0.45)
    level = min(high - margin, max(low + margin, level * rng.uniform(0.9, 1.1)))
    if per is None:
        value = level
    elif isinstance(values.get(per), (int, float)):
        value = level * values[per] / multiplier
    else:
        return None
    if not f.whole_number:
        return round(value, 1)
    value = round(value)
    return min(value, int(values[per])) if per is not None and multiplier == 100 else value


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


# ---------------------------------------------------------------- the mapping survey and the consultation

DATA_ITEMS = (
    "Referrals to children's social care", "Re-referrals within 12 months", "Initial assessments in timescale",
    "Children subject of a child protection plan", "Child protection plans lasting two years or more",
    "Children looked after", "Placement stability of looked after children",
    "Domestic violence incidents with a child present", "MARAC repeat cases", "Children reported missing from home",
    "Children missing from care", "Children missing education", "Permanent exclusions",
    "A&E attendances for self-harm", "Hospital admissions for injuries to children", "Child deaths reviewed",
    "Private fostering notifications", "LADO allegations", "Multi-agency safeguarding training attendance",
    "Police Merlin reports on children", "Young people in custody", "Children at risk of sexual exploitation",
)
GAP_ITEMS = (
    "Young carers identified", "Children affected by parental mental health", "Children at risk of sexual exploitation",
    "Children missing education for four weeks or more", "Trafficked children identified", "Gang-affected young people",
    "Female genital mutilation cases", "Children's own views of feeling safe", "Bullying reported in schools",
    "Children in households with substance misuse",
)
GOOD_PRACTICE_ITEMS = (
    "Monthly multi-agency data meeting", "Single information-sharing protocol signed by every partner",
    "Young people's panel reviews the dashboard", "Shared definitions agreed with the police",
    "Data quality audit before each board meeting", "Quarterly performance report to the board",
    "Health and social care data matched by NHS number", "Children's views survey in schools",
)
IT_SYSTEMS = ("CareFirst", "ICS", "Frameworki", "CRIS", "Merlin", "SIMS", "RiO", "Spreadsheet", "Protocol", "Liquidlogic")


def survey_entries(spec: Spec, authority: Authority, period: Period, seed: int = 0) -> Entries:
    """Answers to a survey (the data mapping or the consultation) as one board might give them.

    Each fixed row (a proposed indicator) has a standing of its own across
    London, so that some indicators draw consensus, some are contested and
    some are voted down.
    """
    rng = random.Random(f"{spec.id}-{authority.la_code}-{period}-{seed}")
    entries = Entries(values={f.id: value for f in spec.form_fields
                              if (value := _survey_value(f, rng, authority)) is not None})
    items = {"consultation": GAP_ITEMS, "good_practice": GOOD_PRACTICE_ITEMS}.get(spec.kind, DATA_ITEMS)
    for section in (s for s in spec.sections if s.kind == "table"):
        if section.fixed:
            entries.fixed_rows.update(_fixed_answers(spec, section, rng))
        else:
            count = rng.randint(min(3, section.max_rows), min(10, section.max_rows, len(items)))
            picked = rng.sample(items, count)
            entries.tables[section.id] = [_table_row(section, rng, item) for item in picked]
    return entries


def _survey_value(f: Field, rng: random.Random, authority: Authority) -> object:
    if not f.required and rng.random() < 0.3:
        return None
    if f.options:
        return rng.choice(list(f.options))
    if f.numeric:
        low, high = int(f.lower_bound or 0), int(f.upper_bound if f.upper_bound is not None else 100)
        return rng.randint(low, high)
    if f.unit == "date":
        return None
    if f.max_length <= 200:
        return SYNTHETIC[: f.max_length]
    return f"{SYNTHETIC}: what {authority.name} might say about {f.label[0].lower() + f.label[1:]}."[: f.max_length]


def _table_row(section: Section, rng: random.Random, item: str) -> dict[str, object]:
    row: dict[str, object] = {}
    for f in section.fields:
        if f.summary == "item":
            row[f.id] = item[: f.max_length]
        elif not f.required and rng.random() < 0.25:
            continue
        elif f.unit == "text" and f.summary == "tally":
            row[f.id] = rng.choice(IT_SYSTEMS)[: f.max_length]
        elif f.unit == "text":
            row[f.id] = f"{SYNTHETIC}: a note on {item.lower()}."[: f.max_length]
        elif f.options:
            row[f.id] = rng.choice(list(f.options))
        elif f.numeric:
            row[f.id] = rng.randint(int(f.lower_bound or 0), int(f.upper_bound if f.upper_bound is not None else 10))
    return row


def _fixed_answers(spec: Spec, section: Section, rng: random.Random) -> dict[str, dict[str, object]]:
    vote = spec.fields.get(spec.verdicts.vote or "")
    answers = {}
    for fixed in section.rows:
        if rng.random() < 0.12:
            continue
        favour = _standing(spec, fixed)
        answer: dict[str, object] = {}
        for f in section.fields:
            if f is vote:
                answer[f.id] = _vote(spec, f, favour, rng)
            elif f.summary == "score":
                centre = f.lower_bound + favour * (f.upper_bound - f.lower_bound)
                answer[f.id] = int(min(f.upper_bound, max(f.lower_bound, round(rng.gauss(centre, 0.8)))))
            elif f.options and rng.random() < 0.7:
                answer[f.id] = rng.choice(list(f.options))
            elif f.unit == "text" and rng.random() < 0.2:
                answer[f.id] = f"{SYNTHETIC}: a comment on {fixed.label[0].lower() + fixed.label[1:]}."[: f.max_length]
        answers[fixed.id] = answer
    return answers


def _standing(spec: Spec, fixed: FixedRow) -> float:
    """How far London favours an indicator, the same for every board: mostly well liked, some contested, a few not."""
    draw = random.Random(f"{spec.id}-standing-{fixed.id}").random()
    return 0.92 if draw < 0.6 else 0.6 if draw < 0.85 else 0.25


def _vote(spec: Spec, f: Field, favour: float, rng: random.Random) -> str:
    in_favour, against = spec.verdicts.in_favour or list(f.options[:1]), spec.verdicts.against or list(f.options[-1:])
    if rng.random() < favour:
        return in_favour[0] if rng.random() < 0.7 or len(in_favour) == 1 else rng.choice(in_favour[1:])
    return rng.choice(against)
