"""Where a collection round stands: who has returned, whose return is in use, who must resubmit, who is missing.

Read from the store alone, so `lscb status`, the chase emails and the master
workbook's tracker always agree. An authority is in one state:

- `accepted`: its latest return is in use, with no problems;
- `accepted_with_warnings`: in use, with figures to check;
- `to_resubmit`: something arrived, but nothing in use (rejected, or could not be read);
- `missing`: nothing has arrived for this period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from .spec.register import Register
from .store.db import IN_USE, Store, stored_time
from .store.returns import return_standing, returns_for_round, state_of, unplaced_from_coordinators
from .wording import long_date, plural

STATE_WORDS = {
    "accepted": "Accepted",
    "accepted_with_warnings": "Accepted with warnings",
    "to_resubmit": "Rejected: to resubmit",
    "not_checked": "Received, not checked: the tool's fault (see the store's error log; 'lscb recheck')",
    "missing": "Missing",
}
UNREADABLE_WORDS = "Could not be read: to resubmit"
UNDECIDED_WORDS = "Versions arrived together: ask which counts"
UNPLACED_WORDS = "Missing: the coordinator sent a file that could not be used"
ACTION_ORDER = ("not_checked", "to_resubmit", "missing", "accepted_with_warnings", "accepted")
TRACKER_COLUMNS = ("la_code", "round_status", "timing", "days_past_deadline", "coordinator", "last_email")


@dataclass
class RoundStatus:
    """One row per authority of the round, and the deadline they are measured against."""

    collection: str
    period: str
    deadline: date | None
    today: date
    rows: pd.DataFrame

    def count(self, state: str) -> int:
        return int((self.rows.state == state).sum()) if not self.rows.empty else 0

    @property
    def returned(self) -> int:
        return len(self.rows) - self.count("missing")

    @property
    def days_to_deadline(self) -> int | None:
        return (self.deadline - self.today).days if self.deadline else None

    def in_state(self, *states: str) -> list[str]:
        """DfE codes of the authorities in any of `states`, in register order."""
        return self.rows[self.rows.state.isin(states)].la_code.tolist() if not self.rows.empty else []

    def state_of(self, la_code: str) -> str | None:
        found = self.rows[self.rows.la_code == la_code]
        return None if found.empty else str(found.state.iloc[0])


def round_status(store: Store, collection: str, register: Register, period: str, deadline: date | None = None,
                 today: date | None = None) -> RoundStatus:
    """Each authority's state for `period`, in register order."""
    today = today or date.today()
    received = returns_for_round(store, collection, str(period))
    unplaced = unplaced_from_coordinators(store, register)
    rows = [_authority_row(a, received, deadline, today, unplaced.get(a.la_code)) for a in register]
    frame = pd.DataFrame(rows, columns=list(_ROW_COLUMNS))
    return RoundStatus(collection, str(period), deadline, today, frame)


_ROW_COLUMNS = ("la_code", "name", "hub", "coordinator_name", "coordinator_email", "state", "status_words",
                "received_at", "file", "errors", "warnings", "message", "files_received", "days_past_deadline",
                "timing")


def _authority_row(authority, received: pd.DataFrame, deadline: date | None, today: date,
                   unplaced: dict[str, Any] | None = None) -> dict[str, Any]:
    """`unplaced`: the latest file from the authority's coordinator that nothing placed (see
    `unplaced_from_coordinators`); while the authority has nothing else, its row names that file."""
    own = received[received.la_code == authority.la_code]
    latest = return_standing(own, authority.la_code)
    state = state_of(latest)
    words = {"unreadable": UNREADABLE_WORDS, "undecided": UNDECIDED_WORDS}.get(str(latest.get("status")),
                                                                             STATE_WORDS[state])
    if state == "missing" and unplaced:
        latest, words = unplaced, UNPLACED_WORDS
    received_at = stored_time(latest.get("received_at"))
    late = _days_late(state, received_at, deadline, today)
    return {
        "la_code": authority.la_code, "name": authority.name, "hub": authority.hub,
        "coordinator_name": authority.coordinator_name, "coordinator_email": authority.coordinator_email,
        "state": state,
        "status_words": words,
        "received_at": received_at, "file": latest.get("file", ""),
        "errors": int(latest.get("errors") or 0), "warnings": int(latest.get("warnings") or 0),
        "message": latest.get("message", ""), "files_received": len(own),
        "days_past_deadline": late, "timing": _timing(state, late, deadline),
    }


def _days_late(state: str, received_at: datetime | None, deadline: date | None, today: date) -> int | None:
    """Days after the deadline: of the return in use when it arrived, else of today."""
    if deadline is None:
        return None
    when = received_at.date() if state in IN_USE and received_at else today
    return (when - deadline).days


