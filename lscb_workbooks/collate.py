"""Collation: take in whatever arrived, keep every file, check each return, store it, report.

One command for the project officer. A bad file costs that file a row in the
ledger with a message saying what to do, never the run.
"""

from __future__ import annotations

import json
import pickle
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence, TypeVar

import pandas as pd

from .atomic import replacing
from .config import existing_signing_key
from .errors import LscbError
from .intake.archive import Archive
from .intake.inbox import Received, containers, inbox_files, walk_inbox
from .intake.reader import Workbook, check_and_read_as_ready
from .intake.safety import Unreadable
from .parallel import Handover, InProcess, new_event, start_in_process
from .processes import rare_full_collections
from .spec.load import load_spec
from .spec.models import Spec
from .spec.register import Register, load_register
from .spec.periods import PeriodError, parse_period
from .stages import add_seconds, stage, timing_stages
from .store.db import IN_USE, VALIDATED, Checked, Store, Submission
from .store.lock import one_run_at_a_time
from .store.returns import NOT_A_RETURN, UNPLACED, returns_for_round
from .validation.extract import ReturnData, extract
from .validation.records import ALTERED_TEMPLATE, BLANK_RETURN, IssueRecord, ValueRecord
from .validation.identity import Identified, SpecLibrary, identify
from .validation.schema import ReturnChecks
from .wording import neither_or_none, plural

if TYPE_CHECKING:
    from .outputs.comparison import Comparison

STATUSES = ("accepted", "accepted_with_warnings", "rejected", "superseded", "undecided", "duplicate", "unreadable",
            "ignored", "tool_error")
TOOL_ERROR = "tool_error"
TOOL_ERROR_MESSAGE = ("The tool could not check this file: nothing for you to do; the project officer has been told. "
                      "It will be checked again after the tool is fixed ('lscb recheck').")
TOOL_ERROR_LOG = "lscb-tool-errors.log"
Progress = Callable[[Sequence, str], Iterable]


@dataclass
class CollationReport:
    """What a run did: for the one-screen summary and for the project officer's next step."""

    out_dir: Path
    store_path: Path
    collection: str
    period: str | None
    new_files: int
    already_seen: int
    statuses: Counter
    missing: list[str]
    master: Path | None = None
    feedback: list[Path] = field(default_factory=list)
    profiles: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    run_id: int | None = None
    new_statuses: Counter = field(default_factory=Counter)
    pack: Path | None = None  # the folder to share, where a run suppressed small numbers


class OutputIsInbox(LscbError, ValueError):
    """The outputs would be written among the files received, to be taken in as returns next time."""


def no_progress(items: Sequence, label: str) -> Iterable:
    return items


def default_store_path(out_dir: Path) -> Path:
    return out_dir / "store.sqlite"


@rare_full_collections()  # from reading the spec on: see `processes`
def collate(inbox: Path, out_dir: Path, store_path: Path | None = None, collection: str = "dataset",
            period: str | None = None, suppress: bool = False, key: bytes | None = None,
            register: Register | None = None, progress: Progress = no_progress, run_id: int | None = None,
            report_register: Register | None = None, deadline: date | None = None,
            comparators=None) -> CollationReport:
    """Take in every file under `inbox`, check and store the new ones, and write the outputs into `out_dir`.

    Returns are identified against the whole `register`; the outputs cover
    `report_register` (one hub, say) when it is given. `run_id` is an entry
    already opened in the store's audit log, for a workspace that records the
    command line; without it the run is logged here. `deadline` is the
    round's, for the master workbook's returns tracker.
    """
    if Path(out_dir).resolve() == Path(inbox).resolve():
        raise OutputIsInbox(
            f"The output folder is the inbox itself ({inbox}): the next run would take the tool's own workbooks "
            f"in as returns. Give --out another folder, inside the inbox (such as {Path(inbox) / 'output'}) or "
            "beside it.")
    spec = load_spec(collection)
    register = register or load_register()
    key = key or existing_signing_key()
    store_path = store_path or default_store_path(out_dir)
    with one_run_at_a_time(store_path):
        return _collate(inbox, out_dir, Store(store_path), spec, suppress, key, register, progress, run_id,
                        report_register, period, deadline, comparators)


def _own_files(out_dir: Path, store: Store) -> list[Path]:
    """The tool's own folders and files, never taken in as received even when put inside the inbox."""
    db = store.path
    return [Path(out_dir), db.parent / "archive", db.parent / TOOL_ERROR_LOG, db,
            *(db.with_name(db.name + end) for end in ("-wal", "-shm", ".lock"))]


def _collate(inbox: Path, out_dir: Path, store: Store, spec: Spec, suppress: bool, key: bytes, register: Register,
             progress: Progress, run_id: int | None, report_register: Register | None, period: str | None,
             deadline: date | None, comparators=None) -> CollationReport:
    try:
        logged_here = run_id is None
        if run_id is None:
            run_id = store.start_run(now(), "collate", str(inbox))
        with stage("intake"):
            seen, new, kept = _take_in(inbox, out_dir, store)
        check_and_store_large(new, store, register, key, run_id, progress, SpecLibrary([spec]), _archive_of(store),
                              kept)
        notes = undecided_notes(store, register) + _this_run_notes(store, spec, register, run_id,
                                                                   one_hub=report_register is not None)
        new_statuses = _statuses_of(store, run_id)
        if logged_here:
            store.finish_run(run_id, f"{len(new)} new file(s)")
        report = write_outputs(store, spec, register, out_dir, period, suppress, deadline, comparators,
                               focus=report_register)
        report.new_files, report.already_seen = len(new), seen - len(new)
        report.notes = notes + report.notes
        report.run_id, report.new_statuses = run_id, new_statuses
        return report
    finally:
        store.close()


def _archive_of(store: Store) -> Archive:
    return Archive(store.path.parent / "archive")


