"""What the master workbook shows, gathered from the store and the spec before anything is written."""

from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field
from datetime import datetime
from typing import Callable

import pandas as pd

from ...spec.models import Spec
from ...spec.periods import parse_period
from ...spec.register import Register
from ...store.db import Store, stored_time
from ...store.returns import is_a_return, return_standing
from ..comparison import Comparison, compare_period, recompute_derived, rejected_in, suppressed_values, with_trends
from ..trend_cache import PeriodValues


IN_USE = ("accepted", "accepted_with_warnings")
STATUS_WORDS = {
    "accepted": "Accepted",
    "accepted_with_warnings": "Accepted with warnings",
    "rejected": "Rejected",
    "unreadable": "Could not be read",
    "ignored": "Not a return",
    "tool_error": "Received, not yet checked (the tool's fault)",
    None: "Not received",
}


@dataclass
class MasterData:
    """Everything the workbook shows, gathered from the store before any writing."""

    spec: Spec
    register: Register
    period: str
    produced_at: datetime
    suppress: bool
    comparison: Comparison
    data: pd.DataFrame
    tracker: pd.DataFrame
    issues: pd.DataFrame
    challenges: pd.DataFrame
    trends: pd.DataFrame
    periods: list[str]
    files_received: int
    runs: pd.DataFrame = dataclass_field(default_factory=pd.DataFrame)
    trends_later: Callable[[], Comparison] | None = None  # the comparison with `trends`, when they are ready

    @property
    def header(self) -> str:
        return f"{self.spec.title} · {self.period}" + (" · small numbers suppressed" if self.suppress else "")

    def periods_trends(self, comparison: Comparison) -> pd.DataFrame:
        """The trends the workbook shows: none where there is one period only."""
        return comparison.trends if len(self.periods) > 1 else pd.DataFrame()


def gather(store: Store, spec: Spec, register: Register, period: str, suppress: bool,
           produced_at: datetime, comparison: Comparison | None = None,
           trends_later: Callable[[], Comparison] | None = None) -> MasterData:
    collection = spec.id
    periods = [p for p in store.periods(collection) if parse_period(p).sort_key() <= parse_period(period).sort_key()]
    values = store.values_in_use(collection, period)
    shown = values[values.la_code.isin({a.la_code for a in register})].reset_index(drop=True)
    submissions = store.submissions(collection, period)
    if comparison is None or (suppress and comparison.protection is None):
        focus = comparison.focus if comparison is not None else None
        comparison = compare_period(spec, comparison.register if comparison is not None else register, values,
                                    period, rejected=rejected_in(submissions), suppress=suppress).focused(focus)
    if comparison.trends is None and trends_later is None:
        comparison = with_trends(comparison, PeriodValues.of_store(store, collection))
    figures = recompute_derived(shown, spec)
    if suppress:
        figures = suppressed_values(figures, spec, [comparison])
    issues = store.issues(collection, period)
    data = MasterData(
        spec=spec, register=register, period=period, produced_at=produced_at, suppress=suppress,
        comparison=comparison, data=figures, tracker=tracker_rows(submissions, register),
        issues=issues[issues.status.isin(IN_USE) & issues.la_code.isin({a.la_code for a in register})] if not issues.empty else issues,
        challenges=challenge_rows(shown, spec, register), trends=pd.DataFrame(), periods=periods,
        files_received=int(is_a_return(submissions).sum()) if not submissions.empty else 0,
        trends_later=trends_later,
    )
    if trends_later is None:
        data.trends = data.periods_trends(comparison)
    return data


def tracker_rows(submissions: pd.DataFrame, register: Register) -> pd.DataFrame:
    """One row per authority: its return in use, else its latest return that could not be used, else nothing."""
    rows = []
    live = submissions[is_a_return(submissions)] if not submissions.empty else submissions
    for a in register:
        row = return_standing(live, a.la_code)
        rows.append({
            "la_code": a.la_code, "name": a.name, "hub": a.hub, "inner_outer": a.inner_outer,
            "status": STATUS_WORDS.get(row.get("status"), str(row.get("status"))),
            "received_at": stored_time(row.get("received_at")), "file": row.get("file", ""),
            "template_version": row.get("template_version") or "", "errors": row.get("errors"),
            "warnings": row.get("warnings"), "message": row.get("message", ""),
            "in_use": row.get("status") in IN_USE,
        })
    return pd.DataFrame(rows)


def challenge_rows(values: pd.DataFrame, spec: Spec, register: Register) -> pd.DataFrame:
    """The rows of every return's challenges log, one row per entry, in register order."""
    tables = [s for s in spec.sections if s.kind == "table"]
    if values.empty or not tables:
        return pd.DataFrame()
    section = tables[0]
    rows = values[values.section_id == section.id]
    if rows.empty:
        return pd.DataFrame(columns=["la_code", "row_number", "file"] + [f.id for f in section.fields])
    wide = rows.pivot_table(index=["la_code", "row_number", "file"], columns="field_id", values="value",
                            aggfunc="first").reset_index()
    order = {a.la_code: i for i, a in enumerate(register)}
    wide = wide.sort_values(["la_code", "row_number"], key=lambda s: s.map(order) if s.name == "la_code" else s)
    return wide.reindex(columns=["la_code", "row_number", "file"] + [f.id for f in section.fields])
