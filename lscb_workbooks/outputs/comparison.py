"""How each authority compares with London, its hub, and inner or outer London.

The master workbook, the borough profiles and the feedback workbooks all read
their figures from here, so that every output agrees. Rates and percentages
are recomputed from the counts boroughs entered (never trusted from the
file), and every group figure is a sum of numerators over a sum of
denominators, never an average of percentages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field as dataclass_field, replace
from functools import cached_property, lru_cache
from typing import Any, Collection

import numpy as np
import pandas as pd

from ..spec.models import Field, Spec
from ..spec.periods import parse_period
from ..spec.register import Register
from .disclosure import Protection, hide_protected, hide_values, is_small, protect_figures
from .trend_cache import PeriodValues, TrendCache
from .stats import (
    NOT_COMPARED,
    proportion_interval,
    quartile_and_rank,
    rate_interval,
    significance,
    spread,
)

SUPPRESSED = "c"
PROVIDED, MISSING, NOT_AVAILABLE, ESTIMATED, SUPPRESSED_STATUS = (
    "provided", "missing", "not available", "estimated", "suppressed"
)
# An authority with no return in use: nothing arrived, or what arrived was rejected. Neither is ever imputed.
NO_RETURN, REJECTED = "no return", "rejected: awaiting a corrected return"
SMALL_NUMBER = "small number"  # a rate or percentage on a denominator below the spec's threshold: not compared
GROUP_TYPES = ("London", "Hub", "Inner/Outer")
AUTHORITY_COLUMNS = [
    "la_code", "name", "hub", "inner_outer", "field_id", "value", "text", "numerator", "denominator",
    "lower", "upper", "rank", "quartile", "london", "hub_value", "vs_london", "vs_hub", "status",
    "rating", "comment", "returned", "suppressed", "small", "previous", "change", "trend", "previous_small_count",
]
GROUP_COLUMNS = [
    "group_type", "group", "label", "field_id", "value", "text", "numerator", "denominator", "lower",
    "upper", "authorities", "suppressed", "members",
]
SPREAD_COLUMNS = ["field_id", "lowest", "q1", "median", "q3", "highest", "n"]
TREND_COLUMNS = ["area_type", "area", "name", "hub", "field_id", "period", "value", "previous", "current_like",
                 "change", "direction", "authorities", "left_out", "previous_small_count"]


@dataclass
class Comparison:
    """Every authority and group, for every indicator of the spec, in one period."""

    spec: Spec
    register: Register
    period: str
    authorities: pd.DataFrame
    groups: pd.DataFrame
    spread: pd.DataFrame
    returned: list[str] = dataclass_field(default_factory=list)
    rejected: list[str] = dataclass_field(default_factory=list)
    inputs: dict[str, dict[str, float]] = dataclass_field(default_factory=dict, repr=False)
    trends: pd.DataFrame | None = dataclass_field(default=None, repr=False)  # from `with_trends`
    focus: Register | None = None  # a hub's own outputs: these authorities are shown, London is still all of London

    @property
    def shown(self) -> Register:
        """The authorities the outputs list: the hub's, for a hub's outputs, else every authority."""
        return self.focus if self.focus is not None else self.register

    def focused(self, focus: Register | None) -> "Comparison":
        """The same figures (London still from every return in use), with the outputs listing only `focus`."""
        return replace(self, focus=focus)
    protection: Protection | None = None  # what a suppressed comparison hides, for every other output to hide too

    def group_value(self, group_type: str, group: str, field_id: str) -> float:
        rows = self.groups[(self.groups.group_type == group_type) & (self.groups.group == group)
                           & (self.groups.field_id == field_id)]
        return float(rows.value.iloc[0]) if len(rows) else math.nan

    def for_field(self, field_id: str) -> pd.DataFrame:
        return self.authorities[self.authorities.field_id == field_id]

    def for_authority(self, la_code: str) -> pd.DataFrame:
        return self.authorities[self.authorities.la_code == str(la_code)]

    @cached_property
    def rows_by_authority(self) -> dict[str, dict[str, dict[str, Any]]]:
        """{la_code: {field_id: row}}: the same rows as `authorities`, for reading many times over."""
        rows: dict[str, dict[str, dict[str, Any]]] = {}
        for row in _row_dicts(self.authorities):
            rows.setdefault(row["la_code"], {})[row["field_id"]] = row
        return rows

    @cached_property
    def usable_by_field(self) -> dict[str, dict[str, dict[str, Any]]]:
        """{field_id: {la_code: row}} of the figures in use (provided or estimated, with a value)."""
        usable: dict[str, dict[str, dict[str, Any]]] = {}
        for la_code, by_field in self.rows_by_authority.items():
            for field_id, row in by_field.items():
                if row["status"] in (PROVIDED, ESTIMATED) and not _nan(row["value"]):
                    usable.setdefault(field_id, {})[la_code] = row
        return usable

    @cached_property
    def rows_by_group(self) -> dict[tuple[str, str], dict[str, dict[str, Any]]]:
        """{(group_type, group): {field_id: row}}."""
        rows: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        for row in _row_dicts(self.groups):
            rows.setdefault((row["group_type"], row["group"]), {})[row["field_id"]] = row
        return rows

    @cached_property
    def ranked_count(self) -> dict[str, int]:
        """{field_id: how many authorities are ranked}: the 'of N' of '5th of N'."""
        ranked = self.authorities[self.authorities["rank"].notna()]
        return {str(k): int(v) for k, v in ranked.groupby("field_id").size().items()}

    @cached_property
    def spread_by_field(self) -> dict[str, dict[str, Any]]:
        return {row["field_id"]: row for row in self.spread.to_dict("records")}

    def group_labels(self) -> list[tuple[str, str, str]]:
        """(group type, group, label) in reading order: London, the hubs, inner, outer.

        A hub's own outputs show London, its own hub, and inner and outer London.
        """
        seen = self.groups.drop_duplicates(["group_type", "group"])
        hubs = {a.hub for a in self.shown}
        return [(kind, group, label) for kind, group, label in zip(seen.group_type, seen.group, seen.label)
                if kind != "Hub" or group in hubs]


def _row_dicts(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """`frame.to_dict("records")`, built column by column: several times quicker on nullable columns."""
    columns = list(frame.columns)
    lists = [[None if v is pd.NA else v for v in frame[c].tolist()] if frame[c].hasnans else frame[c].tolist()
             for c in columns]
    return [dict(zip(columns, values)) for values in zip(*lists)]


def rejected_in(submissions: pd.DataFrame) -> list[str]:
    """Authorities that sent a return for the period that was rejected (those with one in use read as returned)."""
    if submissions.empty or "status" not in submissions:
        return []
    return sorted({str(la) for la in submissions[submissions.status == "rejected"].la_code.dropna()})


def conventions(spec: Spec, hub: str | None = None) -> list[tuple[str, str]]:
    """How the figures are worked out, in plain words, for the sheet that shows them."""
    rules = [
        ("What is compared", "Rates, percentages and scores are compared between areas. Counts are volumes: shown, "
                             "with London and group totals, but never ranked, put in quartiles, spine-charted or called "
                             "better or worse; their charts draw the median authority, not the London total. Where a "
                             "count has a natural population the spec adds its rate, and the rate is compared."),
        ("London and group figures", "London, hub, inner and outer London figures are sums of numerators over sums of "
                                     "denominators of the authorities whose figure is in use, never an average of "
                                     "percentages; a score's group figure is the median. Inner and outer London follow "
                                     "the ONS definition."),
        ("Intervals", "95% confidence intervals: Wilson score for percentages, Byar's method for rates (the exact "
                      "Poisson interval below 10 events), as OHID's Fingertips computes them (PHStatsMethods)."),
        ("Better, similar, worse", "An authority is better or worse than London (or its hub) only where its interval "
                                   "excludes London's figure, by whether higher is better; 'higher' or 'lower' where "
                                   "neither is better; 'similar' otherwise. The colours are the same everywhere."),
        ("Ranks", "Rank 1 is the best (the highest where neither is better). Ties share the best rank: 1, 2, 2, 4. "
                  "Only authorities whose figure is shown and not marked 'small number' are ranked, and '5th of 29' "
                  "says out of how many."),
        ("Quartiles and percentiles", "Quartiles follow OHID's quantile method on those ranks: counted from the worst, "
                                      "quartile = 5 - ceiling(4 x rank / highest rank), so Q1 is the best quarter. "
                                      "Percentiles (25th, median, 75th) interpolate linearly, as Excel's "
                                      "PERCENTILE.INC does."),
        ("Small numbers", f"A rate or percentage on a denominator below {spec.small_denominator} is shown with its "
                          "interval and marked 'small number' (*), but never ranked, put in a quartile, marked on a "
                          "spine chart or called better or worse: its interval is too wide for that."),
        ("Trends", "Changes for London, hubs, inner and outer London are worked out like for like, over the "
                   "authorities that returned in both periods (the Trends sheet names any left out). A change is an "
                   "improvement or a decline only where it is significant at 95% (the two periods' intervals do not "
                   "overlap, as Fingertips judges it); otherwise 'no significant change'. Counts and scores have no "
                   "interval, so their changes are only 'higher' or 'lower'."),
        ("Missing, rejected, not available", "Three different things, each shown in words and never filled in: 'no "
                                             "return' (nothing arrived); 'rejected: awaiting a corrected return' (a "
                                             "return arrived but had errors, so none of it is used); 'not available' "
                                             "(the borough said it cannot give the figure); 'missing' (left blank in a "
                                             "return in use). Group figures and ranks leave all of them out."),
    ]
    if hub:
        rules.insert(0, ("This hub's report", f"The {hub} hub's authorities, each compared with London as a whole "
                                              "(worked out from every return in use) and with the hub. Ranks and "
                                              "quartiles are within all of London."))
    return rules


# --- the values as received, with derived figures worked out again -------------------------------

def is_score(field: Field) -> bool:
    """A bounded self-assessment score (such as 0-3), not a count of children: groups take its median."""
    return field.unit == "score"


def is_small_number_count(field: Field) -> bool:
    """A count of children or events, which small-number suppression applies to."""
    return field.is_count


def is_small_denominator(field: Field, denominator: float, spec: Spec) -> bool:
    """A rate or percentage resting on fewer than the spec's threshold (default 30): shown, marked, never compared."""
    ratio = field.parsed_expression.ratio if field.derived else None
    return ratio is not None and not _nan(denominator) and float(denominator) < spec.small_denominator