def _take_in(inbox: Path, out_dir: Path, store: Store) -> tuple[int, list[Received], Callable[[], object] | None]:
    """How many files lie under `inbox`, those new to the store, and what to call to wait until the archive
    holds them all (before anything about them is stored); None where it holds them already.

    More than a batch of new files are kept first and returned without their bytes, which the archive
    then holds (`check_and_store` reads them back a batch at a time), so that a national intake never
    sits in memory whole. One batch, a round's usual intake, keeps its bytes, and is kept in the archive
    while it is read. A file taken in by an earlier run is counted and let go.
    """
    archive = _archive_of(store)
    own = _own_files(out_dir, store)
    files = inbox_files(inbox, own)  # listed once: each file's path is worked out in full only once
    archive.keep_all(data for _, data in containers(inbox, files=files))
    large_hashes = _large_hashes(archive)
    seen, new, holding = 0, [], []
    for item in walk_inbox(inbox, large_hashes, files=files):
        seen += 1
        if not store.known(item.path, item.sha256):
            holding.append(item)
        if len(holding) >= BATCH_FILES:
            new += _archived(archive, holding)
            holding = []
    kept = None
    if new:
        new += _archived(archive, holding)
    else:
        new, kept = holding, archive.keeping([item.data for item in holding if item.kept])
    _keep_large_hashes(archive, large_hashes)
    new.sort(key=lambda r: (received_at(r), r.path))
    return seen, new, kept


def _archived(archive: Archive, items: list[Received]) -> list[Received]:
    """Keep the files in the archive, and let go of their bytes."""
    archive.keep_all(item.data for item in items if item.kept)
    return [replace(item, data=b"") if item.kept else item for item in items]


LARGE_HASHES = "large-files.json"


