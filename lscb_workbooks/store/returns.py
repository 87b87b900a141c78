"""Which return counts: one answer, for each authority, collection and period, used by every output.

Status, the tracker, feedback, chase emails, missing lists and the master all
ask the same question; they ask it here, with one vocabulary.

- A file *is a return* unless it is a copy (`duplicate`), was replaced by a
  later return (`superseded`) or is not a return at all (`ignored`).
- The return *in use* is the authority's accepted one (with or without
  warnings); failing that, its latest return stands for it, and says why it
  cannot be used.
- An authority is then `accepted`, `accepted_with_warnings`, `to_resubmit`
  (rejected or unreadable), `not_checked` (the tool failed on it: nothing for
  the coordinator to do) or `missing`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..spec.register import Register
from .db import IN_USE, Store

NOT_A_RETURN = ("superseded", "duplicate", "ignored")
STATES = ("accepted", "accepted_with_warnings", "to_resubmit", "not_checked", "missing")


def returns_for_round(store: Store, collection: str, period: str) -> pd.DataFrame:
    """The returns tied to an authority for this round, oldest first.

    A file that could not be read may not say which collection or period it was
    for; it counts in any round it could belong to.
    """
    return store.frame(
        "SELECT * FROM submissions WHERE la_code IS NOT NULL "
        f"AND status NOT IN ({','.join('?' * len(NOT_A_RETURN))}) "
        "AND (collection = ? OR (collection IS NULL AND status = 'unreadable')) "
        "AND (period = ? OR (period IS NULL AND status = 'unreadable')) "
        "ORDER BY received_at, path, id",
        (*NOT_A_RETURN, collection, str(period)),
    )


# A file nothing could place (it could not be read, or is not one of the collection's templates): no
# authority's return, whatever its sender says, as a condition on the submissions table.
UNPLACED = "la_code IS NULL AND status IN ('unreadable', 'rejected')"


def unplaced_from_coordinators(store: Store, register: Register) -> dict[str, dict[str, Any]]:
    """{la_code: the latest file its coordinator sent that could not be matched to any authority}, for
    the authorities whose coordinator (by the email's sender) sent one after the last file of theirs that
    was matched: nothing in such a file said whose it was (it could not be read, or is not one of the
    collection's templates), so it is no authority's return, but its sender says whose it most likely is."""
    rows = store.db.execute(
        f"SELECT file, sender, received_at, message, status FROM submissions WHERE {UNPLACED} "
        "AND sender IS NOT NULL ORDER BY received_at, id").fetchall()
    if not rows:
        return {}
    matched = dict(store.db.execute(
        "SELECT la_code, MAX(received_at) FROM submissions WHERE la_code IS NOT NULL GROUP BY la_code").fetchall())
    found: dict[str, dict[str, Any]] = {}
    for file, sender, received_at, message, status in rows:
        for authority in register.coordinated_by(sender):
            if matched.get(authority.la_code) is None or str(received_at) > str(matched[authority.la_code]):
                found[authority.la_code] = {"file": file, "received_at": received_at, "message": message,
                                            "status": status}
    return found


def is_a_return(submissions: pd.DataFrame) -> pd.Series:
    return ~submissions.status.isin(NOT_A_RETURN)


def return_standing(returns: pd.DataFrame, la_code: str) -> dict[str, Any]:
    """The authority's return in use, else its latest return, else {} (nothing received)."""
    if returns.empty:
        return {}
    own = returns[returns.la_code == la_code]
    in_use = own[own.status.isin(IN_USE)]
    chosen = (in_use if not in_use.empty else own).tail(1)
    return chosen.iloc[0].to_dict() if not chosen.empty else {}


def state_of(standing: dict[str, Any]) -> str:
    """One of STATES for the return that stands for an authority."""
    status = standing.get("status")
    if not standing:
        return "missing"
    if status in IN_USE:
        return str(status)
    if status == "tool_error":
        return "not_checked"
    return "to_resubmit"