@lru_cache(maxsize=256)
def _is_estimated(rating: str) -> bool:
    """A rating that says the figure is an estimate: a handful of ratings, asked about for every figure."""
    return str(rating or "").strip().lower().startswith("estimat")


def _form_values(values: pd.DataFrame, spec: Spec, period: str | None = None) -> pd.DataFrame:
    form_ids = {f.id for f in spec.form_fields}
    frame = values[values.field_id.isin(form_ids)]
    if period is not None:
        frame = frame[frame.period.astype(str) == str(period)]
    return frame


def _records(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[dict]:
    """Rows as plain dicts: far quicker to walk than a frame of pandas strings."""
    lists = {c: frame[c].tolist() if c in frame else [None] * len(frame) for c in columns}
    return [dict(zip(columns, row)) for row in zip(*lists.values())]


def _by_return(rows: list[dict]) -> dict[tuple[str, str], dict[str, dict]]:
    out: dict[tuple[str, str], dict[str, dict]] = {}
    for row in rows:
        out.setdefault((str(row["la_code"]), str(row["period"])), {})[row["field_id"]] = row
    return out


def _usable_inputs(rows_by_field: dict[str, dict], spec: Spec) -> dict[str, float]:
    """The collected numbers of one return that may be used: present and not marked 'Not available'."""
    out = {}
    for field_id, row in rows_by_field.items():
        f = spec.fields.get(field_id)
        number = row["number"]
        if f is None or f.derived or number is None or number != number or row["rating"] == spec.not_available_rating:
            continue
        out[field_id] = float(number)
    return out


def recompute_derived(values: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """The values frame with every derived figure worked out again from the counts of the same return.

    A derived row that a return lacks is added (with no sheet or cell); a
    suppressed ('c') derived value stays suppressed.
    """
    if values.empty:
        return values.copy()
    frame = values.reset_index(drop=True)
    numbers = pd.to_numeric(frame["number"], errors="coerce").astype(float).tolist()
    texts = frame["value"].astype(object).tolist()
    form_ids = {f.id for f in spec.form_fields}
    positions: dict[tuple[str, str], dict[str, int]] = {}
    for i, (la_code, period, field_id) in enumerate(zip(frame.la_code.tolist(), frame.period.tolist(),
                                                        frame.field_id.tolist())):
        if field_id in form_ids:
            positions.setdefault((str(la_code), str(period)), {})[field_id] = i
    ratings = frame["rating"].tolist()
    derived = [f for f in spec.form_fields if f.derived]
    added = []
    for (la_code, period), present in positions.items():
        inputs = _usable_inputs({k: {"number": numbers[i], "rating": ratings[i]} for k, i in present.items()}, spec)
        template = None
        for f in derived:
            number = f.parsed_expression.evaluate(inputs)
            if f.id in present:
                i = present[f.id]
                if texts[i] != SUPPRESSED:
                    numbers[i] = math.nan if number is None else float(number)
                    texts[i] = None if number is None else repr(float(number))
            else:
                template = template or frame.iloc[next(iter(present.values()))].to_dict()
                added.append({**template, "field_id": f.id, "number": math.nan if number is None else number,
                              "value": None if number is None else repr(float(number)), "rating": "", "comment": "",
                              "sheet": "", "cell": "", "derived": 1, "prefilled": "",
                              "section_id": spec.section_of(f.id).id})
    frame = frame.assign(number=numbers, value=pd.Series(texts, index=frame.index, dtype=object))
    if added:
        frame = pd.concat([frame, pd.DataFrame(added)], ignore_index=True)
    return frame


# --- one authority, one indicator ------------------------------------------------------------------

def _status(field: Field, rows_by_field: dict[str, dict], spec: Spec, of_rows: dict[str, str] | None = None) -> str:
    """Provided, estimated, not available, missing (or suppressed) for one field of one return.

    `of_rows` keeps each stored row's own status (`_row_status`) for the return's other fields, which ask
    for the same inputs."""
    own = rows_by_field.get(field.id, {})
    ids = field.parsed_expression.names if field.derived else [field.id]
    if of_rows is None:
        of_rows = {}
    statuses = []
    for field_id in ids:
        status = of_rows.get(field_id)
        if status is None:
            status = of_rows[field_id] = _row_status(rows_by_field.get(field_id), spec)
        statuses.append(status)
    if own.get("rating") == spec.not_available_rating:
        statuses.append(NOT_AVAILABLE)
    elif _is_estimated(own.get("rating", "")):
        statuses.append(ESTIMATED)
    if own.get("value") == SUPPRESSED:
        statuses.append(SUPPRESSED_STATUS)
    for status in (NOT_AVAILABLE, MISSING, SUPPRESSED_STATUS, ESTIMATED):
        if status in statuses:
            return status
    return PROVIDED


def _row_status(row: dict | None, spec: Spec) -> str:
    """One stored row's own status: missing, suppressed, not available, estimated or provided."""
    if row is None:
        return MISSING
    if row["value"] == SUPPRESSED:
        return SUPPRESSED_STATUS
    if row["rating"] == spec.not_available_rating:
        return NOT_AVAILABLE
    if _blank(row["number"]) and _blank(row["value"]):
        return MISSING
    if _is_estimated(row["rating"]):
        return ESTIMATED
    return PROVIDED


def interval(field: Field, numerator: float, denominator: float) -> tuple[float, float]:
    """The 95% interval for a derived ratio: Wilson for a percentage of a whole, Byar's for a rate."""
    ratio = field.parsed_expression.ratio if field.derived else None
    if ratio is None:
        return math.nan, math.nan
    if field.unit == "percentage" and ratio.multiplier == 100:
        return proportion_interval(numerator, denominator, multiplier=100)
    return rate_interval(numerator, denominator, per=ratio.multiplier)


def _authority_row(field: Field, inputs: dict[str, float], rows_by_field: dict[str, dict],
                   spec: Spec, with_intervals: bool = True, of_rows: dict[str, str] | None = None) -> dict:
    own = rows_by_field.get(field.id, {})
    status = _status(field, rows_by_field, spec, of_rows)
    value = numerator = denominator = math.nan
    text = None
    usable = status not in (NOT_AVAILABLE, MISSING, SUPPRESSED_STATUS)
    if field.derived:
        result = field.parsed_expression.evaluate(inputs) if usable else None
        value = math.nan if result is None else float(result)
        ratio = field.parsed_expression.ratio
        if ratio and usable:
            numerator = inputs.get(ratio.numerator, math.nan)
            denominator = inputs.get(ratio.denominator, math.nan)
    elif field.numeric:
        value = inputs.get(field.id, math.nan) if usable else math.nan
    elif usable and not _blank(own.get("value")):
        text = str(own["value"])
    lower, upper = (interval(field, numerator, denominator) if with_intervals and not math.isnan(value)
                    else (math.nan, math.nan))
    return {
        "field_id": field.id, "value": value, "text": text, "numerator": numerator,
        "denominator": denominator, "lower": lower, "upper": upper, "status": status,
        "rating": own.get("rating", "") or "", "comment": own.get("comment", "") or "",
    }


# --- groups ---------------------------------------------------------------------------------------

def _groups_of(register: Register) -> list[tuple[str, str, str, list[str]]]:
    groups = [("London", "London", "London", [a.la_code for a in register])]
    for hub in register.hubs:
        groups.append(("Hub", hub, f"{hub} hub", [a.la_code for a in register.in_hub(hub)]))
    for side in sorted({a.inner_outer for a in register}):
        groups.append(("Inner/Outer", side, f"{side} London", [a.la_code for a in register if a.inner_outer == side]))
    return groups


def _in_use(row: dict) -> bool:
    """A figure that counts towards its group's: provided or estimated, with a value (or an answer)."""
    return row["status"] in (PROVIDED, ESTIMATED) and (not _nan(row.get("value")) or row.get("text") is not None)


def _pooled(field: Field, members: list[dict], inputs_by_la: dict[str, dict[str, float]],
            with_intervals: bool = True, all_in_use: bool = False) -> dict:
    """One group's figure: summed inputs through the expression, summed counts, a median of scores.

    `all_in_use`: every member's figure is known to be in use (`_in_use`), so none is looked at again."""
    usable = members if all_in_use else [m for m in members if _in_use(m)]
    row = {"value": math.nan, "text": None, "numerator": math.nan, "denominator": math.nan,
           "lower": math.nan, "upper": math.nan, "authorities": len(usable),
           "members": tuple(m["la_code"] for m in usable)}
    if not usable:
        return row
    if field.derived:
        names = field.parsed_expression.names
        sums = {n: float(sum(inputs_by_la[m["la_code"]][n] for m in usable)) for n in names}
        result = field.parsed_expression.evaluate(sums)
        row["value"] = math.nan if result is None else float(result)
        ratio = field.parsed_expression.ratio
        if ratio:
            row["numerator"], row["denominator"] = sums[ratio.numerator], sums[ratio.denominator]
            if result is not None and with_intervals:
                row["lower"], row["upper"] = interval(field, row["numerator"], row["denominator"])
    elif is_score(field):
        row["value"] = float(np.median([m["value"] for m in usable]))
        row["text"] = "median"
    elif field.numeric:
        row["value"] = float(sum(m["value"] for m in usable))
    elif field.unit == "yes_no":
        answered = [m["text"] for m in usable if m.get("text") is not None]
        yes = sum(1 for t in answered if t == "Yes")
        row.update(value=float(yes), numerator=float(yes), denominator=float(len(answered)),
                   text=f"{yes} of {len(answered)} Yes")
    return row


def _blank(value) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def _nan(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# --- one period -----------------------------------------------------------------------------------

def compare_period(spec: Spec, register: Register, values: pd.DataFrame, period: str,
                   with_intervals: bool = True, fields: list[Field] | None = None,
                   rejected: Collection[str] = (), suppress: bool = False, ranked: bool = True) -> Comparison:
    """Every authority in the register against London, its hub and inner/outer London for one period.

    `values` is `Store.values_in_use(collection, period)` (other periods in it are ignored).
    `rejected` names the authorities whose only return for the period was rejected, so that
    they read 'rejected: awaiting a corrected return' rather than 'no return'.
    Without intervals (for trends, which show values only) nothing is called better or worse.
    With `suppress`, disclosure control hides small counts (and whatever would give them away)
    before anything is ranked, quartiled or spread, as if the hidden figures did not exist.
    `fields` are the spec's indicators unless given (an export also wants the population).
    Without `ranked` (an earlier period, for its trends), figures and intervals are worked out but
    nothing is ranked, benchmarked or spread: a trend compares an area with itself.
    """
    form = _form_values(values, spec, period) if not values.empty else values
    indicators = fields or spec.indicators
    returns, records, inputs_by_la = _authority_records(spec, register, form, indicators, rejected, with_intervals)
    groups = _compare_groups(indicators, register, records, inputs_by_la, with_intervals)
    authorities = pd.DataFrame.from_records(records).reindex(columns=AUTHORITY_COLUMNS)
    authorities["text"] = authorities["text"].astype(object)
    for column in ("value", "numerator", "denominator", "lower", "upper"):
        authorities[column] = pd.to_numeric(authorities[column], errors="coerce").astype(float)
    authorities["suppressed"] = authorities.status.eq(SUPPRESSED_STATUS)
    authorities["status"] = authorities.status.fillna(MISSING)
    authorities["previous"] = authorities["change"] = math.nan
    authorities["trend"] = "no comparison"
    authorities["previous_small_count"] = False
    protection = None
    if suppress:
        protection = _protect(spec, form, groups, {a.la_code for a in register})
        authorities, groups = hide_protected(authorities, groups, protection, inputs_of(spec))
    fields = spec.fields
    authorities["small"] = [is_small_denominator(fields[f], d, spec) and not math.isnan(v)
                            for f, d, v in zip(authorities.field_id, authorities.denominator, authorities.value)]

    if with_intervals and ranked:
        authorities = _rank_and_benchmark(spec, authorities, groups)
    else:  # values only, for trends: no ranks, and nothing called better or worse
        authorities = authorities.assign(london=math.nan, hub_value=math.nan, vs_london=NOT_COMPARED,
                                         vs_hub=NOT_COMPARED, rank=math.nan, quartile=math.nan)
    if ranked:
        by_field = dict(tuple(authorities.groupby("field_id", sort=False).value))
        spreads = pd.DataFrame.from_records(
            [{"field_id": f.id, **spread(by_field[f.id])} for f in indicators if f.numeric], columns=SPREAD_COLUMNS)
    else:
        spreads = pd.DataFrame(columns=SPREAD_COLUMNS)
    return Comparison(spec=spec, register=register, period=str(period), authorities=authorities,
                      groups=groups, spread=spreads, returned=sorted(returns),
                      rejected=sorted(set(rejected) - set(returns)), inputs=inputs_by_la, protection=protection)


def _authority_records(spec: Spec, register: Register, form: pd.DataFrame, indicators: list[Field],
                       rejected: Collection[str], with_intervals: bool,
                       ) -> tuple[dict[str, dict[str, dict]], list[dict], dict[str, dict[str, float]]]:
    """Each return's rows by field, each authority's row on each indicator, and each return's usable inputs."""
    if not form.empty:
        form = form.assign(number=pd.to_numeric(form["number"], errors="coerce").astype(float))
    returns = {la: rows for (la, _), rows in
               _by_return(_records(form, ("la_code", "period", "field_id", "value", "number", "rating", "comment"))).items()}
    records, inputs_by_la = [], {}
    for authority in register:
        rows_by_field = returns.get(authority.la_code)
        base = {"la_code": authority.la_code, "name": authority.name, "hub": authority.hub,
                "inner_outer": authority.inner_outer, "returned": rows_by_field is not None}
        if rows_by_field is None:
            absent = REJECTED if authority.la_code in set(rejected) else NO_RETURN
            for f in indicators:
                records.append({**base, "field_id": f.id, "status": absent, "rating": "", "comment": "",
                                "value": math.nan, "text": None})
            continue
        inputs = _usable_inputs(rows_by_field, spec)
        inputs_by_la[authority.la_code] = inputs
        of_rows: dict[str, str] = {}
        for f in indicators:
            records.append({**base, **_authority_row(f, inputs, rows_by_field, spec, with_intervals, of_rows)})
    return returns, records, inputs_by_la


def _group_figures(spec: Spec, register: Register, values: pd.DataFrame, period: str) -> pd.DataFrame:
    """Each group's figure on each indicator in one period, without intervals, and nothing about its
    authorities: what an earlier period's trend rows need where no figure is hidden. The figures are
    `compare_period`'s own, worked out the same way."""
    form = _form_values(values, spec, period) if not values.empty else values
    _, records, inputs_by_la = _authority_records(spec, register, form, spec.indicators, (), with_intervals=False)
    return _compare_groups(spec.indicators, register, records, inputs_by_la, with_intervals=False)


def _compare_groups(indicators: list[Field], register: Register, records: list[dict],
                    inputs_by_la: dict[str, dict[str, float]], with_intervals: bool = True) -> pd.DataFrame:
    in_use: dict[str, dict[str, dict]] = {}  # {field: {la_code: record}}, in register order
    for record in records:
        if _in_use(record):
            in_use.setdefault(record["field_id"], {})[record["la_code"]] = record
    out = []
    for group_type, group, label, members in _groups_of(register):
        for f in indicators:
            of_field = in_use.get(f.id, {})
            rows = [of_field[la] for la in members if la in of_field]
            out.append({"group_type": group_type, "group": group, "label": label, "field_id": f.id,
                        **_pooled(f, rows, inputs_by_la, with_intervals, all_in_use=True), "suppressed": False})
    groups = pd.DataFrame.from_records(out, columns=GROUP_COLUMNS)
    groups["text"] = groups["text"].astype(object)
    return groups


def verdicts_against(spec: Spec, authorities: pd.DataFrame, benchmark: pd.Series) -> list[str]:
    """Better, similar or worse (higher or lower) than `benchmark` (one value per row) by the interval, only
    where the spec compares the field this way, the figure is shown and its denominator is not small."""
    tested = {f.id for f in spec.indicators if "significance" in f.comparisons}
    out = []
    hidden = authorities.suppressed.fillna(False).astype(bool)
    for lo, up, b, f, small, gone in zip(authorities.lower, authorities.upper, benchmark,
                                         authorities.field_id, authorities.small, hidden):
        if f not in tested or gone:
            out.append(NOT_COMPARED)
        elif small:
            out.append(SMALL_NUMBER)
        else:
            out.append(significance(lo, up, b, spec.fields[f].polarity))
    return out


def rank_authorities(authorities: pd.DataFrame, spec: Spec, hidden: pd.Series | None = None) -> pd.DataFrame:
    """Rank and quartile of each authority's figure, among the figures that are shown and may be compared.

    Only fields whose spec compares them by rank (or quartile) are ranked; a
    figure on a small denominator, a suppressed figure, or one in `hidden`
    (a boolean per row) is left out, as if it did not exist, so the ranks of
    the others leave no gap where it was. Ties share the best rank (1, 2, 2, 4).
    """
    fields = spec.fields
    ranked = {f.id for f in spec.indicators if "rank" in f.comparisons}
    quartiled = {f.id for f in spec.indicators if "quartile" in f.comparisons}
    hidden = hidden if hidden is not None else pd.Series(False, index=authorities.index)
    left_out = (authorities.small.fillna(False).astype(bool) | authorities.suppressed.fillna(False).astype(bool)
                | hidden.astype(bool) | ~authorities.field_id.isin(ranked | quartiled))
    values = authorities.value.where(~left_out)
    polarity = authorities.field_id.map(lambda f: fields[f].polarity)
    out = quartile_and_rank(values, polarity, by=authorities.field_id)
    out.loc[~authorities.field_id.isin(ranked), "rank"] = pd.NA
    out.loc[~authorities.field_id.isin(quartiled), "quartile"] = pd.NA
    return out


def _rank_and_benchmark(spec: Spec, authorities: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    london = groups[groups.group_type == "London"].set_index("field_id").value
    hub_rows = groups[groups.group_type == "Hub"]
    hubs = dict(zip(zip(hub_rows.group, hub_rows.field_id), hub_rows.value))
    authorities = authorities.copy()
    authorities["london"] = authorities.field_id.map(london).astype(float)
    authorities["hub_value"] = [hubs.get((h, f), math.nan) for h, f in zip(authorities.hub, authorities.field_id)]
    authorities["hub_value"] = authorities["hub_value"].astype(float)
    authorities["vs_london"] = verdicts_against(spec, authorities, authorities.london)
    authorities["vs_hub"] = verdicts_against(spec, authorities, authorities.hub_value)
    ranked = rank_authorities(authorities, spec)
    authorities["rank"] = ranked["rank"]
    authorities["quartile"] = ranked["quartile"]
    return authorities


# --- periods side by side ---------------------------------------------------------------------------

NO_SIGNIFICANT_CHANGE, NO_COMPARISON, NO_CHANGE = "no significant change", "no comparison", "no change"


def with_trends(comparison: Comparison, values_all_periods: "pd.DataFrame | PeriodValues",
                cache: "TrendCache | None" = None, this_period_only: bool = False) -> Comparison:
    """The comparison with each authority's previous value, change and direction beside its current one,
    and the trends up to this one (`comparison.trends`): each authority's and each group's change in this
    period, and each group's value in every earlier one (what the outputs show: at national scale, years of
    every authority's trends would not fit, and working them out would take most of a run).

    `values_all_periods` is a long values frame of every period, or a `PeriodValues` that reads each
    period's only when it must be compared; with a `cache`, a period whose rows are known is not.
    `this_period_only`: the trends of this period alone (against the one before), which is all an
    authority's direction of travel needs; the trends of every period can follow in a second call.
    """
    source = values_all_periods if isinstance(values_all_periods, PeriodValues) \
        else PeriodValues.of_frame(values_all_periods)
    upto = parse_period(comparison.period).sort_key()
    periods = [p for p in source.periods if parse_period(p).sort_key() <= upto]
    if len(set(periods) | {comparison.period}) < 2:
        return replace(comparison, trends=pd.DataFrame(columns=TREND_COLUMNS))
    if this_period_only:
        periods = sorted(periods, key=lambda p: parse_period(p).sort_key())[-2:]
    trends = compare_trends(comparison.spec, comparison.register, replace(source, periods=periods),
                            {comparison.period: comparison}, suppress=comparison.protection is not None,
                            cache=cache, changes_for={comparison.period},
                            rows_for={comparison.period} if this_period_only else None)
    own = trends[(trends.area_type == "Authority") & (trends.period == comparison.period)]
    keyed = {(a, f): r for a, f, r in zip(own.area, own.field_id, own.to_dict("records"))}
    a = comparison.authorities.copy()
    found = [keyed.get((la, f), {}) for la, f in zip(a.la_code, a.field_id)]
    a["previous"] = [r.get("previous", math.nan) for r in found]
    a["change"] = [r.get("change", math.nan) for r in found]
    a["trend"] = [r.get("direction", NO_COMPARISON) for r in found]
    a["previous_small_count"] = [bool(r.get("previous_small_count", False)) for r in found]
    return replace(comparison, authorities=a, trends=trends)


def earlier_trends(spec: Spec, register: Register, source: "PeriodValues", period: str, suppress: bool,
                   cache: "TrendCache") -> None:
    """The trends of every period before `period` into `cache`, as `with_trends` asks for them when it adds
    `period`'s: they need nothing of `period`'s own comparison, so they are worked out while it is made.
    `suppress` as that comparison's (with disclosure control or not)."""
    upto = parse_period(period).sort_key()
    earlier = [p for p in source.periods if parse_period(p).sort_key() < upto]
    if earlier:
        compare_trends(spec, register, replace(source, periods=earlier), suppress=suppress, cache=cache,
                       changes_for={period})


def direction_of_travel(previous: dict | None, current: dict | None, field: Field, spec: Spec) -> str:
    """How a figure moved between two periods, judged as Fingertips judges it.

    `previous` and `current` hold `value`, `lower`, `upper` and `small`. A
    rate or percentage has improved or declined (by polarity; 'higher' or
    'lower' where neither is better) only where its two 95% intervals do not
    overlap; otherwise 'no significant change'. A count or score has no
    interval: it is only 'higher', 'lower' or 'no change'. A figure on a small
    denominator in either period is not compared.
    """
    if not previous or not current or _nan(previous.get("value")) or _nan(current.get("value")):
        return NO_COMPARISON
    if "significance" not in field.comparisons:
        change = float(current["value"]) - float(previous["value"])
        return NO_CHANGE if abs(change) < 1e-9 else ("higher" if change > 0 else "lower")
    if previous.get("small") or current.get("small"):
        return SMALL_NUMBER
    if _nan(previous.get("upper")) or _nan(current.get("lower")):
        return NO_COMPARISON
    if current["lower"] > previous["upper"]:
        side = "higher"
    elif current["upper"] < previous["lower"]:
        side = "lower"
    else:
        return NO_SIGNIFICANT_CHANGE
    if field.polarity == "higher_is_better":
        return "improving" if side == "higher" else "worsening"
    if field.polarity == "lower_is_better":
        return "improving" if side == "lower" else "worsening"
    return side


def compare_trends(spec: Spec, register: Register, values_all_periods: "pd.DataFrame | PeriodValues",
                   known: dict[str, Comparison] | None = None, suppress: bool = False,
                   cache: "TrendCache | None" = None, changes_for: Collection[str] | None = None,
                   rows_for: Collection[str] | None = None) -> pd.DataFrame:
    """Each authority and group, each indicator, each period: its value, and its change since the period before.

    An authority's change is its own. A group's value is the period's figure
    from every return in use; its `previous` and `current_like`, `change` and
    direction are worked out like for like, over the members whose figure is
    in use in both periods (`authorities` says how many; `left_out` names the
    members that returned in one period only). `known` may hold comparisons
    already made for some periods, so they are not made twice. With `suppress`, each period is
    under its own disclosure control first: a hidden figure of any period has no value, change
    or direction, and like-for-like totals rest only on figures shown.

    `values_all_periods` is a long values frame, or a `PeriodValues` read a period at a time. With a
    `cache` (and the source's digests), a period whose rows were worked out from the same returns is
    read back, and no period is compared for it. With `changes_for`, changes are worked out for those
    periods only; every other period has one row per group and indicator, with its value alone (a
    chart of groups over time needs no more), worked out from that period's returns alone. With
    `rows_for`, only those periods have rows; the others serve as the period before.
    """
    source = values_all_periods if isinstance(values_all_periods, PeriodValues) \
        else PeriodValues.of_frame(values_all_periods)
    periods = sorted(source.periods, key=lambda p: parse_period(p).sort_key())
    known = known or {}

    def compared(period: str) -> Comparison:
        return known.get(period) or compare_period(spec, register, source.read(period), period,
                                                   suppress=suppress, ranked=False)

    def group_figures(period: str) -> pd.DataFrame:
        if period in known or suppress:  # hidden figures need the whole comparison
            return compared(period).groups
        return _group_figures(spec, register, source.read(period), period)

    frames = []
    previous: str | None = None
    before: Comparison | None = None
    digests = {} if cache is None or source.digest is None else {p: source.digest(p) for p in periods}
    for period in periods:  # one period and the one before it at a time: years of periods never sit in memory
        if rows_for is not None and period not in rows_for:
            previous, before = period, None
            continue
        changes = changes_for is None or period in changes_for
        key = None
        if digests:
            key = cache.key(period, digests[period], previous, digests.get(previous)) if changes \
                else cache.key(period, digests[period], None, None, values_only=True)
        rows = cache.get(period, key) if key else None
        now = None
        if rows is None:
            if not changes:
                rows = _group_values(group_figures(period), period)
            else:
                now = compared(period)
                if before is None and previous is not None:
                    before = compared(previous)
                rows = pd.concat([_authority_trends(spec, now, before), _group_trends(spec, register, now, before)],
                                 ignore_index=True)
            if key:
                cache.put(period, key, rows)
        frames.append(rows)
        previous, before = period, now
    if not frames:
        return pd.DataFrame(columns=TREND_COLUMNS)
    trends = pd.concat(frames, ignore_index=True).reindex(columns=TREND_COLUMNS)
    for column in ("value", "previous", "current_like", "change"):
        trends[column] = trends[column].astype(float)
    return trends


def _group_values(g: pd.DataFrame, period: str) -> pd.DataFrame:
    """Each group's value on each indicator in one period (`g`, a comparison's groups), and nothing about its change."""
    return pd.DataFrame({
        "area_type": g.group_type, "area": g.group, "name": g.label,
        "hub": "", "field_id": g.field_id, "period": period, "value": g.value.astype(float),
        "previous": math.nan, "current_like": math.nan, "change": math.nan, "direction": NO_COMPARISON,
        "authorities": g.authorities, "left_out": "",
    }, columns=TREND_COLUMNS)


def _authority_trends(spec: Spec, now: Comparison, before: Comparison | None) -> pd.DataFrame:
    rows = []
    then = before.rows_by_authority if before is not None else {}
    for la_code, by_field in now.rows_by_authority.items():
        for field_id, row in by_field.items():
            old = then.get(la_code, {}).get(field_id)
            previous = math.nan if old is None else old["value"]
            rows.append({"area_type": "Authority", "area": la_code, "name": row["name"], "hub": row["hub"],
                         "field_id": field_id, "period": now.period, "value": row["value"], "previous": previous,
                         "current_like": row["value"], "change": row["value"] - previous,
                         "direction": direction_of_travel(old, row, spec.fields[field_id], spec),
                         "authorities": 1, "left_out": "",
                         "previous_small_count": old is not None and _on_small_count(spec.fields[field_id], old)})
    return pd.DataFrame(rows, columns=TREND_COLUMNS)


def _group_trends(spec: Spec, register: Register, now: Comparison, before: Comparison | None) -> pd.DataFrame:
    rows = []
    names = {a.la_code: a.name for a in register}
    for group_type, group, label, members in _groups_of(register):
        returned_once = sorted(set(members) & (set(now.returned) ^ set(before.returned))) if before else []
        left_out = ", ".join(names[m] for m in returned_once)
        for f in spec.indicators:
            current = now.rows_by_group.get((group_type, group), {}).get(f.id, {})
            like = _like_for_like(f, members, now, before) if before is not None else None
            old, new = like or ({}, {})
            rows.append({"area_type": group_type, "area": group, "name": label, "hub": "", "field_id": f.id,
                         "period": now.period, "value": current.get("value", math.nan),
                         "previous": old.get("value", math.nan), "current_like": new.get("value", math.nan),
                         "change": new.get("value", math.nan) - old.get("value", math.nan),
                         "direction": direction_of_travel(old, new, f, spec) if like else NO_COMPARISON,
                         "authorities": new.get("authorities", 0), "left_out": left_out})
    return pd.DataFrame(rows, columns=TREND_COLUMNS)


def _like_for_like(f: Field, members: list[str], now: Comparison, before: Comparison) -> tuple[dict, dict] | None:
    """A group's figure in both periods over the members whose figure is in use in both."""
    in_now, in_before = now.usable_by_field.get(f.id, {}), before.usable_by_field.get(f.id, {})
    both = [la for la in members if la in in_now and la in in_before]
    if not both:
        return None
    old = _pooled(f, [in_before[la] for la in both], before.inputs, all_in_use=True)
    new = _pooled(f, [in_now[la] for la in both], now.inputs, all_in_use=True)
    for figure in (old, new):
        figure["small"] = is_small_denominator(f, figure["denominator"], now.spec)
    return old, new


# --- disclosure control ------------------------------------------------------------------------------

def inputs_of(spec: Spec) -> dict[str, tuple[str, ...]]:
    """The counts each field rests on: a derived figure's inputs, else the field itself."""
    return {f.id: tuple(f.parsed_expression.names) if f.derived else (f.id,) for f in spec.form_fields}


def _protect(spec: Spec, form: pd.DataFrame, groups: pd.DataFrame, shown: set[str]) -> Protection:
    """What this period's shared figures must hide, worked out from every count the pack shows.

    Only the authorities `shown` (the register's) have their counts in the pack; any other
    member of a total is as unknown to its reader as a hidden one.
    """
    sensitive = {f.id for f in spec.form_fields if is_small_number_count(f)}
    cells = {} if form.empty else {
        (str(la), f): float(n) for la, f, n in zip(form.la_code, form.field_id, form.number)
        if f in sensitive and str(la) in shown and not _nan(n)}
    ratios = {f.id: (f.parsed_expression.ratio.numerator, f.parsed_expression.ratio.denominator)
              for f in spec.form_fields if f.derived and f.parsed_expression.ratio}
    return protect_figures(cells, groups, sensitive, ratios)


def suppressed_values(values: pd.DataFrame, spec: Spec, comparisons: list[Comparison]) -> pd.DataFrame:
    """The long values frame with every figure the comparisons' disclosure control hides shown as 'c'."""
    return hide_values(values, {c.period: c.protection for c in comparisons if c.protection is not None},
                       inputs_of(spec))


def _on_small_count(f: Field, row: dict) -> bool:
    """A count from 1 to 5, or a rate or percentage worked out from one."""
    if is_small_number_count(f):
        return is_small(row.get("value"))
    if f.derived:
        return is_small(row.get("numerator")) or is_small(row.get("denominator"))
    return False
