"""Disclosure control: which figures a shared pack hides, so that no small count can be seen or worked out.

Pure: counts and the totals published over them come in, the cells and
totals to hide go out. Nothing here knows about workbooks or CSV files; the
comparison applies the answer before anything is ranked or charted.

The method (GSS/ONS practice for tables with published totals):

1. Primary suppression: every count from 1 to 5 is hidden (`c`), and so is
   every published total from 1 to 5. Zero stays zero.
2. Secondary (complementary) suppression: a published total that covers
   exactly one unknown member would give that member away by subtraction, so
   a further member is hidden (the smallest non-zero count shown), or, where
   there is none, the total itself. This is repeated over every total, since
   hiding one member can leave another total with a single unknown.
3. An audit that an attacker could not do better: for each count, every
   visible total is an equation over the unknown members, and a hidden value
   must not follow from any combination of them (differences of overlapping
   groups, London less inner, a hub less its neighbours...). Where one
   would, another member is hidden, and the audit runs again.

A rate or percentage is hidden wherever a count it is worked out from is,
so that a rate and its denominator never give a numerator back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field as dataclass_field
from typing import Hashable, Iterable, Mapping

import numpy as np
import pandas as pd

SMALL = (1, 5)
Cell = tuple[str, str]  # (la_code, field_id)
METHOD = (
    "Small numbers suppressed, for sharing beyond the steering group. 'c' marks a figure withheld to protect "
    "confidentiality (the GSS symbol). Every count of children or events from 1 to 5 is 'c' (0 is shown as 0), "
    "and so is every rate or percentage worked out from a hidden count, with its interval, rank and comparison. "
    "London, hub, inner and outer figures are worked out from the full counts and shown as 'c' when they are "
    "from 1 to 5. Then complementary suppression: wherever a total could be differenced to work out a hidden "
    "count (a total less the members shown, or one group less another), the smallest other count of that total "
    "is hidden too, or the total itself, checked over every overlapping group until none can. Ranks, quartiles, "
    "percentiles, chart bars, spine charts and trends are worked out as if the hidden figures did not exist: "
    "ranks run over the authorities shown. Each period in the trends is suppressed the same way. Boroughs' "
    "comments beside a hidden figure, and the data-quality messages that quote figures, are left out."
)
RANKED_AMONG_SHOWN = "Ranks, quartiles and percentiles are among the authorities whose figure is shown (not 'c')."


@dataclass(frozen=True)
class Total:
    """A published sum of one count over a set of authorities.

    `key` names what publishes it (a group's row); hiding the key hides every
    total it publishes, such as a rate's numerator and denominator together.
    Members without a published cell (outside the pack) are unknowns to an
    attacker, as hidden ones are.
    """

    key: Hashable
    field_id: str
    members: frozenset[str]
    value: float


@dataclass
class Protection:
    """What to hide: authority cells (primary and secondary) and the keys of totals."""

    primary: set[Cell] = dataclass_field(default_factory=set)
    secondary: set[Cell] = dataclass_field(default_factory=set)
    hidden_totals: set[Hashable] = dataclass_field(default_factory=set)

    @property
    def hidden(self) -> set[Cell]:
        return self.primary | self.secondary

    def hides(self, la_code: str, field_ids: Iterable[str]) -> bool:
        """Whether a figure worked out from these counts of one authority is hidden."""
        hidden = self.hidden
        return any((la_code, f) in hidden for f in field_ids)


def is_small(value: float | None) -> bool:
    """A count from 1 to 5 (the DfE and GSS threshold for counts of children)."""
    return value is not None and not math.isnan(float(value)) and SMALL[0] <= float(value) <= SMALL[1]


def protect(cells: Mapping[Cell, float], totals: Iterable[Total], sensitive: set[str]) -> Protection:
    """Hide the small counts among `cells`, then enough else that none can be worked back out from `totals`.

    `cells` are the published counts of each authority; `sensitive` names the
    count fields whose small values must not be disclosed.
    """
    totals = [t for t in totals if t.field_id in sensitive]
    protection = Protection(
        primary={c for c, v in cells.items() if c[1] in sensitive and is_small(v)},
        hidden_totals={t.key for t in totals if is_small(t.value)},
    )
    guarded = [t for t in totals if t.key in protection.hidden_totals and is_small(t.value)]
    while True:
        if _complement_single_unknowns(cells, totals, protection):
            continue
        leak = _first_leak(cells, totals, guarded, protection)
        if leak is None:
            return protection
        _break_leak(cells, totals, leak, protection)


def _unknown(cells: Mapping[Cell, float], protection: Protection, cell: Cell) -> bool:
    return cell not in cells or cell in protection.primary or cell in protection.secondary


def _visible(totals: list[Total], protection: Protection) -> list[Total]:
    return [t for t in totals if t.key not in protection.hidden_totals]


def _complement_single_unknowns(cells: Mapping[Cell, float], totals: list[Total], protection: Protection) -> bool:
    """Hide one more member (or the total) wherever a visible total has exactly one unknown member."""
    exposed = [t for t in _visible(totals, protection) if _unknowns(cells, protection, t) == 1]
    for t in exposed:
        if t.key not in protection.hidden_totals and _unknowns(cells, protection, t) == 1:
            _hide_another(cells, t, protection, exposed)
    return bool(exposed)


def _unknowns(cells: Mapping[Cell, float], protection: Protection, total: Total) -> int:
    return sum(1 for m in total.members if _unknown(cells, protection, (m, total.field_id)))


def _hide_another(cells: Mapping[Cell, float], total: Total, protection: Protection, exposed: list[Total]) -> None:
    """A further member to hide: one that also protects the most other exposed totals, then the smallest
    non-zero count; the total itself where there is none.

    A zero hidden beside a small count would leave their sum, the small count itself, to be read off.
    """
    def covers(member: str) -> int:
        return sum(1 for t in exposed if t.field_id == total.field_id and member in t.members)

    candidates = sorted(
        (-covers(m), cells[(m, total.field_id)], m) for m in total.members
        if not _unknown(cells, protection, (m, total.field_id)) and cells[(m, total.field_id)] > 0
    )
    if candidates:
        protection.secondary.add((candidates[0][2], total.field_id))
    else:
        protection.hidden_totals.add(total.key)


# --- the audit: can any hidden value be solved for from the visible totals? -------------------------

@dataclass
class _Leak:
    field_id: str
    target: frozenset[str]  # the unknown members whose sum would be disclosed


def _first_leak(cells: Mapping[Cell, float], totals: list[Total], guarded: list[Total],
                protection: Protection) -> _Leak | None:
    by_field: dict[str, list[Total]] = {}
    for t in _visible(totals, protection):
        by_field.setdefault(t.field_id, []).append(t)
    targets: dict[str, list[frozenset[str]]] = {}
    for la_code, field_id in sorted(protection.primary):
        targets.setdefault(field_id, []).append(frozenset([la_code]))
    for t in guarded:
        targets.setdefault(t.field_id, []).append(
            frozenset(m for m in t.members if _unknown(cells, protection, (m, t.field_id))))
    for field_id, wanted in targets.items():
        rows = [frozenset(m for m in t.members if _unknown(cells, protection, (m, field_id)))
                for t in by_field.get(field_id, [])]
        for target in wanted:
            if target and solvable(rows, target):
                return _Leak(field_id, target)
    return None


def solvable(equations: list[frozenset[str]], target: frozenset[str]) -> bool:
    """Whether the sum over `target` follows from known sums over each of `equations` (linear algebra)."""
    equations = [e for e in equations if e]
    if not equations:
        return False
    names = sorted(set().union(*equations, target))
    index = {n: i for i, n in enumerate(names)}
    a = np.zeros((len(equations), len(names)))
    for r, e in enumerate(equations):
        a[r, [index[n] for n in e]] = 1
    v = np.zeros((1, len(names)))
    v[0, [index[n] for n in target]] = 1
    return int(np.linalg.matrix_rank(np.vstack([a, v]))) == int(np.linalg.matrix_rank(a))


def _break_leak(cells: Mapping[Cell, float], totals: list[Total], leak: _Leak, protection: Protection) -> None:
    """Hide the smallest further member that stops the leak; else the smallest such member and look again."""
    touching = [t for t in _visible(totals, protection) if t.field_id == leak.field_id and t.members & leak.target]
    candidates = sorted({(cells[(m, leak.field_id)], m) for t in touching for m in t.members
                         if not _unknown(cells, protection, (m, leak.field_id)) and cells[(m, leak.field_id)] > 0})
    for _, m in candidates:
        protection.secondary.add((m, leak.field_id))
        if _first_leak_in(cells, totals, leak, protection) is False:
            return
        protection.secondary.discard((m, leak.field_id))
    if candidates:
        protection.secondary.add((candidates[0][1], leak.field_id))
    else:  # every member shown is zero: hide the smallest total that touches the leak
        protection.hidden_totals.add(min(touching, key=lambda t: (len(t.members), str(t.key))).key)


def _first_leak_in(cells: Mapping[Cell, float], totals: list[Total], leak: _Leak, protection: Protection) -> bool:
    rows = [frozenset(m for m in t.members if _unknown(cells, protection, (m, leak.field_id)))
            for t in _visible(totals, protection) if t.field_id == leak.field_id]
    return solvable(rows, leak.target)


# --- the comparison's figures in, the same figures with the protected ones hidden out ------------------

SUPPRESSED = "c"  # the GSS symbol for a figure withheld to protect confidentiality
FIGURE_COLUMNS = ("value", "numerator", "denominator", "lower", "upper")


def protect_figures(cells: Mapping[Cell, float], groups: pd.DataFrame, sensitive: set[str],
                    ratios: Mapping[str, tuple[str, str]]) -> Protection:
    """The protection for one period's comparison, worked out from its full figures.

    `cells` are every count the pack shows for each authority (as received, used or not);
    `groups` has one row per group and field (`group_type, group, field_id, value, numerator,
    denominator, members`). `ratios` gives each rate's numerator and denominator fields:
    a group's rate publishes both totals.
    """
    totals = []
    for kind, group, f, value, numerator, denominator, members in zip(
            groups.group_type, groups.group, groups.field_id, groups.value, groups.numerator, groups.denominator,
            groups.members):
        key, members = (kind, group, f), frozenset(members or ())
        if f in sensitive and not _nan(value):
            totals.append(Total(key, f, members, float(value)))
        elif f in ratios and not _nan(value):
            totals += [Total(key, ratios[f][0], members, float(numerator)),
                       Total(key, ratios[f][1], members, float(denominator))]
    return protect(cells, totals, sensitive)


def hide_protected(authorities: pd.DataFrame, groups: pd.DataFrame, protection: Protection,
                   inputs: Mapping[str, Iterable[str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both frames with every protected figure blanked and marked `suppressed`.

    `inputs` names the counts each field rests on (itself, for a count).
    """
    a, g = authorities.copy(), groups.copy()
    hidden_a = [protection.hides(la, inputs.get(f, (f,))) for la, f in zip(a.la_code, a.field_id)]
    hidden_g = [(kind, group, f) in protection.hidden_totals for kind, group, f in zip(g.group_type, g.group, g.field_id)]
    for frame, hidden in ((a, hidden_a), (g, hidden_g)):
        hide = pd.Series(hidden, index=frame.index, dtype=bool) | frame.suppressed.fillna(False).astype(bool)
        frame["suppressed"] = hide
        for column in FIGURE_COLUMNS:
            frame.loc[hide, column] = math.nan
        frame.loc[hide, "text"] = None
    return a, g


def hide_values(values: pd.DataFrame, protections: Mapping[str, Protection],
                inputs: Mapping[str, Iterable[str]]) -> pd.DataFrame:
    """The long values frame (`la_code, period, field_id, value, number, comment`) with protected figures as 'c'.

    `protections` is by period; a period without one is left out, since nothing
    says what in it is safe to show. The comment beside a hidden figure goes too:
    a coordinator's note can repeat the number.
    """
    frame = values[values.period.astype(str).isin(set(protections))].copy()
    frame["value"] = frame["value"].astype(object)
    frame["number"] = pd.to_numeric(frame["number"], errors="coerce").astype(float)
    hidden = pd.Series([protections[str(p)].hides(str(la), inputs.get(f, (f,)))
                        for la, p, f in zip(frame.la_code, frame.period, frame.field_id)], index=frame.index, dtype=bool)
    hidden |= frame["value"].eq(SUPPRESSED)
    frame.loc[hidden, "value"] = SUPPRESSED
    frame.loc[hidden, "number"] = math.nan
    if "comment" in frame:
        frame["comment"] = frame["comment"].astype(object)
        frame.loc[hidden, "comment"] = ""
    return frame


def _nan(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
