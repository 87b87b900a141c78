"""Files named or dated as no test template would be: the run goes on, and each file is answered."""

from __future__ import annotations

import csv
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from intake_files import XLSX_TYPE, email_bytes, write

from lscb_workbooks.cli import main
from lscb_workbooks.collate import OutputIsInbox, collate
from lscb_workbooks.config import signing_key


def signing_key_file(folder: Path) -> Path:
    signing_key(folder / "cli.key")
    return folder / "cli.key"


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def dated_email(return_bytes: bytes, date_header: str) -> bytes:
    """An email whose Date header reads exactly `date_header`, as a misconfigured mail program wrote it."""
    message = email_bytes([("Barnet return.xlsx", return_bytes, XLSX_TYPE)], sent=None, sender="kim@barnet.example.org")
    return message.replace(b"Subject:", f"Date: {date_header}\nSubject:".encode(), 1)


@pytest.mark.skipif(sys.platform == "win32", reason="Windows keeps every file name in Unicode")
def test_a_file_name_that_is_not_utf8_is_taken_in_under_a_readable_name(make_return, key, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    made, _ = make_return("302", folder=tmp_path / "made")
    # As unzipped from an older Windows zip: the name's bytes are Windows' code page, not UTF-8.
    try:
        with open(os.path.join(os.fsencode(inbox), b"barnet-caf\xe9 \xff.xlsx"), "wb") as handle:
            handle.write(made.read_bytes())
    except OSError:
        pytest.skip("this file system keeps every name in Unicode (as macOS's does)")
    make_return("303")  # and an ordinary one beside it

    report = collate(inbox, tmp_path / "out", key=key)

    by_file = {r["file"]: r for r in rows(tmp_path / "out" / "submissions.csv")}
    assert set(by_file) == {"barnet-café ÿ.xlsx", "return-303.xlsx"}
    assert by_file["barnet-café ÿ.xlsx"]["status"] == "accepted"
    assert by_file["barnet-café ÿ.xlsx"]["path"] == "barnet-café ÿ.xlsx"
    assert report.statuses["accepted"] == 2
    # A second run over the same folder knows the file by that name: nothing new.
    again = collate(inbox, tmp_path / "out", key=key)
    assert again.new_files == 0 and again.already_seen == 2


@pytest.mark.parametrize("date_header", ["Fri, 31 Dec 9999 23:59:59 -2359", "Fri, 31 Dec 9999 23:59:59 +0000",
                                         "Sun, 1 Jan 1899 00:00:00 +0000"])
def test_an_email_dated_as_no_mail_program_could_is_timed_by_the_file_instead(make_return, key, tmp_path,
                                                                              date_header):
    inbox = tmp_path / "inbox"
    made, _ = make_return("302", folder=tmp_path / "made")
    saved = datetime(2027, 4, 3, 10, tzinfo=timezone.utc)
    write(inbox / "odd date.eml", dated_email(made.read_bytes(), date_header), modified=saved)

    report = collate(inbox, tmp_path / "out", key=key)

    [row] = rows(tmp_path / "out" / "submissions.csv")
    assert row["status"] == "accepted" and row["sender"] == "kim@barnet.example.org"
    assert row["received_basis"] == "file modified time"
    assert row["received_at"] == "2027-04-03T10:00:00+00:00"
    assert report.statuses["accepted"] == 1


def test_a_correction_sent_later_wins_over_a_return_whose_email_claims_the_far_future(make_return, key, tmp_path):
    """A Date header of 9999 is not believed, so it cannot outrank every correction sent after it."""
    inbox = tmp_path / "inbox"
    first, _ = make_return("302", folder=tmp_path / "made", name="first.xlsx")
    corrected, _ = make_return("302", folder=tmp_path / "made", name="corrected.xlsx",
                               change=lambda entries: entries.values.update(CSC_REF=1234))
    write(inbox / "first.eml", dated_email(first.read_bytes(), "Fri, 31 Dec 9999 23:59:59 +0000"),
          modified=datetime(2027, 4, 1, 9, tzinfo=timezone.utc))
    write(inbox / "corrected.eml", email_bytes([("corrected.xlsx", corrected.read_bytes(), XLSX_TYPE)],
                                               sent=datetime(2027, 4, 2, 9, tzinfo=timezone.utc)))

    collate(inbox, tmp_path / "out", key=key)

    status = {r["file"]: r["status"] for r in rows(tmp_path / "out" / "submissions.csv")}
    assert status["Barnet return.xlsx"] == "superseded"
    assert status["corrected.xlsx"] in ("accepted", "accepted_with_warnings")  # the new figure may look unusual
    values = {r["field_id"]: r["value"] for r in rows(tmp_path / "out" / "values.csv") if r["la_code"] == "302"}
    assert values["CSC_REF"] == "1234"


def test_outputs_are_never_written_into_the_inbox_itself(make_return, key, tmp_path):
    inbox = tmp_path / "inbox"
    make_return("302")

    with pytest.raises(OutputIsInbox, match="inbox itself"):
        collate(inbox, inbox, key=key)
    assert sorted(p.name for p in inbox.iterdir()) == ["return-302.xlsx"]  # nothing written, nothing stored

    result = CliRunner().invoke(main, ["collate", str(inbox), "--out", str(inbox / "."), "--key-file",
                                       str(signing_key_file(tmp_path))])
    assert result.exit_code != 0
    assert "inbox itself" in result.output and "Traceback" not in result.output
    # Inside the inbox, in a folder of their own, they are fine: the tool passes over its own files.
    collate(inbox, inbox / "output", key=key)
    again = collate(inbox, inbox / "output", key=key)
    assert again.new_files == 0 and again.already_seen == 1
