"""A round's store outlives the tool's version: older stores are migrated on open, newer ones refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from lscb_workbooks.store.db import SCHEMA_VERSION, Checked, Store, StoreError, Submission
from lscb_workbooks.store.lock import StoreBusy, one_run_at_a_time

PREVIOUS_SCHEMA = Path(__file__).with_name("schema_v1.sql")


def previous_store(path: Path) -> Path:
    """A store as the version before schema versioning wrote it, holding one accepted return."""
    db = sqlite3.connect(path)
    db.executescript(PREVIOUS_SCHEMA.read_text(encoding="utf-8"))
    db.execute("INSERT INTO runs (started_at, command) VALUES ('2026-05-01T09:00:00+00:00', 'collate')")
    db.execute(
        "INSERT INTO submissions (path, file, sha256, source, received_at, received_basis, collection, la_code, "
        "period, outcome, status, message, run_id) VALUES ('r.xlsx', 'r.xlsx', ?, '', '2026-05-01T08:00:00+00:00', "
        "'file modified time', 'dataset', '302', '2026-27', 'accepted', 'accepted', 'Accepted', 1)", ("a" * 64,))
    db.execute('INSERT INTO "values" (submission_id, la_code, period, section_id, field_id, value, number) '
               "VALUES (1, '302', '2026-27', 'csc', 'CSC_REF', '12', 12)")
    db.commit()
    db.close()
    return path


def test_a_store_from_the_previous_schema_is_migrated_on_open(tmp_path):
    path = previous_store(tmp_path / "store.sqlite")
    store = Store(path)
    try:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        kept = store.submissions()
        assert kept[["file", "la_code", "status"]].values.tolist() == [["r.xlsx", "302", "accepted"]]
        assert store.values_in_use("dataset", "2026-27").number.tolist() == [12.0]
        assert "tool_version" in kept.columns and kept.tool_version.isna().all()
        new = Submission(path="s.xlsx", file="s.xlsx", sha256="b" * 64, source="", sender=None, sent_at=None,
                         modified_at=None, received_at="2026-05-02T08:00:00+00:00", received_basis="file modified time",
                         outcome="rejected", message="Rejected", tool_version="9.9")
        store.add(Checked(new))
        assert store.submissions().tool_version.tolist()[-1] == "9.9"
        assert store.frame("SELECT * FROM verdict_changes").empty
        indexes = {name for (name,) in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "values_by_submission" in indexes and "values_by_return" not in indexes
    finally:
        store.close()
    Store(path).close()  # opening again changes nothing


def test_a_store_made_by_a_newer_tool_is_refused_untouched(tmp_path):
    path = tmp_path / "store.sqlite"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="made by a newer version of lscb"):
        Store(path)
    assert path.read_bytes() == before


def test_a_file_that_is_not_sqlite_is_named_and_left_alone(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_bytes(b"minutes of the last meeting\n" * 50)
    with pytest.raises(StoreError, match="is not an lscb store"):
        Store(path)
    assert path.read_bytes() == b"minutes of the last meeting\n" * 50


def test_one_run_at_a_time_per_store(tmp_path):
    path = tmp_path / "store.sqlite"
    with one_run_at_a_time(path):
        with pytest.raises(StoreBusy, match="another lscb run is using the store"):
            with one_run_at_a_time(path):
                pass
    with one_run_at_a_time(path):
        pass