def _large_hashes(archive: Archive) -> dict[str, str]:
    """The sha256 of files too large to be returns, as an earlier run found them, so they are read once."""
    try:
        known = json.loads((archive.root / LARGE_HASHES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in known.items()} if isinstance(known, dict) else {}


def _keep_large_hashes(archive: Archive, large_hashes: dict[str, str]) -> None:
    if not large_hashes:
        return
    with replacing(archive.root / LARGE_HASHES) as temporary:
        temporary.write_text(json.dumps(large_hashes, indent=1, sort_keys=True), encoding="utf-8")


def undecided_notes(store: Store, register: Register) -> list[str]:
    def named(la_code: str) -> str:
        authority = register.by_code(la_code)
        return f"{authority.name} ({la_code})" if authority else la_code

    return [f"{len(files)} versions of the return for {named(la)}, {p} ({', '.join(files)}) arrived at the same "
            f"moment and {neither_or_none(len(files))} says it was saved later, so none is in use: ask "
            "the coordinator which counts, then run "
            "'lscb choose-version SHA256' with its sha256 from submissions.csv."
            for la, p, files in store.undecided_returns()]


def _this_run_notes(store: Store, spec: Spec, register: Register, run_id: int, one_hub: bool) -> list[str]:
    """What the officer should know about this run's returns as a whole, beyond each file's own message:
    the files that are no authority's return, because nothing in them said whose they were; when none matched
    the signing key (the key is then more likely wrong than every template altered); and the returns for
    another collection, which this run's outputs do not show."""
    notes = [note] if (note := _unplaced_note(store, register, run_id, one_hub)) else []
    judged, altered = store.db.execute(
        f"SELECT COUNT(*), COALESCE(SUM(EXISTS(SELECT 1 FROM issues i WHERE i.submission_id = s.id "
        f"AND i.rule = ?)), 0) FROM submissions s WHERE s.run_id = ? "
        f"AND s.outcome IN ({','.join('?' * len(VALIDATED))})", (ALTERED_TEMPLATE, run_id, *VALIDATED)).fetchone()
    if judged >= 2 and altered == judged:
        notes.append(f"None of the {judged} returns taken in matched the signing key, so each was rejected as an "
                     "altered template. If they were filled in from templates this tool made, the key given "
                     "(--key-file, or the workspace's) is probably not the one the templates were made with: "
                     "'lscb recheck --key-file' with that key checks them again.")
    others = store.db.execute(
        f"SELECT collection, COUNT(*) FROM submissions WHERE run_id = ? AND collection IS NOT NULL "
        f"AND collection != ? AND outcome IN ({','.join('?' * len(VALIDATED))}) GROUP BY collection ORDER BY collection",
        (run_id, spec.id, *VALIDATED)).fetchall()
    for collection, count in others:
        notes.append(f"{plural(count, 'return')} taken in {'is' if count == 1 else 'are'} for another collection, "
                     f"'{collection}', not '{spec.id}': stored and checked, but not in these outputs. "
                     f"'lscb collate --collection {collection}' makes that collection's outputs.")
    return notes


MOST_UNPLACED_NAMED = 8


def _unplaced_note(store: Store, register: Register, run_id: int, one_hub: bool) -> str:
    """This run's files that could not be read or identified, so that they are no authority's return (nor in a
    hub's outputs): each named with its sender, and the authority whose coordinator that is. A hub's
    submissions.csv leaves out files nobody could place, so then the note says where their messages are."""
    rows = store.db.execute(
        f"SELECT file, sender, status FROM submissions WHERE run_id = ? AND {UNPLACED} ORDER BY id",
        (run_id,)).fetchall()
    if not rows:
        return ""
    named = []
    for file, sender, status in rows[:MOST_UNPLACED_NAMED]:
        whose = " and ".join(f"{a.name}'s" for a in register.coordinated_by(sender))
        who = f" from {sender}" + (f" ({whose} coordinator)" if whose else "") if sender else ""
        named.append(f"{file}{who}, {'could not be read' if status == 'unreadable' else 'rejected'}")
    more = f"; and {len(rows) - MOST_UNPLACED_NAMED} more" if len(rows) > MOST_UNPLACED_NAMED else ""
    from_coordinators = (" An authority whose coordinator sent one, and that has no return of its own, shows it "
                         "in its status and chase email.") if any(register.coordinated_by(sender)
                                                                  for _, sender, _ in rows) else ""
    return (f"{plural(len(rows), 'file')} taken in could not be matched to an authority, so "
            f"{'it is' if len(rows) == 1 else 'they are'} no authority's return: {'; '.join(named)}{more}."
            f"{from_coordinators} Each one's message, to pass on to its sender, is in submissions.csv"
            + (" of a run for all of London (without --hub)." if one_hub else "."))


def _statuses_of(store: Store, run_id: int) -> Counter:
    """How the files taken in by this run were judged, as they stand now."""
    rows = store.db.execute("SELECT status, COUNT(*) FROM submissions WHERE run_id = ? GROUP BY status", (run_id,))
    return Counter({status: n for status, n in rows.fetchall()})


def received_at(item: Received) -> str:
    moment = item.sent_at or item.modified_at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def check_and_store(items: list[Received], store: Store, register: Register, key: bytes, run_id: int,
                    progress: Progress = no_progress, specs: SpecLibrary | None = None,
                    archive: Archive | None = None, kept: Callable[[], object] | None = None) -> None:
    """Check each new file and store them all, in the order they were received.

    `specs` holds the spec of the collection being collated (which may be a revised draft given by its
    path); any other collection's returns are judged by the shipped specs. A very large intake (a
    national collection, years of returns at once) is checked and stored in batches, in order, so
    that memory holds one batch's workbooks at a time; each batch's returns are settled before the
    next, whose plausibility checks then find the figures in use for the period before in the store.
    Items whose bytes were let go (see `_take_in`) are read back from `archive`, one batch at a time.
    Where they were not, `kept` waits until the archive holds them, and is called before they are stored.
    """
    for start in range(0, max(len(items), 1), BATCH_FILES):
        batch = [_with_bytes(item, archive) for item in items[start:start + BATCH_FILES]]
        _judge_and_store(batch, store, register, key, run_id, progress, specs or SpecLibrary(), kept)
        with stage("store"):
            store.retire_incomplete_copies()
            store.settle_statuses()


def check_and_store_large(items: list[Received], store: Store, register: Register, key: bytes, run_id: int,
                          progress: Progress, specs: SpecLibrary, archive: Archive,
                          kept: Callable[[], object] | None = None) -> None:
    """`check_and_store`, in a process of its own when the files are more than one batch.

    Checking thousands of returns leaves this process's memory scattered with the space their
    workbooks took, which it keeps to the end of the run and which a process started afterwards to
    write beside it would share and copy. A process of its own gives that memory back to the system
    when it ends, so that the outputs start from what the tool needs and no more (at national scale,
    the most the whole run held at once went from about 550 MB to about 480 MB). An intake of one
    batch, a round's usual run, is checked here, without the cost of starting a process.
    """
    if len(items) <= BATCH_FILES:
        check_and_store(items, store, register, key, run_id, progress, specs, None if kept else archive, kept)
        return
    _wait_for(kept)
    aside = start_in_process(_check_and_store_in_process, items, store.path, register, key, run_id,
                             _sendable(progress), specs, archive.root)
    for name, elapsed in aside().items():
        add_seconds(name, elapsed)


def _check_and_store_in_process(items: list[Received], store_path: Path, register: Register, key: bytes, run_id: int,
                                progress: Progress, specs: SpecLibrary, archive_root: Path) -> dict[str, float]:
    """`check_and_store` with a store of its own; the seconds each stage took, for a timed run."""
    store = Store(store_path)
    try:
        with timing_stages() as seconds:
            check_and_store(items, store, register, key, run_id, progress, specs, Archive(archive_root))
    finally:
        store.close()
    return seconds


def _sendable(progress: Progress) -> Progress:
    """`progress`, if it can be handed to another process (a module-level function can); else no progress."""
    try:
        pickle.dumps(progress)
    except Exception:  # a lambda or a bound object: the files are checked without a progress bar
        return no_progress
    return progress


def _wait_for(kept: Callable[[], object] | None) -> None:
    if kept is not None:
        kept()


def _with_bytes(item: Received, archive: Archive | None) -> Received:
    if archive is None or item.data or not item.kept or item.kind != "workbook":
        return item
    return replace(item, data=archive.read(item.sha256))


# Files checked and held at once. What a batch holds (bytes, workbooks read, returns) is memory the process
# keeps to the end of the run, so at national scale 500 rather than 1,000 saves about 100 MB, for one
# more pandera pass per 500 returns.
BATCH_FILES = 500


def judge(items: list[Received], store: Store, register: Register, key: bytes, run_id: int,
          progress: Progress = no_progress, again: bool = False, specs: SpecLibrary | None = None) -> list[Checked]:
    """The verdict on each file, in the order given. `again`: files already in the store, judged afresh."""
    batch = _sorted_out(items, store, run_id, progress, again)
    batch.read(specs or SpecLibrary(), register, key, store)
    with stage("validation"):
        batch.done.update(_validate_all(batch.returns, store))
    return batch.in_order()


def _judge_and_store(items: list[Received], store: Store, register: Register, key: bytes, run_id: int,
                     progress: Progress, specs: SpecLibrary, kept: Callable[[], object] | None) -> None:
    """`judge` the files and store them (`Store.add_all`); with many returns, pandera's pass over them runs in
    another process while this one stores the files and their figures, and their verdicts are stored when it
    answers, in the same transaction. Should that process fail, the returns are validated here instead."""
    batch = _sorted_out(items, store, run_id, progress, again=False)
    beside = frames = None
    if len(batch.to_read) >= VALIDATE_BESIDE_MIN:  # started before the reading, so that it is ready when needed
        frames = Handover()
        beside = start_in_process(_pandera_failures, frames)
    try:
        batch.read(specs, register, key, store)
        with stage("validation"):
            checks = _pandera_beside(batch.returns, store, frames) if beside is not None else None
        verdicts_of = None
        if checks is None:
            with stage("validation"):
                batch.done.update(_validate_all(batch.returns, store))
        else:
            made = {index: data.value_records() for index, _, data in batch.returns}
            pending = {index: Checked(submission, values=made[index]) for index, submission, _ in batch.returns}
            batch.done.update(pending)

            def verdicts() -> list[Checked]:
                with stage("validation (waiting)"):
                    failures = _answered(beside)
                with stage("validation"):
                    judged = _validate_all(batch.returns, store, checks, failures, made)
                return [judged[index] for index in pending]

            verdicts_of = (list(pending.values()), verdicts)
        with stage("archive (waiting)"):
            _wait_for(kept)
        with stage("store"):
            store.add_all(batch.in_order(), verdicts_of=verdicts_of)
    finally:
        if beside is not None:
            frames.send(None)  # when this process failed before handing the frames over: the other one stops
            _answered(beside)


# Returns at which pandera's pass is made beside the storing. Its first pass in a process loads its checks, and
# that and the pass itself (some 0.05 s for 396 returns) are then done while this process stores; fewer returns
# are stored too quickly for another process to be worth starting (on Windows it imports the tool afresh).
VALIDATE_BESIDE_MIN = 100


@dataclass
class _Batch:
    """Files on their way to a verdict: those given one already (not returns, duplicates, then unreadable or
    refused), those still to read, and the returns read out, waiting to be validated."""

    run_id: int
    done: dict[int, Checked] = field(default_factory=dict)
    to_read: dict[int, Received] = field(default_factory=dict)
    returns: list[tuple[int, Submission, ReturnData]] = field(default_factory=list)

    def in_order(self) -> list[Checked]:
        return [self.done[index] for index in sorted(self.done)]

    def read(self, specs: SpecLibrary, register: Register, key: bytes, store: Store) -> None:
        """Read, identify and read out each file still to read; each return is identified and read out
        while the workers check and read the next ones."""
        to_read = self.to_read
        for read, result in _timed("read", check_and_read_as_ready([(str(k), item.data) for k, item in to_read.items()])):
            self._settle(int(read), result, specs, register, key, store)
        for index in list(to_read):  # none should be left; if one were, it is still answered
            self._settle(index, Unreadable("reader_crashed", "The file could not be read. Please save it again "
                                                             "in Excel and resend it."), specs, register, key, store)
        self.returns.sort(key=lambda r: r[0])  # in the order received: the latest of two returns is the later one

    def _settle(self, index: int, result: Workbook | Unreadable, specs: SpecLibrary, register: Register, key: bytes,
                store: Store) -> None:
        submission = _submission(self.to_read.pop(index), self.run_id)
        if isinstance(result, Unreadable):
            self.done[index] = Checked(_with(submission, "unreadable", result.message))
            return
        submission.saved_at = result.saved_at
        outcome = _identify_and_read(result, specs, register, key)
        if isinstance(outcome, ToolFault):
            if outcome.identified is not None:
                _stamp(submission, outcome.identified)
            self.done[index] = _tool_error(submission, outcome, store)
        elif isinstance(outcome, IssueRecord):
            submission.la_code, submission.period = outcome.la_code, outcome.period
            self.done[index] = Checked(_with(submission, "rejected", outcome.message, errors=1), issues=[outcome])
        else:
            identified, data = outcome
            _stamp(submission, identified)
            self.returns.append((index, submission, data))


def _sorted_out(items: list[Received], store: Store, run_id: int, progress: Progress, again: bool) -> _Batch:
    """`items` as a batch: files that are not returns, and copies of files already received, given their verdict."""
    batch = _Batch(run_id)
    seen: dict[str, Received] = {}
    for index, item in enumerate(progress(items, "Checking files")):
        submission = _submission(item, run_id)
        earlier = seen.get(item.sha256) or (None if again else store.first_receipt_of(item.sha256))
        if item.kind != "workbook":
            batch.done[index] = Checked(_with(submission, "ignored",
                                              item.note or f"{item.name} is not a return: nothing to do."))
        elif earlier is not None:
            batch.done[index] = Checked(_with(submission, "duplicate", _duplicate_message(earlier)))
        else:
            batch.to_read[index] = item
            seen[item.sha256] = item
    return batch


T = TypeVar("T")


def _timed(name: str, results: Iterator[T]) -> Iterator[T]:
    """`results`, with the time spent waiting for each counted to stage `name`."""
    while True:
        with stage(name):
            result = next(results, _END)
        if result is _END:
            return
        yield result


_END = object()


@dataclass
class ToolFault:
    """An error in the tool itself while checking a file: the tool's fault, never the coordinator's."""

    details: str
    identified: Identified | None = None


def _identify_and_read(workbook: Workbook, specs: SpecLibrary, register: Register,
                       key: bytes) -> IssueRecord | ToolFault | tuple[Identified, ReturnData]:
    identified = None
    try:
        with stage("identity"):
            identified = identify(workbook, specs, register, key)
        if isinstance(identified, IssueRecord):
            return identified
        with stage("extract"):
            return identified, extract(identified, workbook)
    except Exception:  # a bug of the tool's, whatever the file holds: reported as such and checked again later
        return ToolFault(traceback.format_exc(), identified)


def _tool_error(submission: Submission, fault: ToolFault, store: Store) -> Checked:
    """Record the tool's own failure, with its traceback in a log beside the store for the project officer."""
    with (store.path.parent / TOOL_ERROR_LOG).open("a", encoding="utf-8") as handle:
        handle.write(f"--- {now()} lscb {tool_version()}: {submission.file} ({submission.path}, "
                     f"sha256 {submission.sha256})\n{fault.details}\n")
    return Checked(_with(submission, TOOL_ERROR, TOOL_ERROR_MESSAGE))


@cache
def tool_version() -> str:
    try:
        return version("lscb-workbooks")
    except PackageNotFoundError:
        return "unknown"


def _validate_all(returns: list[tuple[int, Submission, ReturnData]], store: Store,
                  checks: list[tuple[ReturnChecks, list[ReturnData]]] | None = None,
                  failures: list[list[pd.DataFrame | None]] | None = None,
                  made: dict[int, list[ValueRecord]] | None = None) -> dict[int, Checked]:
    """Validate every new return in one pandera pass per collection.

    Plausibility compares each return with the same authority's previous period: the latest
    return for it in this batch if there is one, else the figures in use in the store.
    Should the tool fail on the batch, each return is checked alone, so that only the one
    it cannot check is set aside. `checks` are the schemas and returns of a pass made in another
    process (`_pandera_beside`), and `failures` what it found, recorded here; without `failures`
    (that process failed), the pass is made here. `made`: each return's values, made already (by index).
    """
    try:
        return _validate_together(returns, store, checks, failures, made)
    except Exception:
        if len(returns) == 1:
            index, submission, _ = returns[0]
            return {index: _tool_error(submission, ToolFault(traceback.format_exc()), store)}
    judged: dict[int, Checked] = {}
    for one in returns:
        judged.update(_validate_all([one], store, made=made))
    return judged


def _validate_together(returns: list[tuple[int, Submission, ReturnData]], store: Store,
                       checks: list[tuple[ReturnChecks, list[ReturnData]]] | None,
                       failures: list[list[pd.DataFrame | None]] | None,
                       made: dict[int, list[ValueRecord]] | None) -> dict[int, Checked]:
    if checks is None:
        checks = _checks_of(returns, store)
    for number, (collection, checkable) in enumerate(checks):
        if failures is None:
            collection.validate(checkable)
        else:
            collection.record(failures[number], checkable)
    return {index: _judge(submission, data, None if made is None else made[index]) for index, submission, data in returns}


def _checks_of(returns: list[tuple[int, Submission, ReturnData]],
               store: Store) -> list[tuple[ReturnChecks, list[ReturnData]]]:
    """Each collection's checks, with its returns that hold figures to check, each given the figures of the
    period before that its plausibility is judged against (`_attach_previous`)."""
    _attach_previous([data for _, _, data in returns], store)
    by_spec: dict[str, list[ReturnData]] = {}
    for _, _, data in returns:
        by_spec.setdefault(data.spec.id, []).append(data)
    return [(ReturnChecks(datas[0].spec), [d for d in datas if not d.is_blank]) for datas in by_spec.values()]


def _pandera_beside(returns: list[tuple[int, Submission, ReturnData]], store: Store,
                    frames: Handover) -> list[tuple[ReturnChecks, list[ReturnData]]] | None:
    """Hand each collection's frame to the process `_pandera_failures` runs in; the schemas and returns, for
    `_validate_all` to record what it finds. None if the frames could not be made (an error of the tool's): the
    returns are then validated here, where a return the tool cannot check is found and set aside."""
    try:
        checks = _checks_of(returns, store)
        frames.send([(collection.spec, collection.frames(checkable)) for collection, checkable in checks])
    except Exception:
        return None
    return checks


def _pandera_failures(frames: Handover) -> list[list[pd.DataFrame | None]]:
    """In another process: pandera's failures over each collection's frames handed over (`ReturnChecks`)."""
    sent = frames.receive()
    return [] if sent is None else [ReturnChecks(spec).failures(its_frames) for spec, its_frames in sent]


def _answered(beside: InProcess) -> list[pd.DataFrame | None] | None:
    """What the process beside answered, or None if it failed: the returns are then validated here."""
    try:
        return beside()
    except Exception:
        return None


def _attach_previous(returns: list[ReturnData], store: Store) -> None:
    latest_in_batch: dict[tuple[str, str, str], ReturnData] = {}
    for data in returns:
        latest_in_batch[(data.spec.id, data.la_code, str(data.period))] = data
    in_store: dict[tuple[str, str], dict[str, dict[str, float]]] = {}
    for data in returns:
        previous = str(data.period.previous())
        earlier = latest_in_batch.get((data.spec.id, data.la_code, previous))
        if earlier is not None:
            data.previous = {f: c.parsed.number for f, c in earlier.form.items() if c.parsed.number is not None}
            continue
        if (data.spec.id, previous) not in in_store:
            in_store[(data.spec.id, previous)] = store.numbers_in_use(data.spec.id, previous)
        data.previous = in_store[(data.spec.id, previous)].get(data.la_code, {})


def _judge(submission: Submission, data: ReturnData, values: list[ValueRecord] | None = None) -> Checked:
    """The verdict on a return validated, with its values (`values`, where made already) and issues."""
    if data.is_blank:
        issue = IssueRecord("error", BLANK_RETURN,
                            "The return is blank: no figures were entered. Please fill it in and send it again.")
        return Checked(_with(submission, "rejected", issue.message, errors=1), issues=[issue])
    errors = sum(i.severity == "error" for i in data.issues)
    warnings = len(data.issues) - errors
    figures = data.answered
    if errors:
        status = "rejected"
        message = (f"Rejected: {plural(errors, 'error')}" + (f" and {plural(warnings, 'warning')}" if warnings else "")
                   + f". Please correct {'it' if errors + warnings == 1 else 'them'} (the feedback workbook lists each "
                   "cell) and send the whole return again.")
    elif warnings:
        status = "accepted_with_warnings"
        message = (f"Accepted with {plural(warnings, 'warning')}: {plural(figures, 'answer')} read. Please check the figures "
                   "listed in the feedback workbook; reply if they are right, or send a corrected return.")
    else:
        status, message = "accepted", f"Accepted: {plural(figures, 'answer')} read, no problems. Nothing to do."
    return Checked(_with(submission, status, message, errors=errors, warnings=warnings),
                   values=data.value_records() if values is None else values, issues=data.issues)


def _submission(item: Received, run_id: int) -> Submission:
    return Submission(
        path=item.path, file=item.name, sha256=item.sha256, source=item.source, sender=item.sender,
        sent_at=item.sent_at.isoformat(timespec="seconds") if item.sent_at else None,
        modified_at=item.modified_at.isoformat(timespec="seconds"),
        received_at=received_at(item), received_basis="email sent date" if item.sent_at else "file modified time",
        outcome="", message="", run_id=run_id, tool_version=tool_version(),
    )


def _with(submission: Submission, outcome: str, message: str, errors: int = 0, warnings: int = 0) -> Submission:
    submission.outcome, submission.message = outcome, message
    submission.errors, submission.warnings = errors, warnings
    return submission


def _stamp(submission: Submission, identified: Identified) -> None:
    identity = identified.identity
    submission.collection = identity["collection"]
    submission.la_code = identity["la_code"]
    submission.period = identity["period"]
    submission.spec_version = identity.get("spec_version")
    submission.template_version = identity.get("template_version")


def _duplicate_message(earlier) -> str:
    name = earlier.name if isinstance(earlier, Received) else earlier["file"]
    where = earlier.path if isinstance(earlier, Received) else earlier["path"]
    return (f"Identical to {name} already received ({where}); this copy was not counted again. Nothing to do.")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def choose_period(store: Store, spec: Spec, period: str | None) -> str | None:
    """The period the outputs are for: the one asked for (the workspace's, or --period), else the period
    most returns in use are for (the later on a tie).

    A rejected or unreadable return never chooses, so one stray file for another year cannot switch
    the round; only when no return at all is in use do the returns received say which period it is.
    """
    if period:
        return period
    counts = _returns_by_period(store, spec, IN_USE) or _returns_by_period(store, spec, None)
    if not counts:
        return None
    return max(counts, key=lambda p: (counts[p], _period_order(p)))


def _returns_by_period(store: Store, spec: Spec, statuses: tuple[str, ...] | None) -> Counter:
    frame = store.submissions(spec.id)
    frame = frame[frame.period.notna() & frame.la_code.notna()]
    if statuses is not None:
        frame = frame[frame.status.isin(statuses)]
    return Counter(frame.drop_duplicates(["la_code", "period"]).period)


def _period_order(period: str) -> tuple:
    try:
        return parse_period(period).sort_key()
    except PeriodError:
        return (0, 0)


def other_periods_note(store: Store, spec: Spec, period: str | None) -> str:
    """The periods returns were received for besides the one the outputs are for, so none goes unnoticed."""
    frame = store.submissions(spec.id)
    frame = frame[frame.period.notna() & (frame.period != period) & ~frame.status.isin(NOT_A_RETURN)]
    if frame.empty:
        return ""
    parts = []
    for other in sorted(frame.period.unique(), key=_period_order):
        statuses = Counter(frame[frame.period == other].status)
        words = ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in sorted(statuses.items()))
        parts.append(f"{other} ({words})")
    return (f"The outputs are for {period}; returns were also received for {'; '.join(parts)}. "
            "Give --period to produce the outputs for another period.")


