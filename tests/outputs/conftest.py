"""A store of synthetic returns from all 33 authorities for two periods, for every output to read.

Figures are generated from the spec, not typed here: a population for each
authority (the City of London about 1,500 children), rates per 10,000 for the
counts that hang off the population, and proportions for the counts that are
part of another count, so every numerator stays within its denominator.
Two authorities have not returned the latest period (one sent a return that
was rejected), a few figures are 'Not available' or 'Estimated', one comment
is a formula-like string, and a few challenges are logged.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lscb_workbooks.spec.load import load_spec
from lscb_workbooks.spec.models import Spec
from lscb_workbooks.spec.register import Register, load_register
from lscb_workbooks.store.db import Checked, IssueRecord, Store, Submission, ValueRecord

PERIODS = ("2025-26", "2026-27")
LATEST = PERIODS[-1]
CITY = "201"
FORMULA_COMMENT = '=HYPERLINK("http://x","y")'
OTHER_FORMULA_TEXT = ("+cmd|' /C calc'!A0", "@SUM(A1:A9)")


@dataclass
class SyntheticStore:
    store: Store
    path: Path
    periods: tuple[str, ...]
    latest: str
    missing: tuple[str, ...]          # authorities with no return in use for the latest period
    rejected: str                     # one of them sent a return that was rejected
    not_available: tuple[tuple[str, str], ...]   # (la_code, field_id) marked 'Not available' in the latest period
    estimated: tuple[tuple[str, str], ...]
    formula_comment: tuple[str, str]  # (la_code, field_id) whose comment is FORMULA_COMMENT
    tampered: tuple[str, str]         # (la_code, field_id) whose derived value in the file is wrong
    collection: str = "dataset"
    formula_texts: tuple[str, ...] = (FORMULA_COMMENT, *OTHER_FORMULA_TEXT)  # typed into returns, must stay text


def _plan(spec: Spec) -> dict[str, tuple[str, str | None]]:
    """How each collected field is made: ('population'|'rate'|'share'|'score'|'number'|'yes_no'|'text'|'date', parent)."""
    plan: dict[str, tuple[str, str | None]] = {}
    percentages = {}
    rates = {}
    for f in spec.form_fields:
        ratio = f.parsed_expression.ratio if f.derived else None
        if ratio and f.unit == "percentage" and ratio.multiplier == 100:
            percentages.setdefault(ratio.numerator, ratio.denominator)
        elif ratio:
            rates.setdefault(ratio.numerator, ratio.denominator)
    population = next(f.id for f in spec.form_fields if f.unit == "count" and f.min == 1 and not f.theme)
    for f in spec.form_fields:
        if f.derived:
            continue
        if f.id == population:
            plan[f.id] = ("population", None)
        elif f.unit == "score":
            plan[f.id] = ("score", None)
        elif f.unit == "count" and f.id in percentages:
            plan[f.id] = ("share", percentages[f.id])
        elif f.unit == "count":
            plan[f.id] = ("rate", rates.get(f.id, population))
        elif f.unit == "number":
            plan[f.id] = ("number", None)
        elif f.unit in ("yes_no", "choice"):
            plan[f.id] = ("choice", None)
        elif f.unit == "date":
            plan[f.id] = ("date", None)
        else:
            plan[f.id] = ("text", None)
    return plan


def _figures(spec: Spec, plan: dict, population: int, rng: np.random.Generator,
             rates: dict[str, float], shares: dict[str, float]) -> dict[str, object]:
    figures: dict[str, object] = {}
    pending = list(plan)
    while pending:
        for field_id in list(pending):
            how, parent = plan[field_id]
            f = spec.fields[field_id]
            if parent is not None and parent not in figures:
                continue
            pending.remove(field_id)
            if how == "population":
                figures[field_id] = population
            elif how == "rate":
                base = figures[parent] if parent else population
                figures[field_id] = int(rng.poisson(base * rates[field_id] / 10_000 * rng.uniform(0.7, 1.3)))
            elif how == "share":
                p = min(0.98, max(0.01, shares[field_id] * rng.uniform(0.8, 1.2)))
                figures[field_id] = int(rng.binomial(int(figures[parent]), p))
            elif how == "score":
                figures[field_id] = int(rng.integers(int(f.lower_bound or 0), int(f.max) + 1))
            elif how == "number":
                figures[field_id] = round(float(rng.uniform(2, 40)) * population / 50_000 + 0.5, 1)
            elif how == "choice":
                figures[field_id] = str(rng.choice(f.options))
            elif how == "date":
                figures[field_id] = "2026-05-14"
            else:
                figures[field_id] = "A. Coordinator" if f.required else ""
    return figures


def _value_records(spec: Spec, la_code: str, period: str, figures: dict[str, object],
                   ratings: dict[str, str], comments: dict[str, str], tamper: set[str]) -> list[ValueRecord]:
    records = []
    numbers = {k: float(v) for k, v in figures.items() if isinstance(v, (int, float))}
    for k in [k for k, r in ratings.items() if r == spec.not_available_rating]:
        numbers.pop(k, None)
    row = 5
    for section in spec.sections:
        if section.kind != "form":
            continue
        for f in section.fields:
            row += 1
            rating = ratings.get(f.id, "Robust" if section.rated else "")
            if f.derived:
                number = f.parsed_expression.evaluate(numbers)
                if f.id in tamper and number is not None:
                    number = number + 50
            elif rating == spec.not_available_rating:
                number = None
            else:
                figure = figures.get(f.id)
                number = float(figure) if isinstance(figure, (int, float)) else None
            text = (None if number is None else repr(number)) if f.numeric else (figures.get(f.id) or None)
            if f.numeric and f.unit in ("count", "score") and number is not None and not f.derived:
                text = str(int(number))
            records.append(ValueRecord(
                la_code=la_code, period=period, section_id=section.id, field_id=f.id, value=text,
                number=number if f.numeric else None, sheet=section.sheet, cell=f"D{row}", rating=rating,
                comment=comments.get(f.id, ""), derived=f.derived,
            ))
    return records


def _challenges(spec: Spec, la_code: str, period: str, count: int, rng: np.random.Generator) -> list[ValueRecord]:
    section = next(s for s in spec.sections if s.kind == "table")
    records = []
    for n in range(1, count + 1):
        for col, f in enumerate(section.fields):
            if f.options:
                text = str(rng.choice(f.options))
            elif f.id == "indicator":
                text = str(rng.choice([i.id for i in spec.indicators]))
            elif f.id == "description":
                text = f"Figure {n} for {la_code} could not be produced from the case management system."
                if la_code == CITY and n == 1:
                    text = OTHER_FORMULA_TEXT[0]
            else:
                text = "An information-sharing agreement with the trust." if f.required or n % 2 else ""
            records.append(ValueRecord(
                la_code=la_code, period=period, section_id=section.id, field_id=f.id, value=text or None,
                number=None, sheet=section.sheet, cell=f"{chr(66 + col)}{5 + n}", row_number=n,
            ))
    return records


def _submission(la_code: str, period: str, outcome: str, day: int, errors: int = 0, warnings: int = 0,
                file: str | None = None, spec: Spec | None = None) -> Submission:
    name = file or f"{la_code}-{period}.xlsx"
    digest = hashlib.sha256(f"{la_code}{period}{outcome}{day}{name}".encode()).hexdigest()
    received = f"{period[:4] if period == PERIODS[0] else '2027'}-05-{day:02d}T10:{day:02d}:00"
    return Submission(
        path=f"inbox/{name}", file=name, sha256=digest, source="", sender=None, sent_at=received,
        modified_at=None, received_at=received, received_basis="sent", outcome=outcome,
        message={"accepted": "Accepted.", "accepted_with_warnings": "Accepted, with warnings to check.",
                 "rejected": "Rejected: the return has errors to correct."}[outcome],
        collection="dataset", la_code=la_code, period=period, spec_version=spec.version if spec else "2026.1",
        template_version=spec.template_version if spec else "2026.1", errors=errors, warnings=warnings,
    )


def build_synthetic_store(path: Path, spec: Spec, register: Register, seed: int = 20260401) -> SyntheticStore:
    """Write the synthetic store at `path` and say what is special in it."""
    rng = np.random.default_rng(seed)
    plan = _plan(spec)
    rates = {k: float(rng.uniform(5, 600)) for k, (how, _) in plan.items() if how == "rate"}
    shares = {k: float(rng.uniform(0.1, 0.9)) for k, (how, _) in plan.items() if how == "share"}
    populations = {a.la_code: (1_500 if a.la_code == CITY else int(rng.integers(5_000, 90_001))) for a in register}
    codes = [a.la_code for a in register]
    missing = (codes[5], codes[17])
    rejected = missing[1]
    counts = [f.id for f in spec.indicators if f.unit == "count" and not f.derived and f.max is None]
    ratios = [f.id for f in spec.indicators if f.derived and f.parsed_expression.ratio]
    not_available = ((codes[2], counts[3]), (codes[9], counts[10]), (codes[20], counts[0]))
    estimated = ((codes[3], counts[1]), (codes[12], counts[5]))
    formula_comment = (codes[7], counts[2])
    tampered = (codes[8], ratios[0])
    store = Store(path)
    for period in PERIODS:
        for i, la_code in enumerate(codes):
            if period == LATEST and la_code in missing:
                if la_code == rejected:
                    store.add(Checked(_submission(la_code, period, "rejected", 20, errors=3, spec=spec),
                                      issues=[IssueRecord("error", "not_a_number", "'n/a' is not a number.",
                                                          field_id=counts[0], sheet="Return", cell="D7")]))
                continue
            growth = 1.0 if period == PERIODS[0] else 1.02
            figures = _figures(spec, plan, int(populations[la_code] * growth), rng, rates, shares)
            latest = period == LATEST
            ratings = {f: "Not available" for la, f in not_available if la == la_code and latest}
            ratings |= {f: "Estimated" for la, f in estimated if la == la_code and latest}
            comments = {f: "Figure taken from the manual log; the system report was not ready."
                        for la, f in estimated if la == la_code and latest}
            if latest and la_code == formula_comment[0]:
                comments[formula_comment[1]] = FORMULA_COMMENT
            if latest and la_code == codes[10]:
                comments[counts[4]] = OTHER_FORMULA_TEXT[1]
            tamper = {tampered[1]} if latest and la_code == tampered[0] else set()
            values = _value_records(spec, la_code, period, figures, ratings, comments, tamper)
            values += _challenges(spec, la_code, period, (i % 4 == 0) + (i % 7 == 0), rng) if latest else []
            with_warnings = latest and i % 6 == 1
            if latest and i == 4:  # an earlier return, replaced by a later one
                store.add(Checked(_submission(la_code, period, "accepted", 2, file=f"{la_code}-first.xlsx", spec=spec),
                                  values=values))
            issues = [IssueRecord("warning", "plausibility", "Twice the figure of last period: please check.",
                                  field_id=counts[6], sheet="Return", cell="D12")] if with_warnings else []
            store.add(Checked(_submission(la_code, period, "accepted_with_warnings" if with_warnings else "accepted",
                                          3 + i % 20, warnings=len(issues), spec=spec),
                              values=values, issues=issues))
    store.settle_statuses()
    return SyntheticStore(store=store, path=path, periods=PERIODS, latest=LATEST, missing=missing,
                          rejected=rejected, not_available=not_available, estimated=estimated,
                          formula_comment=formula_comment, tampered=tampered)


@pytest.fixture(scope="session")
def synthetic_store_file(tmp_path_factory) -> tuple[Path, SyntheticStore]:
    path = tmp_path_factory.mktemp("synthetic") / "store.sqlite"
    built = build_synthetic_store(path, load_spec("dataset"), load_register())
    built.store.close()
    return path, built


@pytest.fixture
def synthetic_store(synthetic_store_file, tmp_path) -> SyntheticStore:
    """A fresh copy of the synthetic store for one test, open; closed afterwards."""
    source, built = synthetic_store_file
    path = tmp_path / "store.sqlite"
    shutil.copyfile(source, path)
    store = Store(path)
    yield SyntheticStore(**{**built.__dict__, "store": store, "path": path})
    store.close()


def ratios_by_group(values: pd.DataFrame, spec: Spec, register: Register) -> dict[tuple[str, str, str], float]:
    """Every ratio's London, hub and inner/outer figure, worked out here independently of the outputs package:
    the sum of numerators over the sum of denominators of the authorities that gave both (not 'Not available')."""
    usable = values[values.number.notna() & (values.rating != spec.not_available_rating) & (values.derived == 0)]
    wide = usable.pivot_table(index="la_code", columns="field_id", values="number", aggfunc="first")
    members: dict[tuple[str, str], list[str]] = {("London", "London"): [a.la_code for a in register]}
    for a in register:
        members.setdefault(("Hub", a.hub), []).append(a.la_code)
        members.setdefault(("Inner/Outer", a.inner_outer), []).append(a.la_code)
    out = {}
    for f in spec.indicators:
        ratio = f.parsed_expression.ratio if f.derived else None
        if ratio is None:
            continue
        for (kind, name), codes in members.items():
            both = wide.reindex(codes)[[ratio.numerator, ratio.denominator]].dropna()
            both = both[both[ratio.denominator] > 0]
            out[(kind, name, f.id)] = both[ratio.numerator].sum() / both[ratio.denominator].sum() * ratio.multiplier
    return out


@pytest.fixture(scope="session")
def group_ratios():
    """`ratios_by_group(values, spec, register)`: London and group figures recomputed from a values frame."""
    return ratios_by_group
