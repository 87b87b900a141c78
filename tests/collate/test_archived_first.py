"""Every file is in the archive before the store records it: an archive that cannot be written stores nothing."""

from __future__ import annotations

import sqlite3

import pytest

from lscb_workbooks.collate import collate


def test_files_that_cannot_be_archived_are_not_stored(make_return, key, tmp_path):
    make_return("302")
    make_return("303")
    out = tmp_path / "out"
    out.mkdir()
    (out / "archive").write_text("a file where the archive folder should be", encoding="utf-8")
    with pytest.raises(OSError):
        collate(tmp_path / "inbox", out, key=key)
    stored = sqlite3.connect(out / "store.sqlite").execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
    assert stored == 0, "nothing recorded as received while the archive does not hold it"
    (out / "archive").unlink()
    report = collate(tmp_path / "inbox", out, key=key)
    assert report.new_files == 2 and report.statuses["accepted"] == 2, "taken in in full once the archive can be written"