def write_outputs(store: Store, spec: Spec, register: Register, out_dir: Path, period: str | None,
                  suppress: bool = False, deadline: date | None = None, comparators=None,
                  focus: Register | None = None) -> CollationReport:
    """The ledgers as CSV, the master workbook, and feedback and profile workbooks.

    `deadline` is the round's (from a workspace), for the master workbook's returns tracker;
    `comparators` are published figures (`opendata.published.Published`) shown beside London.
    With `focus` (one hub's outputs) the ledgers and workbooks cover the authorities of `focus`
    alone (no other borough's files, figures or problems, and no file nobody could place), each
    compared with London as a whole: London's figures and every rank come from all of `register`.
    With `suppress` (the dataset only), the master, values and profiles go into a pack for
    sharing, `out_dir/shared`, under disclosure control; the officer's ledgers and feedback
    stay in `out_dir`, outside the pack, as they quote borough figures.
    """
    from .outputs.csv_export import stream_csv
    from .outputs.manifest import OutputManifest
    from .store.db import issues_query, submissions_query, values_query

    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = OutputManifest(out_dir)
    period = choose_period(store, spec, period)
    notes = [note] if (note := other_periods_note(store, spec, period)) else []
    shown = focus or register
    codes = {a.la_code for a in focus} if focus is not None else None
    with stage("submissions.csv"):
        stream_csv(store.rows(submissions_query(), SUBMISSION_COLUMNS, codes), out_dir / "submissions.csv",
                   SUBMISSION_COLUMNS)
    with stage("issues.csv"):
        stream_csv(store.rows(issues_query(), ISSUE_COLUMNS, codes), out_dir / "issues.csv", ISSUE_COLUMNS)
    statuses = Counter(status for (status,) in store.rows(submissions_query(), ("status",), codes))
    report = CollationReport(out_dir, store.path, spec.id, period, 0, 0, statuses,
                             [] if spec.open_to else missing_authorities(store, spec, shown, period),
                             notes=notes)
    if not period or spec.kind != "dataset":
        with stage("values.csv"):
            stream_csv(store.rows(values_query(spec.id, period), VALUE_COLUMNS, codes), out_dir / "values.csv",
                       VALUE_COLUMNS)
    feedback_due = bool(period and not spec.open_to)

    def feedback() -> None:
        """The feedback workbooks, once: while the other process still writes profiles, where there is one."""
        nonlocal feedback_due
        if feedback_due:
            feedback_due = False
            with stage("feedback"):
                report.feedback = _write_feedback(store, spec, shown, out_dir / "feedback", period, manifest)

    if comparators is not None and period and period not in comparators.periods():
        report.notes.append(f"The published figures ({', '.join(comparators.files)}) have none for {period} "
                            f"(they cover {', '.join(comparators.periods())}), so England is not shown.")
    if period and spec.open_to:
        from .outputs.good_practice_master import write_good_practice_master

        report.master = write_good_practice_master(store, spec, period, out_dir / "master.xlsx")
    elif period and spec.kind != "dataset":
        report.master = write_survey_master(store, spec, shown, period, out_dir / "master.xlsx")
    elif period and suppress:
        report.pack = write_shared_pack(store, spec, register, out_dir / SHARED_PACK, period, deadline, comparators,
                                        focus)
        report.master = report.pack / "master.xlsx"
        report.profiles = sorted((report.pack / "profiles").glob("*.xlsx"))
    elif period:
        report.master, report.profiles = _write_figures(store, spec, register, out_dir, period, False, deadline,
                                                        comparators, focus, manifest, cache_dir=out_dir,
                                                        meanwhile=feedback)
    feedback()
    manifest.save()
    return report


