"""Pandera schemas built from the spec, never by hand, and their failures turned into issues.

All returns of a run are checked together (one row per return), lazily, so that
every problem is reported at once and checking 400 returns costs one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..spec.models import Field, Rule, Spec
from ..wording import figure
from .extract import ReturnData, TableRow, cell_issue
from .locate import CellRef

RATING = "__rating"
BAD = "__bad"
PREVIOUS = "__previous"
ANSWERED = "__answered"
IN_WINDOW = "__in_window"
CHANGE = "__change"
WINDOW_START, WINDOW_END = "__window_start", "__window_end"
USUAL = "__usual"
SHARE_OF_YEAR = "__share_of_year"
WITHIN_RULE = "__within_rule"
STACKED = "value"  # the one column of a stack of columns checked alike (`ReturnSchema`)


@dataclass(frozen=True)
class CheckMeaning:
    """What a pandera check means to a coordinator: its rule, severity and how to say it went wrong."""

    rule: str
    severity: str
    field_id: str
    explain: Callable[[ReturnData, object], str]
    related: tuple[str, ...] = ()


def column_for(f: Field) -> tuple[pa.Column, list[CheckMeaning]]:
    """The pandera column of a field: its type, bounds, whole numbers, choices and text length."""
    checks: list[tuple[pa.Check, CheckMeaning]] = []
    lo, hi = f.lower_bound, f.upper_bound
    if f.numeric and lo is not None:
        checks.append((pa.Check.ge(lo), CheckMeaning("below_minimum", "error", f.id, lambda d, v: (
            f"{_number(v)} is less than {_number(lo)}. "
            + ("Counts cannot be negative." if f.unit == "count" and lo == 0 else "Please check the figure.")))))
    if f.numeric and hi is not None:
        checks.append((pa.Check.le(hi), CheckMeaning("above_maximum", "error", f.id, lambda d, v: (
            f"{_number(v)} is more than the most allowed, {_number(hi)}. Please check the figure."))))
    if f.whole_number:
        checks.append((pa.Check(lambda s: s.isna() | (s % 1 == 0), name="whole_number"), CheckMeaning(
            "not_whole_number", "error", f.id, lambda d, v: f"{_number(v)} is not a whole number. Counts are whole numbers.")))
    if f.options:
        checks.append((pa.Check.isin(list(f.options)), CheckMeaning("not_a_choice", "error", f.id, lambda d, v: (
            f"'{v}' is not one of the choices ({', '.join(f.options)}). Pick one from the list."))))
    if f.unit == "text":
        checks.append((pa.Check.str_length(max_value=f.max_length), CheckMeaning("text_too_long", "error", f.id, lambda d, v: (
            f"the text is {len(str(v)):,} characters long; the most allowed is {f.max_length:,}. Please shorten it."))))
    column = pa.Column(float if f.numeric else None, nullable=not f.required, checks=[c for c, _ in checks])
    return column, [m for _, m in checks]


class ReturnSchema:
    """The pandera schema of one collection's forms, with the meaning of each check.

    The frame has a column per field and per condition on it (`frame`). Its columns that are checked
    alike (the counts, never below 0 and whole; every field's 'required' condition; every rating) are
    checked together, stacked into one column: pandera's time goes on each column it checks, so a pass
    costs the same few dozen columns whatever the spec holds, and even one return is checked quickly.
    """

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.column_meanings: dict[tuple[str, int], CheckMeaning] = {}
        columns = {f.id: self._form_column(f) for f in spec.form_fields if not f.derived}
        # Per-field conditions that look at more than one column (the rating, the previous period, the
        # period's dates, the spec's rules between fields) are worked out in `frame` and checked as columns.
        columns |= {f"{f.id}{ANSWERED}": self._required_column(f)
                    for f in spec.form_fields if f.required and not f.derived}
        columns |= {f"{f.id}{IN_WINDOW}": self._date_window_column(f) for f in spec.form_fields if f.unit == "date"}
        columns |= {f"{f.id}{CHANGE}": self._plausibility_column(f) for f in self._plausible_fields}
        columns |= {f"{f.id}{USUAL}": self._usual_column(f) for f in spec.form_fields if f.plausible}
        for f in spec.form_fields:
            if self._rated(f):
                columns[f"{f.id}{RATING}"] = self._meant(f"{f.id}{RATING}", CheckMeaning(
                    "rating_choice", "error", f.id,
                    lambda data, value: f"the data-quality rating '{value}' is not one of: {', '.join(spec.ratings)}. "
                                        "Pick one from the list."),
                    [pa.Check.isin(spec.ratings + [""])], dtype=None, nullable=True)
        columns |= {_rule_column(r): self._rule_column(r) for r in spec.all_rules}
        # Each return's issues come top to bottom of its form: by field, then column (the figure's own checks
        # first, then its conditions, its rating, the rules it leads), then check.
        place = {f.id: position for position, f in enumerate(spec.form_fields)}
        field_of = {name: meaning.field_id for (name, _), meaning in self.column_meanings.items()}
        self.order = {name: (place[field_of.get(name, name)], position) for position, name in enumerate(columns)}
        alike: dict[str, tuple[pa.Column, list[str]]] = {}
        for name, column in columns.items():
            checked = repr((str(column.dtype), column.nullable, [(c.name, c.statistics) for c in column.checks]))
            alike.setdefault(checked, (column, []))[1].append(name)
        self.stacks = [(pa.DataFrameSchema({STACKED: pa.Column(column.dtype, nullable=column.nullable,
                                                                checks=column.checks)}), names)
                       for column, names in alike.values()]

    def _form_column(self, f: Field) -> pa.Column:
        """Form columns are nullable: whether a blank is allowed depends on the rating too."""
        column, meanings = column_for(f)
        for number, meaning in enumerate(meanings):
            self.column_meanings[(f.id, number)] = meaning
        return pa.Column(column.dtype, nullable=True, checks=column.checks)

    def _rated(self, f: Field) -> bool:
        return self.spec.section_of(f.id).rated and not f.derived

    @property
    def _plausible_fields(self) -> list[Field]:
        return [f for f in self.spec.form_fields if f.unit == "count" and not f.derived]

    def _meant(self, column: str, meaning: CheckMeaning, checks: list[pa.Check], dtype: object = bool,
               nullable: bool = False) -> pa.Column:
        self.column_meanings[(column, 0)] = meaning
        return pa.Column(dtype, nullable=nullable, checks=checks)

    def _required_column(self, f: Field) -> pa.Column:
        not_available = self.spec.not_available_rating
        advice = (f"Enter the figure, or choose '{not_available}' under Data quality and say why in the comment."
                  if self._rated(f) else "Please fill it in.")
        return self._meant(f"{f.id}{ANSWERED}", CheckMeaning(
            "required", "error", f.id, lambda d, v: f"this is required but is empty. {advice}"),
            [pa.Check(lambda s: s, name="required")])

    def _rule_column(self, rule: Rule) -> pa.Column:
        return self._meant(_rule_column(rule), CheckMeaning(
            rule.id, rule.severity, rule.fields[0], lambda d, v: _rule_message(self.spec, rule, d),
            related=(*rule.fields, rule.limit)), [pa.Check(lambda s: s, name="within_rule")])

    def _date_window_column(self, f: Field) -> pa.Column:
        return self._meant(f"{f.id}{IN_WINDOW}", CheckMeaning(
            "date_outside_window", "error", f.id, lambda d, v: (
                f"{d.form[f.id].parsed.text} is outside the dates this return can be signed off "
                f"({d.period.sign_off_window[0]:%d/%m/%Y} to {d.period.sign_off_window[1]:%d/%m/%Y}). "
                "Please check the date.")),
            [pa.Check(lambda s: s, name="date_in_window")])

    def _plausibility_column(self, f: Field) -> pa.Column:
        ratio = self.spec.plausibility.max_ratio
        return self._meant(f"{f.id}{CHANGE}", CheckMeaning(
            "implausible_change", "warning", f.id, lambda d, v: _change_message(d, f, ratio)),
            [pa.Check.in_range(1 / ratio, ratio)], dtype=float, nullable=True)

    def _usual_column(self, f: Field) -> pa.Column:
        return self._meant(f"{f.id}{USUAL}", CheckMeaning(
            "outside_usual_range", "warning", f.id, lambda d, v: usual_range_message(d, f)),
            [pa.Check(lambda s: s, name="within_usual_range")])

    def frame(self, returns: list[ReturnData]) -> pd.DataFrame:
        """One row per return, built a column at a time (a field's cells from every return at once), its
        conditions worked out on the columns' arrays, and made into a frame once."""
        rows = len(returns)
        windows = [data.period.sign_off_window for data in returns]
        columns: dict[str, object] = {
            WINDOW_START: [start.isoformat() for start, _ in windows],
            WINDOW_END: [end.isoformat() for _, end in windows],
            SHARE_OF_YEAR: np.array([data.period.share_of_year for data in returns], dtype=float),
        }
        numbers: dict[str, np.ndarray] = {}  # after every other column, in the order of the spec's fields
        for f in self.spec.form_fields:
            if f.derived:
                continue
            cells = [data.form[f.id] for data in returns]
            if f.numeric:
                numbers[f.id] = _floats_of([c.parsed.number for c in cells])
                numbers[f"{f.id}{PREVIOUS}"] = _floats_of([data.previous.get(f.id) for data in returns])
            else:
                columns[f.id] = [c.parsed.text for c in cells]
            columns[f"{f.id}{BAD}"] = np.fromiter((c.parsed.problem is not None for c in cells), bool, rows)
            if self._rated(f):
                columns[f"{f.id}{RATING}"] = [c.rating for c in cells]
            if not f.numeric:
                columns[f"{f.id}{PREVIOUS}"] = [data.previous.get(f.id) for data in returns]
        for f in self.spec.form_fields:
            if f.derived and f.plausible:
                numbers[f.id] = _floats_of([data.derived_value(f) for data in returns])
        arrays = {**columns, **numbers}
        return pd.DataFrame({**arrays, **self._conditions(arrays, rows)}, index=pd.RangeIndex(rows))

    def _conditions(self, d: dict[str, object], rows: int) -> dict[str, np.ndarray]:
        """The columns behind the required, date-window, plausibility and rule checks, from the frame's columns
        (`d`, arrays and lists by name): a few hundred pandas operations cost more than the checks themselves."""
        not_available = self.spec.not_available_rating
        conditions: dict[str, np.ndarray] = {}
        for f in self.spec.form_fields:
            if f.derived:
                continue
            if f.required:
                answered = pd.notna(d[f.id]) | d[f"{f.id}{BAD}"]
                if self._rated(f):
                    answered |= np.asarray(d[f"{f.id}{RATING}"], dtype=object) == not_available
                conditions[f"{f.id}{ANSWERED}"] = np.asarray(answered, dtype=bool)
            if f.unit == "date":  # dates as text: compared as pandas compares text, a blank never inside
                dates = pd.Series(d[f.id], dtype=object)
                inside = (dates >= pd.Series(d[WINDOW_START])) & (dates <= pd.Series(d[WINDOW_END]))
                conditions[f"{f.id}{IN_WINDOW}"] = (dates.isna().to_numpy() | d[f"{f.id}{BAD}"]
                                                    | inside.to_numpy(dtype=bool))
        bounds = self.spec.plausibility
        for f in self._plausible_fields:
            now, before = _floats(d[f.id]), _floats(d[f"{f.id}{PREVIOUS}"])
            small = (np.nan_to_num(now) < bounds.min_base) & (np.nan_to_num(before) < bounds.min_base)
            # A negative count is already an error of its own; a change from it means nothing.
            compared = ~np.isnan(now) & ~np.isnan(before) & ~small & (now >= 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                change = np.where(before != 0, now / before, np.inf)
            conditions[f"{f.id}{CHANGE}"] = np.where(compared, change, np.nan)
        for f in self.spec.form_fields:
            if f.plausible:
                conditions[f"{f.id}{USUAL}"] = within_usual_range(self.spec, f, d, rows)
        for rule in self.spec.all_rules:  # the parts' total is no more than the limit, where all are there
            parts = np.column_stack([_floats(d[name]) for name in rule.fields]) if rows else np.empty((0, 1))
            total = np.where(np.isnan(parts).any(axis=1), np.nan, parts.sum(axis=1))
            with np.errstate(invalid="ignore"):
                conditions[_rule_column(rule)] = ~(total > _floats(d[rule.limit]))
        return conditions

    def failures(self, frame: pd.DataFrame) -> pd.DataFrame | None:
        """pandera's failure cases over `frame` (made by `frame`), each with its column and row: row by row,
        each top to bottom of the form; None where every check passes. Needs no more than the
        spec and the frame, so that another process can run the checks (see `record`)."""
        rows, found = len(frame), []
        for schema, names in self.stacks:
            cases = _failure_cases(schema, pd.DataFrame({
                STACKED: np.concatenate([frame[name].to_numpy() for name in names])}))
            cases = None if cases is None else cases[cases["index"].notna()]
            if cases is None or cases.empty:
                continue
            at = cases["index"].to_numpy(dtype=np.int64)
            found.append(cases.assign(column=[names[i] for i in at // rows], index=at % rows))
        if not found:
            return None
        failures = pd.concat(found, ignore_index=True)
        field, column = zip(*failures["column"].map(self.order))
        order = (failures["check_number"].fillna(-1), column, field, failures["index"])  # the last sorts first
        return failures.iloc[np.lexsort(order)].reset_index(drop=True)

    def record(self, failures: pd.DataFrame | None, returns: list[ReturnData]) -> None:
        """Adds an issue to each of `returns` (those `frame` was made of) for each of its `failures`."""
        if failures is None:
            return
        seen: set[tuple] = set()
        for failure in failures.itertuples(index=False):
            meaning = self.column_meanings.get((failure.column, int(failure.check_number)))
            if meaning is None:
                continue
            key = (int(failure.index), meaning.rule, meaning.field_id)
            if key in seen:
                continue
            seen.add(key)
            data = returns[int(failure.index)]
            where = data.form[meaning.field_id].where
            f = self.spec.fields[meaning.field_id]
            data.issues.append(cell_issue(meaning.severity, meaning.rule, f, where,
                                          meaning.explain(data, failure.failure_case)))


def _failure_cases(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame | None:
    """pandera's failure cases of `schema` over `frame`, every one at once; None where every check passes."""
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return errors.failure_cases
    return None


def _rule_column(rule: Rule) -> str:
    return f"{rule.id}{WITHIN_RULE}"


def _floats_of(values: list) -> np.ndarray:
    """A numeric column: figures, with None as NaN; anything that is not a figure (never expected) as NaN too."""
    try:
        return np.array(values, dtype=float)
    except (TypeError, ValueError):
        return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float)


class TableSchema:
    """The pandera schema of one table's rows in use: required columns filled, choices from the list, text
    within length; with the meaning of each check."""

    def __init__(self, spec: Spec, section) -> None:
        self.spec, self.section = spec, section
        columns, self.meanings = {}, {}
        for f in section.fields:
            columns[f.id], checks = column_for(f)
            self.meanings.update({(f.id, number): meaning for number, meaning in enumerate(checks)})
        self.schema = pa.DataFrameSchema(columns, strict=False)

    def rows(self, returns: list[ReturnData]) -> list[tuple[ReturnData, TableRow]]:
        return [(data, row) for data in returns for row in data.tables.get(self.section.id, [])]

    def frame(self, returns: list[ReturnData]) -> pd.DataFrame | None:
        """One row per table row in use in `returns`; None where there is none."""
        rows, fields = self.rows(returns), self.section.fields
        if not rows:
            return None
        frame = pd.DataFrame([{f.id: (row.values[f.id].number if f.numeric else row.values[f.id].text)
                               for f in fields} for _, row in rows])
        for f in fields:
            if f.numeric:
                frame[f.id] = pd.to_numeric(frame[f.id], errors="coerce").astype(float)
        return frame

    def failures(self, frame: pd.DataFrame) -> pd.DataFrame | None:
        return _failure_cases(self.schema, frame)

    def record(self, failures: pd.DataFrame | None, returns: list[ReturnData]) -> None:
        if failures is None:
            return
        rows, spec = self.rows(returns), self.spec
        failures = failures[failures["index"].notna()]
        for failure in failures.itertuples(index=False):
            data, row = rows[int(failure.index)]
            f = spec.fields[failure.column]
            where: CellRef = row.where[f.id]
            if failure.check == "not_nullable":
                if row.values[f.id].problem:
                    continue  # already reported for what the cell holds (an error, a formula): not empty
                what = f"this row is in use, so '{f.label}' is needed. Please fill it in, or clear the whole row."
                rule = "required"
            else:
                meaning = self.meanings.get((failure.column, int(failure.check_number)))
                if meaning is None:
                    continue
                what, rule = meaning.explain(data, failure.failure_case), meaning.rule
            if row.row_id:
                data.issues.append(cell_issue("error", rule, f, where, what, self.section.fixed_row(row.row_id)))
                continue
            issue = cell_issue("error", rule, f, where, what)
            issue.message = f"Row {row.number} of '{self.section.title}', " + issue.message.split(", ", 1)[1]
            data.issues.append(issue)


class ReturnChecks:
    """Every pandera check of one collection's returns: the form's (`ReturnSchema`), then each table's.

    `frames` (this process) and `record` (this process) need the returns; `failures`, the checks themselves,
    needs no more than the spec and the frames, so that another process can run them meanwhile.
    """

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.form = ReturnSchema(spec)
        self.tables = [TableSchema(spec, section) for section in spec.sections if section.kind == "table"]

    def validate(self, returns: list[ReturnData]) -> None:
        """Adds an issue to each return for every failure pandera finds."""
        self.record(self.failures(self.frames(returns)), returns)

    def frames(self, returns: list[ReturnData]) -> list[pd.DataFrame | None]:
        """What the checks look at: the form's frame, then each table's; None where there is nothing."""
        return [self.form.frame(returns) if returns else None] + [table.frame(returns) for table in self.tables]

    def failures(self, frames: list[pd.DataFrame | None]) -> list[pd.DataFrame | None]:
        return [None if frame is None else schema.failures(frame)
                for schema, frame in zip([self.form, *self.tables], frames, strict=True)]

    def record(self, failures: list[pd.DataFrame | None], returns: list[ReturnData]) -> None:
        for schema, found in zip([self.form, *self.tables], failures, strict=True):
            schema.record(found, returns)


def _rule_message(spec: Spec, rule: Rule, data: ReturnData) -> str:
    limit = spec.fields[rule.limit]
    limit_cells = data.form[rule.limit]
    parts = [data.form[f] for f in rule.fields]
    total = sum(p.parsed.number or 0 for p in parts)
    if len(rule.fields) == 1:
        what = f"{_number(total)} is more than the {_number(limit_cells.parsed.number)} in '{limit.label}' ({limit_cells.where.a1})."
    else:
        names = " + ".join(f"{spec.fields[f].label} ({data.form[f].where.a1})" for f in rule.fields)
        what = f"{names} come to {_number(total)}, more than the {_number(limit_cells.parsed.number)} in '{limit.label}' ({limit_cells.where.a1})."
    return f"{what} {rule.message or 'Check both figures.'}".strip()


def _change_message(data: ReturnData, f: Field, ratio: float) -> str:
    now, before = data.form[f.id].parsed.number, data.previous.get(f.id)
    change = "more than doubled" if now > before else "fallen by more than half"
    if ratio != 2:
        change = f"changed more than {ratio:g}-fold"
    return (f"{_number(now)} has {change} since {data.period.previous()}, when it was {_number(before)}. "
            "Please check it; if it is right, say why in the comment.")


def within_usual_range(spec: Spec, f: Field, columns: dict[str, object], rows: int) -> np.ndarray:
    """True where a field's figure lies in its usual range, or is not one to judge: for each of `rows` returns,
    from the frame's `columns` (arrays and lists by name, as `ReturnSchema.frame` makes them).

    Not judged: a blank, a figure that is already an error (outside its hard
    limits, a numerator over its denominator, text in a number box), and a
    percentage on a denominator below the spec's small_denominator, which
    swings too widely on a handful of children. A rate, or a count per 10,000,
    is judged by its count, allowing for chance (two standard deviations of a
    Poisson count at the range's edge), so that the City of London's few
    children do not raise a warning for a single case more or less.
    """
    usual = f.plausible
    scale = _floats(columns[SHARE_OF_YEAR]) if usual.in_a_year else np.ones(rows)
    low = scale * (-np.inf if usual.min is None else usual.min)
    high = scale * (np.inf if usual.max is None else usual.max)
    value = _floats(columns[f.id])
    judged = ~np.isnan(value)
    hard_low, hard_high = f.hard_bounds
    if hard_low is not None:
        judged &= value >= hard_low
    if hard_high is not None:
        judged &= value <= hard_high
    if not f.derived:
        judged &= ~np.asarray(columns[f"{f.id}{BAD}"], dtype=bool)
    counted = _counted(f, usual.per_10000_of)
    if counted is not None:
        numerator, denominator, multiplier = counted
        count, base = _floats(columns[numerator]), _floats(columns[denominator])
        judged &= ~np.isnan(count) & (base > 0)
        if multiplier != 100:  # a rate: judged by its count, allowing for chance
            with np.errstate(invalid="ignore"):  # an open end of the range is infinite; a missing base is no figure
                expected_low, expected_high = low * base / multiplier, high * base / multiplier
                fewest = expected_low - 2 * np.sqrt(np.clip(expected_low, 0, None))
                most = expected_high + 2 * np.sqrt(np.clip(expected_high, 0, None))
            return ~judged | ((count >= fewest) & (count <= most))
        judged &= (base >= spec.small_denominator) & (count <= base)
    return ~judged | ((value >= low) & (value <= high))


def _floats(column: object) -> np.ndarray:
    return np.asarray(column, dtype=float)


def _counted(f: Field, per_10000_of: str | None) -> tuple[str, str, float] | None:
    """(count, denominator, multiplier) for a figure worked out from a count, else None."""
    if per_10000_of:
        return f.id, per_10000_of, 10_000
    ratio = f.parsed_expression.ratio if f.derived else None
    return (ratio.numerator, ratio.denominator, ratio.multiplier) if ratio else None


def usual_range_message(data: ReturnData, f: Field) -> str:
    """What a coordinator reads: the figure, the usual range for this period, and what to do."""
    usual = f.plausible
    low, high = usual.for_period(data.period.share_of_year)
    value = data.derived_value(f) if f.derived else data.number(f.id)
    if usual.per_10000_of:
        base = data.form[usual.per_10000_of]
        rate = value / base.parsed.number * 10_000
        figure = (f"{_number(value)} ({_rounded(rate)} per 10,000 of '{data.spec.fields[usual.per_10000_of].short}' "
                  f"in {base.where.a1})")
    elif f.derived:
        ratio = f.parsed_expression.ratio
        inputs = [ratio.numerator, ratio.denominator] if ratio else f.parsed_expression.names
        figure = f"{_shown(value, f)} (worked out from {' and '.join(data.form[n].where.a1 for n in inputs)})"
    else:
        figure = _shown(value, f)
    per = " per 10,000" if usual.per_10000_of or f.unit == "rate_per_10000" else ""
    span = (f"{_shown(low, f)} to {_shown(high, f)}" if low is not None and high is not None
            else f"at least {_shown(low, f)}" if low is not None else f"at most {_shown(high, f)}")
    when = f" in a {data.period.kind}" if usual.in_a_year else ""
    check = ("the figures; if they are" if f.derived or usual.per_10000_of else "the figure; if it is")
    return (f"{figure} is outside the usual range for a London borough ({span}{per}{when}). Please check "
            f"{check} right, say why in the comment.")


def _shown(value: float, f: Field) -> str:
    return f"{_rounded(value)}%" if f.unit == "percentage" else _rounded(value)


def _rounded(value: float) -> str:
    """A worked-out figure as a person writes it: 1,234; 45.6; 0.12 (and, like every figure, 1E+20 at most)."""
    if abs(value) >= 100 or float(value).is_integer():
        return figure(round(value) if np.isfinite(value) else value)
    return f"{value:.1f}" if abs(value) >= 1 else f"{value:.2g}"


def _number(value: object) -> str:
    """A figure as typed, as every message quotes it (see `figure`); anything else as it is."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return figure(number)
