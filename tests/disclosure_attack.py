"""An attacker with a suppressed pack, the register and nothing else: what hidden counts can be worked back out?

Every route tried here reads the files as written (openpyxl for cells and
tables, the zip's own XML for hidden sheets, chart caches, drawings, defined
names and properties, csv for values.csv). `attack(pack, ...)` returns every
small count it recovered, with the route; a safe pack gives an empty list.
"""

from __future__ import annotations

import csv
import re
import zipfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Iterable

import openpyxl
from openpyxl.utils import range_boundaries

from lscb_workbooks.outputs.comparison import is_small_number_count
from lscb_workbooks.spec.models import Spec
from lscb_workbooks.spec.register import Register

HIDDEN = "c"
GROUP_LABEL = re.compile(r"^(London|(?P<hub>.+) hub|(?P<side>Inner|Outer) London)$")


@dataclass
class Leak:
    la_code: str
    field_id: str
    value: float
    route: str


@dataclass
class Knowledge:
    """What the pack shows: counts by authority, totals over groups, and the cells shown as 'c'."""

    known: dict[tuple[str, str], Fraction] = field(default_factory=dict)
    hidden: set[tuple[str, str]] = field(default_factory=set)
    totals: list[tuple[str, str, frozenset[str], Fraction]] = field(default_factory=list)  # field, route, members, sum
    derived: list[Leak] = field(default_factory=list)
    routes: dict[tuple[str, str], str] = field(default_factory=dict)
    usable: dict[str, set[str]] = field(default_factory=dict)  # field -> authorities with a figure or 'c'
    listed: dict[str, set[str]] = field(default_factory=dict)  # field -> authorities the pack lists at all
    exposures: list[str] = field(default_factory=list)  # what gives something away without a number

    def learn(self, la_code: str, field_id: str, value, route: str) -> None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            key = (la_code, field_id)
            if key not in self.known:
                self.known[key] = Fraction(value).limit_denominator(10_000)
                self.routes[key] = route
        elif value == HIDDEN:
            self.hidden.add((la_code, field_id))


def attack(pack: Path, spec: Spec, register: Register, truth: dict[tuple[str, str], float]) -> tuple[list[Leak], list[str]]:
    """Every count from 1 to 5 in `truth` ((la_code, field_id) -> count) that the pack gives away, and
    every other exposure found on the way (an interval beside a 'c', a rank that leaves a gap...)."""
    small = {k: v for k, v in truth.items() if 1 <= v <= 5 and _is_count(spec, k[1])}
    k = Knowledge()
    names = {a.name: a.la_code for a in register}
    _read_values_csv(pack / "values.csv", k)
    for path in [pack / "master.xlsx", *sorted((pack / "profiles").glob("*.xlsx"))]:
        tables = list(tables_of(path))
        _read_tables(path, tables, spec, register, names, k)
        _check_ranks(path, tables, spec, k, len(register))
    leaks = [Leak(la, f, float(v), k.routes[(la, f)]) for (la, f), v in k.known.items()
             if (la, f) in small and v == small[(la, f)]]
    leaks += [x for x in _solve(k) if (x.la_code, x.field_id) in small and x.value == small[(x.la_code, x.field_id)]]
    leaks += [x for x in k.derived if (x.la_code, x.field_id) in small and x.value == small[(x.la_code, x.field_id)]]
    return leaks, k.exposures


def _is_count(spec: Spec, field_id: str) -> bool:
    f = spec.fields.get(field_id)
    return f is not None and is_small_number_count(f)


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# --- reading ------------------------------------------------------------------------------------------

def _read_values_csv(path: Path, k: Knowledge) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            value = row["value"]
            try:
                k.learn(row["la_code"], row["field_id"], float(value), "values.csv")
            except ValueError:
                k.learn(row["la_code"], row["field_id"], value, "values.csv")


def tables_of(path: Path) -> Iterable[tuple[str, str, list[str], list[list]]]:
    """(sheet, table name, headers, rows) for every Excel table in the workbook, hidden sheets too."""
    book = openpyxl.load_workbook(path)
    for ws in book.worksheets:
        for name, ref in ws.tables.items():
            min_col, min_row, max_col, max_row = range_boundaries(ref if isinstance(ref, str) else ref.ref)
            cells = [[ws.cell(r, c).value for c in range(min_col, max_col + 1)] for r in range(min_row, max_row + 1)]
            yield ws.title, name, [str(h) for h in cells[0]], cells[1:]