def _write_feedback(store: Store, spec: Spec, shown: Register, folder: Path, period: str, manifest) -> list[Path]:
    """The feedback workbooks of the authorities whose files, findings or earlier figures changed since the
    last run; every other authority's feedback (or its absence) stands."""
    from .outputs.feedback import write_feedback
    from .outputs.manifest import fingerprint

    before = _period_before(store, spec, period)
    earlier = store.figures_digest(spec.id, [before], before) if before else ""
    common = (tool_version(), _spec_digest(spec), period, before, earlier)
    made_from = {a.la_code: fingerprint("feedback", common, a, store.authority_digest(spec.id, period, a.la_code))
                 for a in shown}
    due = Register(a for a in shown if not manifest.up_to_date(f"feedback/{a.la_code}", made_from[a.la_code]))
    written = {p.name: p for p in write_feedback(store, spec, due, folder, period)} if due else {}
    for a in due:
        own = written.get(f"{a.file_stem}.xlsx")
        manifest.record(f"feedback/{a.la_code}", made_from[a.la_code], [own] if own else [])
    return [p for a in shown for p in manifest.files(f"feedback/{a.la_code}")]


def _period_before(store: Store, spec: Spec, period: str) -> str | None:
    try:
        key = parse_period(period).sort_key()
        before = [p for p in store.periods(spec.id) if parse_period(p).sort_key() < key]
    except PeriodError:
        return None
    return max(before, key=lambda p: parse_period(p).sort_key()) if before else None


