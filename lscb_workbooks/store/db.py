"""The SQLite store: every file received, the values of every return, every problem found.

One file, standard library only, readable by any analyst's tool. Files are
recorded once per (place in the inbox, bytes), so re-running collation over the
same inbox adds nothing, and a resubmission adds one row.

A round's store lives for months while the tool is upgraded: its schema
version is kept in `PRAGMA user_version` and each newer version's changes are
applied, in one transaction, when the store is opened.
"""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pandas as pd

from ..errors import LscbError
from ..validation.records import BLANK_RETURN, IssueRecord, ValueRecord
from ..wording import listed, neither_or_none

BUSY_TIMEOUT_S = 30.0

# The schema as first released (user_version 0 or 1); later versions are MIGRATIONS.
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    command TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    changes TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    file TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    sender TEXT,
    sent_at TEXT,
    modified_at TEXT,
    received_at TEXT NOT NULL,
    saved_at TEXT,
    received_basis TEXT NOT NULL,
    collection TEXT,
    la_code TEXT,
    period TEXT,
    spec_version TEXT,
    template_version TEXT,
    outcome TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL,
    outcome_message TEXT NOT NULL DEFAULT '',
    errors INTEGER NOT NULL DEFAULT 0,
    warnings INTEGER NOT NULL DEFAULT 0,
    run_id INTEGER,
    UNIQUE (path, sha256)
);
CREATE TABLE IF NOT EXISTS "values" (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    la_code TEXT NOT NULL,
    period TEXT NOT NULL,
    section_id TEXT NOT NULL,
    row_number INTEGER,
    field_id TEXT NOT NULL,
    value TEXT,
    number REAL,
    rating TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    sheet TEXT NOT NULL DEFAULT '',
    cell TEXT NOT NULL DEFAULT '',
    derived INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS values_by_return ON "values" (la_code, period);
CREATE TABLE IF NOT EXISTS issues (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    la_code TEXT,
    period TEXT,
    severity TEXT NOT NULL,
    field_id TEXT NOT NULL DEFAULT '',
    sheet TEXT NOT NULL DEFAULT '',
    cell TEXT NOT NULL DEFAULT '',
    rule TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS version_choices (
    run_id INTEGER REFERENCES runs(id),
    collection TEXT NOT NULL,
    la_code TEXT NOT NULL,
    period TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    chosen_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS drafts (
    run_id INTEGER REFERENCES runs(id),
    kind TEXT NOT NULL,
    la_code TEXT NOT NULL,
    period TEXT,
    path TEXT NOT NULL,
    written_at TEXT NOT NULL
);
"""



@dataclass(frozen=True)
class Migration:
    """One step of the schema: statements to run, and columns to add where they are missing.

    Each step is safe to run on a store that already has some of it, so a store
    made before versioning (user_version 0), whatever it already holds, is
    brought to the same schema as a new one.
    """

    statements: str
    columns: tuple[tuple[str, str, str], ...] = ()


# Each entry takes the store from the version before it to its own (1-based) version.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(SCHEMA),
    Migration(
        """
CREATE TABLE IF NOT EXISTS verdict_changes (
    id INTEGER PRIMARY KEY,
    run_id INTEGER REFERENCES runs(id),
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    changed_at TEXT NOT NULL,
    old_status TEXT NOT NULL,
    new_status TEXT NOT NULL,
    old_message TEXT NOT NULL,
    new_message TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);
""",
        columns=(("submissions", "saved_at", "TEXT"), ("values", "prefilled", "TEXT NOT NULL DEFAULT ''"),
                 ("submissions", "tool_version", "TEXT")),
    ),
    # A return's values and issues found by its submission, and its files by authority and period,
    # without reading the whole table: feedback and the outputs' fingerprints ask one return at a time.
    Migration(
        """
CREATE INDEX IF NOT EXISTS values_by_submission ON "values" (submission_id);
CREATE INDEX IF NOT EXISTS issues_by_submission ON issues (submission_id);
CREATE INDEX IF NOT EXISTS submissions_by_return ON submissions (la_code, collection, period);
""",
        columns=(("submissions", "values_digest", "TEXT"),),
    ),
    # Values are always found through their submission (values_by_submission): an index on their authority
    # and period served no query, and cost a quarter of the time of storing them.
    Migration("DROP INDEX IF EXISTS values_by_return;"),
)
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(LscbError):
    """The store cannot be opened or used; the message says which file and what to do."""


IN_USE = ("accepted", "accepted_with_warnings")
VALIDATED = ("accepted", "accepted_with_warnings", "rejected")
# Whether a stored return is blank (nothing typed in it), as a column of a query on submissions.
IS_BLANK = (f"EXISTS (SELECT 1 FROM issues i WHERE i.submission_id = submissions.id AND i.rule = '{BLANK_RETURN}') "
            "AS blank")


@dataclass
class Submission:
    """One file received, as recorded in the store."""

    path: str
    file: str
    sha256: str
    source: str
    sender: str | None
    sent_at: str | None
    modified_at: str | None
    received_at: str
    received_basis: str
    outcome: str
    message: str
    saved_at: str | None = None
    collection: str | None = None
    la_code: str | None = None
    period: str | None = None
    spec_version: str | None = None
    template_version: str | None = None
    errors: int = 0
    warnings: int = 0
    status: str = ""
    outcome_message: str = ""
    run_id: int | None = None
    tool_version: str | None = None
    id: int | None = None


@dataclass
class Checked:
    """A file with everything collation learned about it, ready to store."""

    submission: Submission
    values: list[ValueRecord] = field(default_factory=list)
    issues: list[IssueRecord] = field(default_factory=list)


class Store:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot make the folder for the store {self.path}: {exc.strerror}") from None
        # A reader (`lscb status`) waits for a writer's commit rather than failing.
        self.db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
        self.db.row_factory = sqlite3.Row
        self._values_cache: tuple[tuple, pd.DataFrame] | None = None
        try:
            # Write-ahead logging: readers never block the writer, one small file per commit.
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            migrate(self.db, self.path)
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise StoreError(_unusable(self.path, exc)) from None

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.db:
            yield self.db

    def start_run(self, started_at: str, command: str, detail: str = "") -> int:
        with self.transaction() as db:
            return db.execute(
                "INSERT INTO runs (started_at, command, detail) VALUES (?, ?, ?)", (started_at, command, detail)
            ).lastrowid

    def finish_run(self, run_id: int, changes: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE runs SET changes = ? WHERE id = ?", (changes, run_id))

    def known(self, path: str, sha256: str) -> bool:
        return self.db.execute(
            "SELECT 1 FROM submissions WHERE path = ? AND sha256 = ?", (path, sha256)
        ).fetchone() is not None

    def first_receipt_of(self, sha256: str) -> sqlite3.Row | None:
        return self.db.execute(
            "SELECT * FROM submissions WHERE sha256 = ? AND outcome != 'duplicate' ORDER BY id LIMIT 1", (sha256,)
        ).fetchone()

    def add(self, checked: Checked) -> int:
        return self.add_all([checked])[0]

    def add_all(self, checked: list[Checked],
                verdicts_of: tuple[list[Checked], Callable[[], list[Checked]]] | None = None) -> list[int]:
        """Store files with their values and issues, in one transaction.

        `verdicts_of` is (pending, verdicts): `pending`, among `checked`, are returns stored before their
        verdict is known (their outcome empty), so that their values are written while it is worked out;
        `verdicts()`, called once they are, gives each its verdict (where its values differ from those stored,
        as when a blank return keeps none, they are replaced), written in the same transaction: no file is
        ever stored without one.
        """
        with self.transaction() as db:
            ids = [_insert(db, c) for c in checked]
            if verdicts_of is not None:
                pending, verdicts = verdicts_of
                for stored, verdict in zip(pending, verdicts(), strict=True):
                    _set_verdict(db, stored.submission.id, verdict.submission)
                    if verdict.values is not stored.values:
                        db.execute('DELETE FROM "values" WHERE submission_id = ?', (stored.submission.id,))
                        _insert_values(db, stored.submission.id, verdict.values)
                    _insert_issues(db, stored.submission.id, verdict)
            return ids

    def settle_statuses(self) -> list[tuple[int, str, str]]:
        """Mark all but the latest received return of each authority and period as superseded.

        The later received wins: the email's sent date where there is one, else the file's
        modification time. Where those tie, the workbook's own last-saved time decides; where that
        ties too (or a workbook has none), the officer's recorded choice decides, and without one
        the tied versions are `undecided` and none of them is in use. A file name never decides.
        A blank return (nothing typed) never replaces one with figures, whenever it came: a reply
        that still carries the unfilled template must not take a borough's figures out of use.
        Returns (submission id, new status, message) for each row that changed.
        """
        rows = self.db.execute(
            f"SELECT id, path, file, sha256, la_code, period, collection, outcome, status, message, outcome_message, "
            f"received_at, saved_at, values_digest, {IS_BLANK} FROM submissions WHERE outcome IN ({','.join('?' * len(VALIDATED))}) "
            "AND la_code IS NOT NULL AND period IS NOT NULL ORDER BY id",
            VALIDATED,
        ).fetchall()
        groups: dict[tuple, list[sqlite3.Row]] = {}
        for row in rows:
            groups.setdefault((row["collection"], row["la_code"], row["period"]), []).append(row)
        changes = []
        for key, group in groups.items():
            for row, (status, message) in self._settle_group(key, group):
                if (status, message) != (row["status"], row["message"]):
                    changes.append((row["id"], status, message))
        with self.transaction() as db:
            for submission_id, status, message in changes:
                db.execute("UPDATE submissions SET status = ?, message = ? WHERE id = ?", (status, message, submission_id))
        return changes

    def replace_verdicts(self, verdicts: list[tuple[int, Checked]]) -> None:
        """A new verdict for files already stored, with their values and issues; where and when they came stays."""
        with self.transaction() as db:
            for submission_id, checked in verdicts:
                _set_verdict(db, submission_id, checked.submission)
                db.execute('DELETE FROM "values" WHERE submission_id = ?', (submission_id,))
                db.execute("DELETE FROM issues WHERE submission_id = ?", (submission_id,))
                _insert_findings(db, checked)

    def record_verdict_changes(self, rows: list[tuple]) -> None:
        """(run id, submission id, when, old status, new status, old message, new message, reason) for each change."""
        with self.transaction() as db:
            db.executemany("INSERT INTO verdict_changes (run_id, submission_id, changed_at, old_status, new_status, "
                           "old_message, new_message, reason) VALUES (?,?,?,?,?,?,?,?)", rows)

    def verdict_changes(self) -> pd.DataFrame:
        return self.frame("SELECT c.*, s.file, s.la_code, s.period FROM verdict_changes c "
                          "JOIN submissions s ON s.id = c.submission_id ORDER BY c.id")

    def retire_incomplete_copies(self) -> int:
        """An unreadable or ignored file replaced at the same place by other bytes is superseded by them.

        A file read while it was still being copied into the inbox is unreadable (or, an email cut
        short before its attachment, an email without one); once the copy finishes, the complete
        file is a new receipt at the same path (or the email's attachments below it), and the
        half-written one's verdict must no longer count anywhere. Returns how many were replaced.
        """
        stale = self.db.execute(
            "SELECT s.id, MAX(later.id) AS later_id FROM submissions s JOIN submissions later "
            "ON later.id > s.id AND (later.path = s.path OR (s.outcome = 'ignored' AND s.path = s.source "
            "AND substr(later.path, 1, length(s.path) + 1) = s.path || '/')) "
            "WHERE s.outcome IN ('unreadable', 'ignored') AND s.status = s.outcome GROUP BY s.id"
        ).fetchall()
        with self.transaction() as db:
            for row in stale:
                later = db.execute("SELECT file, received_at FROM submissions WHERE id = ?", (row["later_id"],)).fetchone()
                db.execute("UPDATE submissions SET status = 'superseded', message = ? WHERE id = ?",
                           (f"An incomplete copy, replaced by the file received later at the same place "
                            f"({later['file']}, {later['received_at'][:16].replace('T', ' ')}): nothing to do.",
                            row["id"]))
        return len(stale)

    def _settle_group(self, key: tuple, group: list[sqlite3.Row]) -> list[tuple[sqlite3.Row, tuple[str, str]]]:
        """Each return of one authority and period with the status and message it should have.

        Only returns with figures compete; blank ones do only when no return has figures.
        """
        contenders = [row for row in group if not row["blank"]] or group
        standing = self._standing(key, contenders)
        return [(row, _verdict(row, standing)) for row in group]

    def _standing(self, key: tuple, contenders: list[sqlite3.Row]) -> list[sqlite3.Row]:
        """The return that stands among `contenders`: the latest received, then the latest saved, then the
        officer's choice; more than one where they still tie."""
        latest_moment = max(row["received_at"] for row in contenders)
        last = [row for row in contenders if row["received_at"] == latest_moment]
        saved = [row["saved_at"] for row in last]
        if len(last) > 1 and all(saved):
            last = [row for row in last if row["saved_at"] == max(saved)]
        if len(last) > 1:
            chosen = self._chosen_version(key, {row["sha256"] for row in last})
            last = [row for row in last if row["sha256"] == chosen] if chosen else last
        if len(last) > 1 and _same_figures(last):
            last = [max(last, key=lambda row: row["id"])]  # whichever is meant, these figures are
        return last

    def _chosen_version(self, key: tuple, candidates: set[str]) -> str | None:
        """The officer's latest recorded choice among tied versions, if there is one."""
        collection, la_code, period = key
        found = self.db.execute(
            "SELECT sha256 FROM version_choices WHERE collection IS ? AND la_code = ? AND period = ? "
            f"AND sha256 IN ({','.join('?' * len(candidates))}) ORDER BY rowid DESC LIMIT 1",
            (collection, la_code, period, *sorted(candidates)),
        ).fetchone()
        return found["sha256"] if found else None

    def choose_version(self, sha256: str, run_id: int | None, chosen_at: str) -> sqlite3.Row:
        """Record the officer's choice of which of two tied versions counts, and settle statuses again.

        `sha256` may be the start of one (eight characters or more). Raises `LookupError` with a
        message for the officer when it names no return, or more than one, and `ValueError` when it
        names a blank return, which can never be the one in use.
        """
        found = self.db.execute(
            f"SELECT *, {IS_BLANK} FROM submissions WHERE sha256 LIKE ? AND outcome IN ({','.join('?' * len(VALIDATED))}) "
            "AND la_code IS NOT NULL AND period IS NOT NULL ORDER BY id",
            (sha256.lower().strip() + "%", *VALIDATED),
        ).fetchall()
        if len(sha256.strip()) < 8:
            raise LookupError(f"'{sha256}' is too short to name one file: give at least the first eight characters "
                              "of its sha256, from the sha256 column of submissions.csv")
        if not found:
            other = self.db.execute("SELECT file, status FROM submissions WHERE sha256 LIKE ? ORDER BY id DESC LIMIT 1",
                                    (sha256.lower().strip() + "%",)).fetchone()
            if other is not None:
                raise LookupError(f"'{sha256}' is {other['file']}, which is not a return that can be in use (it is "
                                  f"{other['status'].replace('_', ' ')}): choose one of the versions marked "
                                  "undecided in submissions.csv")
            raise LookupError(f"no return in the store has a sha256 starting '{sha256}': copy it from the sha256 "
                              "column of submissions.csv (eight characters or more)")
        if len({row["sha256"] for row in found}) > 1:
            raise LookupError(f"more than one return has a sha256 starting '{sha256}': give more of it")
        row = found[0]
        if row["blank"]:
            raise ValueError(f"{row['file']} ({row['sha256'][:12]}) is a blank return, with no figures typed in it, "
                             "so it cannot be the version in use: choose one with figures from submissions.csv")
        with self.transaction() as db:
            db.execute("INSERT INTO version_choices (run_id, collection, la_code, period, sha256, chosen_at) "
                       "VALUES (?, ?, ?, ?, ?, ?)",
                       (run_id, row["collection"], row["la_code"], row["period"], row["sha256"], chosen_at))
        self.settle_statuses()
        return row

    def undecided_returns(self) -> list[tuple[str, str, list[str]]]:
        """(authority, period, files) of each return whose versions tie and wait for the officer's choice."""
        rows = self.db.execute(
            "SELECT la_code, period, file FROM submissions WHERE status = 'undecided' ORDER BY la_code, period, id"
        ).fetchall()
        found: dict[tuple[str, str], list[str]] = {}
        for row in rows:
            found.setdefault((row["la_code"], row["period"]), []).append(row["file"])
        return [(la, period, files) for (la, period), files in found.items()]

    def frame(self, sql: str, params: tuple = ()) -> pd.DataFrame:
        return pd.read_sql_query(sql, self.db, params=params)

    def rows(self, query: tuple[str, tuple], columns: Iterable[str], la_codes: set[str] | None = None
             ) -> Iterator[tuple]:
        """The rows of a query (such as `values_query`), `columns` of each, one at a time: for CSV files
        of any size. With `la_codes`, only the rows of those authorities."""
        columns = tuple(columns)
        for row in self.db.execute(*query):
            if la_codes is None or row["la_code"] in la_codes:
                yield tuple(row[c] for c in columns)

    def _frame_sharing_text(self, sql: str, params: tuple = ()) -> pd.DataFrame:
        """`frame`, with each distinct text held once: the values of years of returns repeat the same
        codes, periods, ids, file names and hashes hundreds of thousands of times."""
        cursor = self.db.cursor()
        cursor.row_factory = None
        cursor.execute(sql, params)
        names = [d[0] for d in cursor.description]
        shared: dict[str, str] = {}
        columns: list[list] = [[] for _ in names]
        while rows := cursor.fetchmany(10_000):  # a slice at a time, so no text is ever held twice over
            for column, values in zip(columns, zip(*rows)):
                column.extend([shared.setdefault(v, v) if v.__class__ is str else v for v in values])
        if not columns or not columns[0]:
            return self.frame(sql, params)
        return pd.DataFrame(dict(zip(names, columns)))

    def submissions(self, collection: str | None = None, period: str | None = None) -> pd.DataFrame:
        return self.frame(*submissions_query(collection, period))

    def values_in_use(self, collection: str, period: str | None = None) -> pd.DataFrame:
        """Values of the returns in use (accepted, with or without warnings), with their source file.

        Several outputs of one run ask for the same values: they are read once while the store
        stays as it is (no change through this connection, no commit from any other).
        """
        state = (collection, period, self.db.total_changes, self.db.execute("PRAGMA data_version").fetchone()[0])
        if self._values_cache is None or self._values_cache[0] != state:
            self._values_cache = (state, self._frame_sharing_text(*values_query(collection, period)))
        return self._values_cache[1].copy(deep=False)  # copy-on-write: a caller's change never reaches the cache

    def figures_in_use(self, collection: str, period: str) -> pd.DataFrame:
        """The form's values of the returns in use for a period, with what a comparison reads of each (authority,
        field, value, number, rating, comment), in `values_in_use`'s order: far quicker to read for a period's
        trends than every column of `values_in_use`."""
        return self._frame_sharing_text(*figures_query(collection, period))

    def issues(self, collection: str | None = None, period: str | None = None) -> pd.DataFrame:
        return self.frame(*issues_query(collection, period))

    def periods(self, collection: str, in_use: bool = False) -> list[str]:
        """The periods with a return; with `in_use`, those with at least one return in use (figures to compare)."""
        statuses = IN_USE if in_use else ()
        in_status = f" AND status IN ({','.join('?' * len(statuses))})" if statuses else ""
        rows = self.db.execute(
            f"SELECT DISTINCT period FROM submissions WHERE collection = ? AND period IS NOT NULL{in_status}",
            (collection, *statuses),
        ).fetchall()
        return sorted(r[0] for r in rows)

    def numbers_in_use(self, collection: str, period: str) -> dict[str, dict[str, float]]:
        """{la_code: {field_id: number}} of the returns in use for a period, for plausibility checks."""
        where, params = _in_use_where(collection, period)
        rows = self.db.execute(
            f"SELECT v.la_code, v.field_id, v.number FROM {VALUES_OF_SUBMISSIONS} {where} "
            "AND v.number IS NOT NULL AND v.row_number IS NULL", params,
        ).fetchall()
        numbers: dict[str, dict[str, float]] = {}
        for la_code, field_id, number in rows:
            numbers.setdefault(la_code, {})[field_id] = number
        return numbers

    # Digests of what an output is made from, so that an unchanged output need not be written again.
    # A return's values follow from its bytes (its sha256) under one spec and tool; the values' and
    # issues' row ids change whenever they are stored again (a recheck), so they are digested too.

    def digest(self, sql: str, params: tuple = ()) -> str:
        """sha256 of the rows a query gives, in its order."""
        digest = hashlib.sha256()
        for row in self.db.execute(sql, params):
            digest.update(repr(tuple(row)).encode("utf-8"))
        return digest.hexdigest()

    def figures_digest(self, collection: str, periods: list[str], period: str) -> str:
        """The values in use for `periods`, and who was rejected in `period`: a return sent again with the
        same figures changes nothing here. (A return stored before digests were kept counts by its bytes.)"""
        marks = ",".join("?" * len(periods))
        in_use = f"s.collection = ? AND s.period IN ({marks}) AND s.status IN ({','.join('?' * len(IN_USE))})"
        return "|".join((
            self.digest("SELECT s.la_code, s.period, COALESCE(s.values_digest, s.sha256 || ':' || s.id) "
                        f"FROM submissions s WHERE {in_use} ORDER BY s.la_code, s.period",
                        (collection, *periods, *IN_USE)),
            self.digest("SELECT DISTINCT la_code FROM submissions WHERE collection = ? AND period = ? "
                        "AND status = 'rejected' ORDER BY la_code", (collection, period)),
        ))

    def period_digest(self, collection: str, period: str) -> str:
        """Every file received for a period, as the ledger has it, with its issues as stored."""
        return "|".join((
            self.digest("SELECT * FROM submissions WHERE collection = ? AND period = ? ORDER BY id",
                        (collection, period)),
            self.digest("SELECT COUNT(*), MIN(i.rowid), MAX(i.rowid) FROM issues i JOIN submissions s "
                        "ON s.id = i.submission_id WHERE s.collection = ? AND s.period = ?", (collection, period)),
        ))

    def authority_digest(self, collection: str, period: str, la_code: str) -> str:
        """One authority's files for a period (readable or not) and what was found in them."""
        own = "la_code = ? AND (collection IS NULL OR collection = ?) AND (period IS NULL OR period = ?)"
        params = (la_code, collection, period)
        return "|".join((
            self.digest(f"SELECT * FROM submissions WHERE {own} ORDER BY id", params),
            self.digest("SELECT COUNT(*), MIN(rowid), MAX(rowid) FROM issues WHERE submission_id IN "
                        f"(SELECT id FROM submissions WHERE {own})", params),
            self.digest("SELECT COUNT(*), MIN(rowid), MAX(rowid) FROM \"values\" WHERE submission_id IN "
                        f"(SELECT id FROM submissions WHERE {own})", params),
        ))

    def runs(self) -> pd.DataFrame:
        return self.frame("SELECT * FROM runs ORDER BY id")

    def record_drafts(self, run_id: int | None, kind: str, period: str | None, written: list[tuple[str, str]],
                      written_at: str) -> None:
        """Email drafts written for authorities, as (la_code, path), so the tracker can say who was last emailed."""
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO drafts (run_id, kind, la_code, period, path, written_at) VALUES (?,?,?,?,?,?)",
                [(run_id, kind, la_code, period, path, written_at) for la_code, path in written],
            )

    def drafts(self, period: str | None = None) -> pd.DataFrame:
        if period:
            return self.frame("SELECT * FROM drafts WHERE period = ? ORDER BY rowid", (period,))
        return self.frame("SELECT * FROM drafts ORDER BY rowid")


def submissions_query(collection: str | None = None, period: str | None = None) -> tuple[str, tuple]:
    where, params = _where(collection=collection, period=period, alias="")
    return f"SELECT * FROM submissions {where} ORDER BY id", params


def values_query(collection: str | None, period: str | None = None) -> tuple[str, tuple]:
    """The values of the returns in use, by period, authority and place in the return."""
    where, params = _in_use_where(collection, period)
    return (
        'SELECT v.la_code, v.period, v.section_id, v.row_number, v.field_id, v.value, v.number, v.rating, '
        "v.comment, v.sheet, v.cell, v.derived, v.prefilled, s.sha256, s.file, s.id AS submission_id "
        f"FROM {VALUES_OF_SUBMISSIONS} {where} "
        "ORDER BY v.period, v.la_code, v.section_id, v.row_number, v.rowid",
        params,
    )


def figures_query(collection: str, period: str) -> tuple[str, tuple]:
    """`Store.figures_in_use`: the form's values of a period's returns in use, in `values_query`'s order."""
    where, params = _in_use_where(collection, period)
    return (
        "SELECT v.la_code, v.period, v.field_id, v.value, v.number, v.rating, v.comment "
        f"FROM {VALUES_OF_SUBMISSIONS} {where} AND v.row_number IS NULL "
        "ORDER BY v.la_code, v.section_id, v.rowid",
        params,
    )


# The submissions chosen first, then their values found through values_by_submission: left to itself, SQLite
# read every value in the store to keep those of one period's returns.
VALUES_OF_SUBMISSIONS = 'submissions s CROSS JOIN "values" v ON s.id = v.submission_id'


def _in_use_where(collection: str | None, period: str | None) -> tuple[str, tuple]:
    where, params = _where(collection=collection, period=period, alias="s.")
    status = f"s.status IN ({','.join('?' * len(IN_USE))})"
    return (f"{where} AND {status}" if where else f"WHERE {status}"), params + IN_USE


def issues_query(collection: str | None = None, period: str | None = None) -> tuple[str, tuple]:
    where, params = _where(collection=collection, period=period, alias="s.")
    return (
        "SELECT s.sha256, i.la_code, i.period, i.severity, i.field_id, i.sheet, i.cell, i.rule, i.message, "
        "s.file, s.status, s.id AS submission_id "
        f"FROM issues i JOIN submissions s ON s.id = i.submission_id {where} ORDER BY s.id, i.rowid",
        params,
    )


def schema_version(db: sqlite3.Connection) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite3.Connection, path: Path) -> None:
    """Bring the store to this version's schema, all in one transaction, or leave it as it was."""
    if schema_version(db) == SCHEMA_VERSION:
        return
    db.execute("BEGIN IMMEDIATE")  # one migrating process at a time; the others wait, then see it done
    try:
        version = schema_version(db)
        if version > SCHEMA_VERSION:
            raise StoreError(f"the store {path} was made by a newer version of lscb (store version {version}, "
                             f"this tool knows up to {SCHEMA_VERSION}): upgrade lscb-workbooks "
                             "('pip install --upgrade lscb-workbooks') and run the command again")
        # A store from before versioning says 0 and already has the first schema: it is made IF NOT EXISTS.
        for migration in MIGRATIONS[version:]:
            for statement in _statements(migration.statements):
                db.execute(statement)
            for table, column, kind in migration.columns:
                if column not in {row[1] for row in db.execute(f'PRAGMA table_info("{table}")')}:
                    db.execute(f'ALTER TABLE "{table}" ADD COLUMN {column} {kind}')
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.commit()
    except BaseException:
        db.rollback()
        raise


def _statements(sql: str) -> list[str]:
    return [s.strip() for s in sql.split(";") if s.strip()]


def _unusable(path: Path, exc: sqlite3.DatabaseError) -> str:
    reason = str(exc)
    if "not a database" in reason or "malformed" in reason:
        return (f"{path} is not an lscb store (not a SQLite database): give --store the store.sqlite that "
                "'lscb collate' made, or the name of a new file")
    if "locked" in reason or "busy" in reason:
        return f"the store {path} is busy with another lscb run: wait for it to finish, then run this command again"
    return f"cannot use the store {path} ({reason}): check the file and its folder can be written"


def stored_time(text: object) -> datetime | None:
    """A time as the store writes it (ISO 8601), as a naive datetime for a spreadsheet; None if there is none."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return None


def _insert(db: sqlite3.Connection, checked: Checked) -> int:
    s = checked.submission
    s.status = s.status or s.outcome
    s.outcome_message = s.outcome_message or s.message
    row = _submission_row(s)
    columns = ", ".join(row)
    s.id = db.execute(
        f"INSERT INTO submissions ({columns}) VALUES ({', '.join('?' * len(row))})", tuple(row.values())
    ).lastrowid
    _insert_findings(db, checked)
    return s.id


SUBMISSION_FIELDS = tuple(f for f in fields(Submission) if f.name != "id")


def _submission_row(s: Submission) -> dict[str, object]:
    """{column: value} of a submission as stored, all but its id: `asdict` without the deep copy it makes of
    every value, which a submission's plain values do not need."""
    return {f.name: getattr(s, f.name) for f in SUBMISSION_FIELDS}


# What a verdict sets of a submission already stored; where and when it came stays.
JUDGED_COLUMNS = ("collection", "la_code", "period", "spec_version", "template_version", "outcome", "message",
                  "errors", "warnings", "saved_at", "tool_version")


def _set_verdict(db: sqlite3.Connection, submission_id: int, s: Submission) -> None:
    s.id = submission_id
    db.execute(f"UPDATE submissions SET {', '.join(f'{c} = ?' for c in JUDGED_COLUMNS)}, status = ?, "
               "outcome_message = ? WHERE id = ?",
               (*(getattr(s, c) for c in JUDGED_COLUMNS), s.outcome, s.message, submission_id))


def _insert_findings(db: sqlite3.Connection, checked: Checked) -> None:
    _insert_values(db, checked.submission.id, checked.values)
    _insert_issues(db, checked.submission.id, checked)


def _insert_values(db: sqlite3.Connection, submission_id: int, values: list[ValueRecord]) -> None:
    """A return's values, and their digest on its submission."""
    rows = [(submission_id, v.la_code, v.period, v.section_id, v.row_number, v.field_id, v.value, v.number,
             v.rating, v.comment, v.sheet, v.cell, int(v.derived), v.prefilled) for v in values]
    db.executemany(
        'INSERT INTO "values" (submission_id, la_code, period, section_id, row_number, field_id, value, '
        "number, rating, comment, sheet, cell, derived, prefilled) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    db.execute("UPDATE submissions SET values_digest = ? WHERE id = ?", (_values_digest(rows), submission_id))


def _insert_issues(db: sqlite3.Connection, submission_id: int, checked: Checked) -> None:
    s = checked.submission
    db.executemany(
        "INSERT INTO issues (submission_id, la_code, period, severity, field_id, sheet, cell, rule, message) "
        "VALUES (?,?,?,?,?,?,?,?,?)",
        [(submission_id, i.la_code or s.la_code, i.period or s.period, i.severity, i.field_id, i.sheet, i.cell,
          i.rule, i.message) for i in checked.issues],
    )


def _values_digest(rows: list[tuple]) -> str:
    """What a return's figures are, apart from where in the file they were: equal for a return sent again
    with the same figures (the submission and the cells left out)."""
    # One update of the rows' text joined is the digest of updating with each in turn, with one call, not thousands.
    text = "".join([repr(row[1:10] + row[12:]) for row in rows])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _where(collection: str | None, period: str | None, alias: str) -> tuple[str, tuple]:
    clauses, params = [], []
    if collection:
        clauses.append(f"{alias}collection = ?")
        params.append(collection)
    if period:
        clauses.append(f"{alias}period = ?")
        params.append(period)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), tuple(params)


def _same_figures(tied: list[sqlite3.Row]) -> bool:
    """Tied versions that hold the very same figures, ratings and comments, and were judged alike: the same
    return saved twice (as .xlsx and as .ods, say), so there is nothing to ask the coordinator."""
    return all(row["values_digest"] for row in tied) and len({(row["values_digest"], row["outcome"])
                                                              for row in tied}) == 1


def _verdict(row: sqlite3.Row, standing: list[sqlite3.Row]) -> tuple[str, str]:
    """The status and message of one return, given the return (or tied versions) that stands."""
    standing_ids = {r["id"] for r in standing}
    if row["id"] in standing_ids:
        return ("undecided", _undecided_message(row, standing)) if len(standing) > 1 else (
            row["outcome"], row["outcome_message"])
    if len(standing) == 1 and row["received_at"] == standing[0]["received_at"] and _same_figures([row, *standing]):
        return "superseded", (f"The same figures as {standing[0]['file']}, which arrived with it and stands for "
                              "both: nothing to do.")
    if row["blank"] and not standing[0]["blank"] and row["received_at"] >= standing[0]["received_at"]:
        return "rejected", _blank_after_message(row, standing)
    return "superseded", _superseded_message(standing[0])


def _blank_after_message(row: sqlite3.Row, standing: list[sqlite3.Row]) -> str:
    """A blank return received after one with figures: rejected, and it takes nothing out of use."""
    winner = standing[0] if len(standing) == 1 else None
    if winner is None or winner["outcome"] not in IN_USE:
        return row["outcome_message"]
    return (f"The return is blank: no figures were entered, so it replaces nothing: {winner['file']} (received "
            f"{winner['received_at'][:16].replace('T', ' ')}) stays in use. Nothing to do.")


def _undecided_message(row: sqlite3.Row, tied: list[sqlite3.Row]) -> str:
    """For the officer, who settles the tie: the versions, and the command that records the answer.
    (The coordinator's feedback words it for them: see outputs.feedback.)"""
    versions = [f"this one ({row['sha256'][:12]})"] + [f"{r['file']} ({r['sha256'][:12]})" for r in tied if r is not row]
    two = len(tied) == 2
    return (
        f"{len(tied)} versions of this return arrived at the same moment "
        f"({row['received_at'][:16].replace('T', ' ')}): {listed(versions)}, and the "
        f"workbooks do not say which was saved later, so {neither_or_none(len(tied))} is in use. Ask the "
        f"coordinator which one counts, then run 'lscb choose-version {row['sha256'][:12]}' "
        f"(or {'the other' if two else 'another'}'s sha256) to record it."
    )


def _superseded_message(latest: sqlite3.Row) -> str:
    return (
        f"Replaced by a later return for the same authority and period ({latest['file']}, "
        f"received {latest['received_at'][:16].replace('T', ' ')}): nothing to do."
    )