def _timing(state: str, late: int | None, deadline: date | None) -> str:
    if deadline is None or late is None:
        return ""
    if state in IN_USE:
        return "on time" if late <= 0 else f"{plural(late, 'day')} late"
    if late < 0:
        return f"due in {plural(-late, 'day')}"
    return "due today" if late == 0 else f"{plural(late, 'day')} overdue"



# For the master workbook's tracker ------------------------------------------------------------


def tracker_columns(store: Store, collection: str, register: Register, period: str, deadline: date | None = None,
                    today: date | None = None) -> pd.DataFrame:
    """Columns the returns tracker adds to each authority's row, keyed by `la_code`:

    `round_status` (Accepted, Accepted with warnings, Rejected: to resubmit,
    Could not be read: to resubmit, Missing), `timing` (on time, 3 days late,
    due in 4 days, 2 days overdue; empty without a deadline),
    `days_past_deadline` (a number, negative before the deadline; None without
    one), `coordinator` ('Name <email>' or empty) and `last_email` (the last
    draft written for it, such as 'chase 12/05/2026', or empty).
    """
    status = round_status(store, collection, register, period, deadline, today)
    drafts = store.drafts(str(period))
    last = {r.la_code: f"{r.kind} {stored_time(r.written_at):%d/%m/%Y}" for r in drafts.itertuples()} \
        if not drafts.empty else {}
    rows = status.rows
    return pd.DataFrame({
        "la_code": rows.la_code,
        "round_status": rows.status_words,
        "timing": rows.timing,
        "days_past_deadline": rows.days_past_deadline.astype("object").where(rows.days_past_deadline.notna(), None),
        "coordinator": [_contact(n, e) for n, e in zip(rows.coordinator_name, rows.coordinator_email)],
        "last_email": [last.get(code, "") for code in rows.la_code],
    }, columns=list(TRACKER_COLUMNS))


def _contact(name: str, email: str) -> str:
    if name and email:
        return f"{name} <{email}>"
    return email or name or ""


# For the terminal and the audit log -----------------------------------------------------------


def status_changes(before: RoundStatus, after: RoundStatus) -> list[str]:
    """'Barnet (302): missing -> accepted', for each authority whose state moved."""
    was = dict(zip(before.rows.la_code, before.rows.state))
    changes = []
    for row in after.rows.itertuples():
        if was.get(row.la_code) != row.state:
            changes.append(f"{row.name} ({row.la_code}): {_word(was.get(row.la_code))} -> {_word(row.state)}")
    return changes


def _word(state: str | None) -> str:
    return (state or "not in the round").replace("_", " ")


def summary_line(status: RoundStatus) -> str:
    total = len(status.rows)
    return (f"Returned {status.returned} of {total}: {status.count('accepted')} accepted, "
            f"{status.count('accepted_with_warnings')} with warnings, "
            f"{status.count('to_resubmit')} rejected and to resubmit; {status.count('missing')} missing")


def deadline_line(status: RoundStatus) -> str:
    if status.deadline is None:
        return "Deadline: none set (add 'deadline: YYYY-MM-DD' to lscb.yaml, or give --deadline)"
    days = status.days_to_deadline
    when = long_date(status.deadline, weekday=True)
    if days > 0:
        return f"Deadline {when}: {plural(days, 'day')} to go"
    if days == 0:
        return f"Deadline {when}: today"
    return f"Deadline {when}: {plural(-days, 'day')} past"


def status_table(status: RoundStatus) -> str:
    """One line per authority, those needing action first, then in register order."""
    headers = ("Code", "Authority", "Hub", "Status", "Received", "Timing", "Problems", "Coordinator")
    order = {s: i for i, s in enumerate(ACTION_ORDER)}
    rows = status.rows.assign(_order=status.rows.state.map(order)).sort_values("_order", kind="stable")
    lines = [[r.la_code, r.name, r.hub, r.status_words,
              f"{r.received_at:%d/%m/%Y}" if r.received_at is not None and not pd.isna(r.received_at) else "",
              r.timing, _problems(r.errors, r.warnings, r.state),
              r.coordinator_email or "(no email in the register)"] for r in rows.itertuples()]
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *lines)]
    out = ["  ".join(str(h).ljust(w) for h, w in zip(headers, widths)).rstrip(),
           "  ".join("-" * w for w in widths)]
    out += ["  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip() for line in lines]
    return "\n".join(out)


def _problems(errors: int, warnings: int, state: str) -> str:
    if state == "missing":
        return ""
    parts = [f"{errors} error{'s' * (errors != 1)}"] if errors else []
    parts += [f"{warnings} warning{'s' * (warnings != 1)}"] if warnings else []
    return ", ".join(parts)