def _read_tables(path: Path, tables: list, spec: Spec, register: Register, names: dict[str, str], k: Knowledge) -> None:
    profile_of = names.get(re.sub(r"^\d+-", "", path.stem).replace("_", " ")) if path.parent.name == "profiles" else None
    by_la = {a.la_code: a for a in register}
    for sheet, name, headers, rows in tables:
        route = f"{path.name}: {sheet}: {name}"
        if sheet == "Data" and "Reference" in headers:
            i, r, v = headers.index("Code"), headers.index("Reference"), headers.index("Value")
            for row in rows:
                if row[i]:
                    k.learn(str(row[i]), row[r], row[v], route)
            continue
        if profile_of and "Ref" in headers and "Value" in headers:
            r, v = headers.index("Ref"), headers.index("Value")
            for row in rows:
                k.learn(profile_of, row[r], row[v], route)
            continue
        field_id = _field_of_table(name, spec)
        if field_id is None:
            continue
        f = spec.fields[field_id]
        ratio = f.parsed_expression.ratio if f.derived else None
        if headers[0] == "Authority":
            _read_authorities(f, ratio, headers, rows, names, k, route)
        elif headers[0] == "London and groups":
            _read_groups(f, ratio, headers, rows, register, by_la, k, route)


def _field_of_table(name: str, spec: Spec) -> str | None:
    """`maltreatment_CP_START` -> CP_START; `..._groups` likewise."""
    stem = re.sub(r"_groups(_\d+)?$", "", name)
    for theme in spec.themes:
        if stem.startswith(theme.id + "_") and stem[len(theme.id) + 1:] in spec.fields:
            return stem[len(theme.id) + 1:]
    return None


def _read_authorities(f, ratio, headers, rows, names, k: Knowledge, route: str) -> None:
    members = k.usable.setdefault(f.id, set())
    for row in rows:
        la = names.get(row[0])
        if la is None:
            continue
        k.listed.setdefault(f.id, set()).add(la)
        cells = dict(zip(headers, row))
        value = cells.get("Value")
        if _number(value) or value == HIDDEN:
            members.add(la)
        if ratio is None:
            k.learn(la, f.id, value, route)
            continue
        numerator, denominator = cells.get("Numerator"), cells.get("Denominator")
        k.learn(la, ratio.numerator, numerator, route)
        k.learn(la, ratio.denominator, denominator, route)
        if value == HIDDEN and any(_number(cells.get(h)) for h in ("Lower 95%", "Upper 95%")):
            k.exposures.append(f"{route}: {row[0]}: an interval is shown beside a hidden figure")
        if _number(value) and value and _number(denominator) and not _number(numerator):
            k.derived.append(Leak(la, ratio.numerator, round(value * denominator / ratio.multiplier, 6),
                                  f"{route}: rate times denominator"))
        if _number(value) and value and _number(numerator) and not _number(denominator):
            k.derived.append(Leak(la, ratio.denominator, round(numerator * ratio.multiplier / value, 6),
                                  f"{route}: numerator over rate"))


def _read_groups(f, ratio, headers, rows, register: Register, by_la, k: Knowledge, route: str) -> None:
    members_shown, listed = k.usable.get(f.id, set()), k.listed.get(f.id, set())
    for row in rows:
        match = GROUP_LABEL.match(str(row[0] or ""))
        if not match:
            continue
        if match.group("hub"):
            group = {a.la_code for a in register if a.hub == match.group("hub")}
        elif match.group("side"):
            group = {a.la_code for a in register if a.inner_outer == match.group("side")}
        else:
            group = {a.la_code for a in register}
        members = frozenset((group & members_shown) | (group - listed))  # those not listed: unknown to anyone
        cells = dict(zip(headers, row))
        parts = [(f.id, cells.get("Value"))] if ratio is None else [
            (ratio.numerator, cells.get("Numerator")), (ratio.denominator, cells.get("Denominator"))]
        for field_id, total in parts:
            if _number(total):
                k.totals.append((field_id, f"{route}: {row[0]}", members, Fraction(total).limit_denominator(10_000)))