def _periods_up_to(store: Store, spec: Spec, period: str) -> list[str]:
    try:
        key = parse_period(period).sort_key()
        return [p for p in store.periods(spec.id) if parse_period(p).sort_key() <= key]
    except PeriodError:
        return [period]


def _spec_digest(spec: Spec) -> str:
    return spec.model_dump_json()


def _comparators_digest(comparators) -> object:
    if comparators is None:
        return None
    return (sorted(comparators.figures.items()), sorted(comparators.areas.items()), comparators.files)


SHARED_PACK = "shared"
PACK_README = """This folder is a pack of {title}, {period}, for sharing beyond the steering group.

Small numbers are suppressed: every count from 1 to 5 is shown as 'c', and so is any rate or
percentage worked out from one. Further figures, and some London, hub, inner or outer totals, are
shown as 'c' too, so that no hidden count can be worked out by subtracting the figures shown from a
total. Ranks, quartiles, percentiles, charts and trends are worked out as if the hidden figures did not
exist. The master workbook's Contents sheet states the method.

What is here:
  master.xlsx   the comparison workbook (no borough's messages or data-quality warnings)
  values.csv    every figure in use, with 'c' where hidden (and no comment beside a hidden figure)
  profiles/     one profile workbook per authority that returned

What is not here, and should not be added: submissions.csv, issues.csv and the feedback workbooks,
which quote boroughs' own figures, and the store. They stay with the project officer.
"""


