"""A large intake's pandera pass runs in another process while this one stores the files and their figures.

Whether the checks ran beside the storing, here, or here after the process beside failed, the store holds
the very same verdicts, figures and issues, in the same order."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from lscb_workbooks import collate as collation
from lscb_workbooks.collate import collate
from lscb_workbooks.parallel import start_in_process

TABLES = ("submissions", "values", "issues")
# Where and when a file came, and the run that took it in, differ between two inboxes by their folder alone.
VARIES_BY_RUN = {"path", "source", "received_at", "modified_at", "run_id"}


@pytest.fixture
def inbox(make_return, templates, tmp_path) -> Path:
    """Returns of every kind a verdict can be: accepted, with errors in the form and in a table, blank, not a
    return, a copy of another, not a workbook at all."""
    folder = tmp_path / "inbox"

    def form_mistakes(entries):
        entries.values["CP_START"] = -4
        entries.values["CSC_REF"] = "n/a"
        entries.values.pop("MISS_HOME")

    def table_mistakes(entries):
        entries.table_rows = [{"agency": "Police", "description": "x" * 2500}]  # no category, too long

    make_return("302")
    make_return("303", change=form_mistakes)
    make_return("304", change=table_mistakes)
    path, _ = make_return("305")
    shutil.copyfile(path, folder / "copy of 305.xlsx")
    shutil.copyfile(templates["306"], folder / "blank.xlsx")
    (folder / "notes.txt").write_text("not a return", encoding="utf-8")
    (folder / "cut short.xlsx").write_bytes(path.read_bytes()[:3000])
    return folder


def stored(out: Path) -> dict[str, list[tuple]]:
    db = sqlite3.connect(out / "store.sqlite")
    db.row_factory = sqlite3.Row
    try:
        tables = {}
        for table in TABLES:
            rows = db.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()
            tables[table] = [tuple((k, row[k]) for k in row.keys() if k not in VARIES_BY_RUN) for row in rows]
        return tables
    finally:
        db.close()


def collated(inbox: Path, out: Path, key: bytes, monkeypatch, beside_from: int) -> dict[str, list[tuple]]:
    monkeypatch.setattr(collation, "VALIDATE_BESIDE_MIN", beside_from)
    collate(inbox, out, key=key)
    return stored(out)


def test_checks_made_beside_the_storing_store_what_checks_made_here_store(inbox, key, tmp_path, monkeypatch):
    here = collated(inbox, tmp_path / "here", key, monkeypatch, beside_from=10**6)
    beside = collated(inbox, tmp_path / "beside", key, monkeypatch, beside_from=1)
    assert beside == here
    statuses = [dict(row)["status"] for row in here["submissions"]]
    assert sorted(statuses) == sorted(["accepted", "rejected", "rejected", "accepted", "duplicate", "rejected",
                                       "ignored", "unreadable"]), statuses
    rules = {dict(row)["rule"] for row in here["issues"]}
    assert {"below_minimum", "not_a_number", "required", "text_too_long", "blank_return"} <= rules, rules
    blank = next(dict(row) for row in here["submissions"] if dict(row)["file"] == "blank.xlsx")
    blank_values = [row for row in here["values"] if dict(row)["submission_id"] == blank["id"]]
    assert blank_values == [], "a blank return keeps no figures, as when checked here"


def test_when_the_process_beside_fails_the_returns_are_checked_here(inbox, key, tmp_path, monkeypatch):
    here = collated(inbox, tmp_path / "here", key, monkeypatch, beside_from=10**6)
    def failed(beside):
        beside()  # waited for, as ever, and its answer then lost
        return None

    monkeypatch.setattr(collation, "_answered", failed)
    assert collated(inbox, tmp_path / "after", key, monkeypatch, beside_from=1) == here


def test_a_failed_process_beside_is_answered_as_none_and_waited_for_once():
    failing = start_in_process(int, "not a number")
    assert collation._answered(failing) is None
    assert collation._answered(failing) is None, "asked again, the same answer, without waiting again"
    working = start_in_process(int, "12")
    assert working() == 12 and working() == 12