# --- differencing: every total shown, every visible member, solved together in exact fractions ---------

def _solve(k: Knowledge) -> list[Leak]:
    leaks = []
    by_field: dict[str, list] = {}
    for field_id, route, members, total in k.totals:
        by_field.setdefault(field_id, []).append((route, members, total))
    for field_id, totals in by_field.items():
        unknown = sorted({m for _, members, _ in totals for m in members if (m, field_id) not in k.known})
        if not unknown:
            continue
        rows = []
        for route, members, total in totals:
            rest = total - sum(k.known[(m, field_id)] for m in members if (m, field_id) in k.known)
            rows.append(([Fraction(int(u in members)) for u in unknown], rest, route))
        for i, u in enumerate(unknown):
            value = _solve_for(rows, i)
            if value is not None:
                leaks.append(Leak(u, field_id, float(value), "differencing: " + "; ".join(sorted({r for *_, r in rows}))[:300]))
    return leaks


def _solve_for(rows, index: int) -> Fraction | None:
    """The unknown at `index` where the equations fix it, else None (Gaussian elimination)."""
    reduced: list[tuple[int, list[Fraction], Fraction]] = []
    for coefficients, rhs, _ in rows:
        coefficients, rhs = list(coefficients), rhs
        for pivot, base, base_rhs in reduced:
            if coefficients[pivot]:
                factor = coefficients[pivot]
                coefficients = [x - factor * y for x, y in zip(coefficients, base)]
                rhs -= factor * base_rhs
        pivot = next((c for c, x in enumerate(coefficients) if x), None)
        if pivot is not None:
            scale = coefficients[pivot]
            reduced.append((pivot, [x / scale for x in coefficients], rhs / scale))
    target = [Fraction(int(c == index)) for c in range(len(rows[0][0]))] if rows else []
    value = Fraction(0)
    for pivot, base, base_rhs in reduced:
        if target[pivot]:
            factor = target[pivot]
            target = [x - factor * y for x, y in zip(target, base)]
            value += factor * base_rhs
    return value if rows and not any(target) else None


# --- the other routes ----------------------------------------------------------------------------------

def xml_parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n).decode("utf-8", "replace") for n in archive.namelist() if n.endswith((".xml", ".rels", ".vml"))}


def chart_categories(path: Path) -> list[tuple[str, list[str], list[float]]]:
    """(chart part, category names, cached numbers) for every chart in the workbook."""
    out = []
    for name, text in xml_parts(path).items():
        if name.startswith("xl/charts/chart"):
            categories = re.findall(r"<c:cat>.*?</c:cat>", text, re.S)
            names = [v for block in categories for v in re.findall(r"<c:v>([^<]*)</c:v>", block)]
            numbers = [float(v) for block in re.findall(r"<c:val>.*?</c:val>", text, re.S)
                       for v in re.findall(r"<c:v>([^<]*)</c:v>", block)]
            out.append((name, names, numbers))
    return out


def _check_ranks(path: Path, tables: list, spec: Spec, k: Knowledge, authorities: int) -> None:
    """Where a table lists every authority, its ranks must be those of the figures it shows, among themselves.

    (A hub's pack ranks its authorities within all of London, which it does not list: its ranks are
    checked against the London pack's instead.)
    """
    for sheet, name, headers, rows in tables:
        field_id = _field_of_table(name, spec)
        if (field_id and headers[0] == "Authority" and len(rows) >= authorities
                and not ranks_consistent(headers, rows, spec.fields[field_id].polarity)):
            k.exposures.append(f"{path.name}: {sheet}: {name}: ranks leave a gap where a hidden figure was ranked")


def ranks_consistent(headers: list[str], rows: list[list], polarity: str) -> bool:
    """The ranks shown are exactly the ranks of the figures shown among themselves (no gap left by a hidden one)."""
    if "Rank" not in headers:
        return True
    v, r = headers.index("Value"), headers.index("Rank")
    ranked = [(row[v], row[r]) for row in rows if _number(row[r])]
    if not ranked:
        return True
    sign = 1 if polarity == "lower_is_better" else -1
    keys = [sign * value for value, _ in ranked]
    expected = [1 + sum(1 for other in keys if other < key) for key in keys]
    return expected == [int(rank) for _, rank in ranked]