def write_shared_pack(store: Store, spec: Spec, register: Register, pack: Path, period: str,
                      deadline: date | None = None, comparators=None, focus: Register | None = None) -> Path:
    """The suppressed master, values and profiles, written to a new folder that then replaces `pack` whole.

    Nothing from an earlier run survives in the pack, and nothing but what is listed in its README goes in.
    """
    from .atomic import replacing_folder

    with replacing_folder(pack) as building:
        _write_figures(store, spec, register, building, period, True, deadline, comparators, focus,
                       cache_dir=pack.parent)
        (building / "README.txt").write_text(PACK_README.format(title=spec.title, period=period), encoding="utf-8")
    return pack


def _write_figures(store: Store, spec: Spec, register: Register, out_dir: Path, period: str, suppress: bool,
                   deadline: date | None, comparators, focus: Register | None,
                   manifest=None, cache_dir: Path | None = None,
                   meanwhile: Callable[[], None] = lambda: None) -> tuple[Path, list[Path]]:
    """values.csv, the master workbook and the profiles of the authorities shown (`focus`, else all of
    `register`), under disclosure control where `suppress`.

    The comparison, and so its protection, is London's whatever is shown: every pack of a round
    hides the same figures, so that no two of them can be set side by side to give one away.
    With a `manifest` (the outputs as the last run left them), the master, the profiles and values.csv
    are written only when what they show has changed (and values.csv written with the same rows is left
    as it was).
    With a `cache_dir` (the outputs folder), each period's trends are kept there and worked out again
    only when that period's or the period before's returns change (`outputs.trend_cache`).
    `meanwhile` is other work of the run's, done once the master is written while the other process
    writes profiles (each process then takes its share of those that are left).
    """
    from .outputs.benchmarks import add_comparators
    from .outputs.comparison import compare_period, rejected_in, suppressed_values, with_trends
    from .outputs.csv_export import write_csv
    from .outputs.master import write_master
    from .outputs.profiles import in_profile_order, produced_text, profile_turns, write_profiles_in_turn
    from .round_status import tracker_columns

    from .outputs.csv_export import stream_csv
    from .outputs.manifest import fingerprint
    from .outputs.trend_cache import PeriodValues, TrendCache
    from .store.db import values_query

    shown = focus or register
    trend_cache = None if cache_dir is None else TrendCache(
        cache_dir, "trends-suppressed" if suppress else "trends", tool_version(), _spec_digest(spec), tuple(register))
    round_columns = tracker_columns(store, spec.id, shown, period, deadline) if deadline else None
    master_from = profiles_from = values_from = None
    if manifest is not None:
        with stage("fingerprints"):
            periods = _periods_up_to(store, spec, period)  # the trends run up to the period shown
            figures = (tool_version(), _spec_digest(spec), tuple(register), tuple(shown), period, periods, suppress,
                       _comparators_digest(comparators), store.figures_digest(spec.id, periods, period))
            period_files = store.period_digest(spec.id, period)
            profiles_from = fingerprint("profiles", figures)
            master_from = fingerprint("master", figures, period_files,
                                      None if round_columns is None else round_columns.to_csv())
            values_from = fingerprint("values.csv", figures, period_files)

    def values_csv() -> None:
        if not suppress and (manifest is None or not manifest.up_to_date("values.csv", values_from)):
            with stage("values.csv"):
                stream_csv(store.rows(values_query(spec.id, period), VALUE_COLUMNS, {a.la_code for a in shown}),
                           out_dir / "values.csv", VALUE_COLUMNS)
            if manifest is not None:
                manifest.record("values.csv", values_from, [out_dir / "values.csv"])

    if manifest is not None and manifest.up_to_date("master", master_from) and manifest.up_to_date("profiles",
                                                                                                   profiles_from):
        values_csv()
        return out_dir / "master.xlsx", manifest.files("profiles")
    every_period = PeriodValues.of_store(store, spec.id)
    master_due = manifest is None or not manifest.up_to_date("master", master_from)
    profiles_due = manifest is None or not manifest.up_to_date("profiles", profiles_from)
    # Both processes write profiles, each taking the next when it is free. The other one starts first, and
    # works out the trends of every earlier period into the cache while this one compares the period shown;
    # handed that comparison, it adds the period shown's trends while this one writes the master's sheets
    # that do not show them.
    folder, produced = out_dir / "profiles", produced_text(None)
    other = trends_done = turns = handover = None
    if profiles_due:
        turns, handover = profile_turns(), Handover()
        if master_due and trend_cache is not None:
            trends_done = new_event()
        other = start_in_process(_trends_then_profiles, handover, folder, produced, turns,
                                 (store.path, spec.id, spec, register, period, suppress, trend_cache, trends_done)
                                 if trends_done else None)
    try:
        values_csv()  # while the other process starts on the trends
        with stage("comparison"):
            in_use = store.values_in_use(spec.id, period)  # all of London: London's figures and ranks rest on it
            rejected = rejected_in(store.submissions(spec.id, period))
            comparison = compare_period(spec, register, in_use, period, rejected=rejected,
                                        suppress=suppress).focused(focus)
            # First the period shown beside the one before, for each authority's direction of travel: the
            # profiles need no more, and are written while the master's trends over every period are worked out.
            comparison = with_trends(comparison, every_period, trend_cache, this_period_only=True)
        if suppress:
            with stage("values.csv"):
                shown_values = suppressed_values(_listed(shown)(in_use), spec, [comparison])
                write_csv(shown_values, out_dir / "values.csv", VALUE_COLUMNS)
        with_comparators = add_comparators(comparison, comparators)
        if handover is not None:
            handover.send((with_comparators, comparison))
    finally:
        if handover is not None:
            handover.send(None)  # when this process failed first: the other one stops instead of waiting
    master, profiles = out_dir / "master.xlsx", []
    if master_due:
        def one_profile() -> bool:
            with stage("profiles"):
                one = write_profiles_in_turn(with_comparators, folder, produced, turns, most=1)
            profiles.extend(one)
            return bool(one)

        def every_trend() -> Comparison:
            """Asked for by the master once its other sheets are drawn: until the other process has the
            trends ready, this one writes profiles in the meantime (in turns with it, when it is free)."""
            if trends_done is not None:
                with stage("trends (waiting)"):
                    other.work_until(trends_done, one_profile)
            # Read back from the cache, where the other process has put them; else worked out here.
            with stage("trends" if trends_done is None else "trends (read back)"):
                return with_trends(comparison, every_period, trend_cache)

        with stage("master"):  # the stages inside it (trends, profiles meanwhile) count to themselves
            master = write_master(store, spec, shown, period, master, suppress=suppress,
                                  round_columns=round_columns, runs=None if suppress else store.runs(),
                                  comparison=comparison, comparators=comparators, trends_later=every_trend)
        if manifest is not None:
            manifest.record("master", master_from, [master])
    meanwhile()
    if other is None:
        return master, manifest.files("profiles")
    with stage("profiles"):
        profiles += write_profiles_in_turn(with_comparators, folder, produced, turns)
    with stage("profiles (waiting)"):
        theirs, seconds = other()
    for name, elapsed in seconds.items():
        add_seconds(name, elapsed)
    profiles = in_profile_order(with_comparators, profiles + theirs)
    if manifest is not None:
        manifest.record("profiles", profiles_from, profiles)
    return master, profiles


