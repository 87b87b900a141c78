"""A file collated while it was still being copied into the inbox: its verdict does not outlive the copy."""

from __future__ import annotations

from lscb_workbooks.cli import summary
from lscb_workbooks.collate import collate
from test_collate import rows


def test_a_complete_copy_replaces_the_half_written_verdict(make_return, register, key, tmp_path):
    path, _ = make_return("302", folder=tmp_path / "made")
    whole = path.read_bytes()
    target = tmp_path / "inbox" / "camden.xlsx"
    target.parent.mkdir()
    target.write_bytes(whole[: len(whole) // 2])
    first = collate(tmp_path / "inbox", tmp_path / "out", key=key)
    [row] = rows(tmp_path / "out" / "submissions.csv")
    assert row["status"] == "unreadable" and "still have been copying" in row["message"]
    assert first.statuses["unreadable"] == 1

    target.write_bytes(whole)
    second = collate(tmp_path / "inbox", tmp_path / "out", key=key)
    stale, complete = rows(tmp_path / "out" / "submissions.csv")
    assert complete["status"] in ("accepted", "accepted_with_warnings")
    assert stale["status"] == "superseded" and "incomplete copy" in stale["message"]
    assert second.statuses["unreadable"] == 0
    assert "0 unreadable" in summary(second, register)
    assert not any(i["rule"] for i in rows(tmp_path / "out" / "issues.csv") if i["sha256"] == stale["sha256"]
                   and i["status"] == "unreadable")
    assert not list((tmp_path / "out" / "feedback").glob("*.xlsx"))


def test_an_email_cut_short_before_its_attachment_gives_way_to_the_complete_email(make_return, key, tmp_path):
    from intake_files import email_bytes

    path, _ = make_return("302", folder=tmp_path / "made")
    message = email_bytes([("Barnet.xlsx", path.read_bytes(),
                            ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"))])
    target = tmp_path / "inbox" / "barnet.eml"
    target.parent.mkdir()
    target.write_bytes(message[: message.index(b"Please find")])
    collate(tmp_path / "inbox", tmp_path / "out", key=key)
    [row] = rows(tmp_path / "out" / "submissions.csv")
    assert row["status"] == "ignored"

    target.write_bytes(message)
    second = collate(tmp_path / "inbox", tmp_path / "out", key=key)
    stale, complete = rows(tmp_path / "out" / "submissions.csv")
    assert complete["status"] in ("accepted", "accepted_with_warnings") and complete["file"] == "Barnet.xlsx"
    assert stale["status"] == "superseded" and "incomplete copy" in stale["message"]
    assert second.statuses["ignored"] == 0
