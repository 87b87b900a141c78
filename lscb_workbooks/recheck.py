"""Re-judging: every archived return checked again against today's key, register, spec and tool.

A verdict is not frozen when it is first given. A mistyped key, a register
corrected, a spec fixed or the tool upgraded can each change what a file
deserves; `recheck` reads each file again from the archive, exactly as it
arrived, and records every verdict that changed in the store's audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .collate import CollationReport, Progress, judge, no_progress, now, write_outputs
from .config import existing_signing_key
from .intake.archive import Archive
from .intake.received import WORKBOOK, Received
from .processes import rare_full_collections
from .spec.load import load_spec
from .spec.register import Register, load_register
from .store.db import Store
from .store.lock import one_run_at_a_time

# Files judged as returns (or that could not be read): everything but copies and files that are not returns.
REJUDGED = ("accepted", "accepted_with_warnings", "rejected", "unreadable", "tool_error")


@dataclass
class VerdictChange:
    file: str
    la_code: str | None
    old_status: str
    new_status: str
    new_message: str

    def __str__(self) -> str:
        who = f" ({self.la_code})" if self.la_code else ""
        return f"{self.file}{who}: {self.old_status.replace('_', ' ')} -> {self.new_status.replace('_', ' ')}"


@dataclass
class RecheckReport:
    rechecked: int
    changes: list[VerdictChange]
    outputs: CollationReport
    not_in_archive: list[str] = field(default_factory=list)


@rare_full_collections()  # as in a collation: many returns held while workbooks are written
def recheck(store_path: Path, out_dir: Path, collection: str = "dataset", period: str | None = None,
            suppress: bool = False, key: bytes | None = None, register: Register | None = None,
            progress: Progress = no_progress, run_id: int | None = None, report_register: Register | None = None,
            deadline: date | None = None, comparators=None) -> RecheckReport:
    """Judge every archived return again, record each changed verdict, and rewrite the outputs in `out_dir`."""
    spec = load_spec(collection)
    register = register or load_register()
    key = key or existing_signing_key()
    with one_run_at_a_time(store_path):
        store = Store(store_path)
        try:
            logged_here = run_id is None
            if run_id is None:
                run_id = store.start_run(now(), "recheck", str(store_path))
            before, rechecked, missing = _rejudge(store, register, key, run_id, progress)
            changes = _record_changes(store, before, run_id)
            if logged_here:
                store.finish_run(run_id, changes_note(changes, rechecked))
            outputs = write_outputs(store, spec, report_register or register, out_dir, period, suppress, deadline,
                                    comparators)
            outputs.run_id = run_id
            return RecheckReport(rechecked, changes, outputs, missing)
        finally:
            store.close()


def changes_note(changes: list[VerdictChange], rechecked: int) -> str:
    if not changes:
        return f"{rechecked} file(s) rechecked: no verdict changed"
    return f"{rechecked} file(s) rechecked; verdicts changed: " + "; ".join(str(c) for c in changes)


def _rejudge(store: Store, register: Register, key: bytes, run_id: int,
             progress: Progress) -> tuple[dict[int, tuple[str, str]], int, list[str]]:
    """Judge the archived files again and store the new verdicts.

    Returns every file's (status, message) before, how many were judged again, and the
    paths of any whose archived copy is missing.
    """
    archive = Archive(store.path.parent / "archive")
    rows = store.frame(f"SELECT * FROM submissions WHERE outcome IN ({','.join('?' * len(REJUDGED))}) "
                       "ORDER BY received_at, path, id", REJUDGED)
    before = {int(r.id): (r.status, r.message) for r in store.frame("SELECT id, status, message FROM submissions")
              .itertuples()}
    items, ids, missing = [], [], []
    for row in rows.itertuples():
        try:
            data = archive.read(row.sha256)
        except OSError:
            missing.append(row.path)
            continue
        items.append(_as_received(row, data))
        ids.append(int(row.id))
    verdicts = judge(items, store, register, key, run_id, progress, again=True)
    store.replace_verdicts(list(zip(ids, verdicts)))
    store.settle_statuses()
    return before, len(items), missing


def _record_changes(store: Store, before: dict[int, tuple[str, str]], run_id: int) -> list[VerdictChange]:
    after = store.frame("SELECT id, file, la_code, status, message FROM submissions ORDER BY id")
    changes, rows = [], []
    for row in after.itertuples():
        old_status, old_message = before.get(int(row.id), (row.status, row.message))
        if (old_status, old_message) != (row.status, row.message):
            changes.append(VerdictChange(row.file, row.la_code, old_status, row.status, row.message))
            rows.append((run_id, int(row.id), now(), old_status, row.status, old_message, row.message, "rechecked"))
    store.record_verdict_changes(rows)
    return changes


def _as_received(row, data: bytes) -> Received:
    return Received(name=row.file, data=data, sha256=row.sha256, path=row.path, source=row.source or "",
                    sender=row.sender, sent_at=_time(row.sent_at), modified_at=_time(row.modified_at) or
                    _time(row.received_at), kind=WORKBOOK)


def _time(text: object) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    return datetime.fromisoformat(text)