def _trends_then_profiles(handover: Handover, folder: Path, produced: str, turns: Any,
                          trends: tuple | None) -> tuple[list[Path], dict[str, float]]:
    """Beside the collating process: the trends of every earlier period into their cache, when asked (the
    store's path, the collection, spec and register, the period shown, whether under disclosure control, the
    cache and the event to set when they are there); then, handed the period shown's comparison (with and
    without England's figures), its trends too, and profiles in turns with the collating process. Returns the
    profiles written and the seconds each part took."""
    from .outputs.comparison import earlier_trends, with_trends
    from .outputs.profiles import write_profiles_in_turn
    from .outputs.trend_cache import PeriodValues

    seconds = {}
    if trends is None:
        handed = handover.receive()
    else:
        store_path, collection, spec, register, period, suppress, cache, done = trends
        start = time.perf_counter()
        try:
            store = Store(store_path)
            try:
                source = PeriodValues.of_store(store, collection)
                earlier_trends(spec, register, source, period, suppress, cache)
                waiting = time.perf_counter()
                handed = handover.receive()
                start += time.perf_counter() - waiting
                if handed is not None:
                    with_trends(handed[1], source, cache)
            finally:
                store.close()
        finally:
            done.set()  # done or failed: the collating process reads what is there and works out the rest
        seconds["trends"] = time.perf_counter() - start
    if handed is None:
        return [], seconds
    start = time.perf_counter()
    written = write_profiles_in_turn(handed[0], folder, produced, turns)
    seconds["profiles"] = time.perf_counter() - start
    return written, seconds


def _listed(register: Register) -> Callable[[pd.DataFrame], pd.DataFrame]:
    codes = {a.la_code for a in register}
    return lambda frame: frame[frame.la_code.isin(codes)].reset_index(drop=True)


def write_survey_master(store: Store, spec: Spec, register: Register, period: str, path: Path) -> Path:
    """The mapping survey's or the consultation's own master workbook; profiles are for the dataset only."""
    from .outputs.consultation_master import write_consultation_master
    from .outputs.mapping_master import write_mapping_master

    writers = {"mapping": write_mapping_master, "consultation": write_consultation_master}
    return writers[spec.kind](store, spec, register, period, path)


def missing_authorities(store: Store, spec: Spec, register: Register, period: str | None) -> list[str]:
    if not period:
        return [a.la_code for a in register]
    returned = set(returns_for_round(store, spec.id, period).la_code)
    return [a.la_code for a in register if a.la_code not in returned]


SUBMISSION_COLUMNS = ("file", "sha256", "source", "la_code", "period", "status", "message", "path", "sender",
                      "received_at", "received_basis", "collection", "template_version", "errors", "warnings")
VALUE_COLUMNS = ("la_code", "period", "field_id", "value", "rating", "comment", "sheet", "cell", "sha256",
                 "section_id", "row_number", "derived", "prefilled", "file")
ISSUE_COLUMNS = ("sha256", "la_code", "severity", "field_id", "sheet", "cell", "rule", "message", "period",
                 "file", "status")
