"""A whole collection round in a workspace, step by step, checking the files each step leaves behind."""

from __future__ import annotations

import csv
import email
import sqlite3
import stat
from datetime import datetime, timezone
from email import policy
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.worksheet.protection import hash_password

from workspace_helpers import CONTACTS, PERIOD

HUB = ("303", "305", "203", "208", "209", "210")  # Bexley, Bromley, Greenwich, Lambeth, Lewisham, Southwark
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def read_eml(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


def text_of(message) -> str:
    """The plain-text body with its line breaks undone, to search for sentences."""
    return " ".join(message.get_body(("plain",)).get_content().split())


def attachments(message) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


def statuses(root: Path) -> dict[str, str]:
    """The status of the latest file from each authority, from submissions.csv."""
    with (root / "output" / "submissions.csv").open(newline="", encoding="utf-8") as handle:
        return {row["la_code"]: row["status"] for row in csv.DictReader(handle) if row["status"] != "superseded"}


def status_lines(output: str) -> dict[str, str]:
    """Each authority's line of `lscb status`, by DfE code."""
    return {line[:3]: line for line in output.splitlines() if line[:3].isdigit()}


def bad_referrals(entries) -> None:
    entries.values["CSC_REF"] = "n/a"


def test_a_whole_round_in_a_workspace(workspace, lscb, send_return):
    root = workspace
    key = (root / "signing.key").read_text().strip()

    # init: settings, register copy, a private key, editable email texts, the folders and the store
    config = (root / "lscb.yaml").read_text()
    assert 'period: "2025-26"' in config and 'deadline: "2026-05-15"' in config
    assert "LSCB data team <lscb-data@example.org>" in config
    assert key not in config, "the key itself is never in the settings"
    assert stat.S_IMODE((root / "signing.key").stat().st_mode) == 0o600
    assert sorted(p.name for p in (root / "email-templates").iterdir()) == ["chase.txt", "feedback.txt", "invite.txt"]
    for folder in ("inbox", "templates", "output"):
        assert (root / folder).is_dir()
    assert (root / "store" / "store.sqlite").is_file()
    password = next(line.split(": ", 1)[1].strip('"') for line in config.splitlines()
                    if line.startswith("template_password:"))

    # templates for one hub, with the workspace's deadline, sender and password
    result = lscb("templates", "--hub", "Lewisham")
    assert result.output.strip() == "Wrote 6 template(s) for 2025-26 to templates"
    templates = {p.name.split("_")[2].split("-")[0]: p for p in (root / "templates").glob("*.xlsx")}
    assert sorted(templates) == sorted(HUB)
    book = load_workbook(templates["303"])
    cover = " ".join(str(c.value) for row in book["Cover"].iter_rows() for c in row if c.value)
    assert "Friday 15 May 2026" in cover and "lscb-data@example.org" in cover
    assert book["Return"].protection.password == hash_password(password)

    # invitations: one per coordinator, each with its own template; Southwark has no email yet
    result = lscb("emails", "--kind", "invite", "--hub", "Lewisham")
    assert "Southwark (210): no coordinator email in the register" in result.output
    assert "Nothing has been sent" in result.output
    invites = sorted((root / "output" / "emails" / "invite").glob("*.eml"))
    assert [p.name for p in invites] == ["invite-203-Greenwich.eml", "invite-208-Lambeth.eml",
                                         "invite-209-Lewisham.eml", "invite-303-Bexley.eml", "invite-305-Bromley.eml"]
    for path in invites:
        message = read_eml(path)
        la_code = path.name.split("-")[1]
        name, address = CONTACTS[la_code]
        assert message["X-Unsent"] == "1"
        assert message["From"].addresses[0].addr_spec == "lscb-data@example.org"
        assert message["To"].addresses[0].addr_spec == address
        assert message["To"].addresses[0].display_name == name
        assert PERIOD in message["Subject"]
        assert attachments(message) == {templates[la_code].name: templates[la_code].read_bytes()}
        assert f"Dear {name}," in text_of(message)
    bexley = read_eml(root / "output" / "emails" / "invite" / "invite-303-Bexley.eml")
    assert "Bexley" in bexley["Subject"]
    assert "Friday 15 May 2026" in text_of(bexley)
    assert next(bexley.iter_attachments()).get_content_type() == XLSX_TYPE

    # some returns arrive on time: two clean, one with mistakes
    send_return(root, "303", datetime(2026, 5, 11, 10))
    send_return(root, "203", datetime(2026, 5, 12, 15))
    send_return(root, "305", datetime(2026, 5, 14, 9), change=bad_referrals)
    lscb("collate")
    assert statuses(root) == {"303": "accepted", "203": "accepted", "305": "rejected"}
    assert (root / "output" / "master.xlsx").is_file()
    assert (root / "output" / "feedback" / "305-Bromley.xlsx").is_file()

    # status: who is in, who must resubmit, who is missing, against the deadline
    result = lscb("status", "--hub", "Lewisham", "--today", "2026-05-18")
    assert "Deadline Friday 15 May 2026: 3 days past" in result.output
    assert "Returned 3 of 6: 2 accepted, 0 with warnings, 1 rejected and to resubmit; 3 missing" in result.output
    lines = status_lines(result.output)
    assert sorted(lines) == sorted(HUB)
    assert "Accepted" in lines["303"] and "on time" in lines["303"] and "11/05/2026" in lines["303"]
    assert "Rejected: to resubmit" in lines["305"] and "3 days overdue" in lines["305"] and "error" in lines["305"]
    assert "Missing" in lines["208"] and "3 days overdue" in lines["208"]
    assert "(no email in the register)" in lines["210"]

    # chase those with no return in use: the rejected and the missing, never the accepted
    result = lscb("emails", "--kind", "chase", "--hub", "Lewisham", "--today", "2026-05-18")
    chase_dir = root / "output" / "emails" / "chase"
    assert sorted(p.name for p in chase_dir.glob("*.eml")) == [
        "chase-208-Lambeth.eml", "chase-209-Lewisham.eml", "chase-305-Bromley.eml"]
    assert "Southwark (210): no coordinator email" in result.output
    lambeth = read_eml(chase_dir / "chase-208-Lambeth.eml")
    body = text_of(lambeth)
    assert "We have not yet received your return." in body
    assert "The deadline was Friday 15 May 2026, 3 days ago." in body
    assert "Lambeth" in lambeth["Subject"] and PERIOD in lambeth["Subject"]
    assert attachments(lambeth) == {templates["208"].name: templates["208"].read_bytes()}
    bromley_chase = text_of(read_eml(chase_dir / "chase-305-Bromley.eml"))
    assert "could not be used" in bromley_chase and "Bromley return.xlsx" in bromley_chase

    # the late ones arrive
    send_return(root, "208", datetime(2026, 5, 20, 11))
    send_return(root, "209", datetime(2026, 5, 21, 16))
    lscb("collate")
    assert statuses(root)["208"] == "accepted" and statuses(root)["209"] == "accepted"
    lines = status_lines(lscb("status", "--hub", "Lewisham", "--today", "2026-05-22").output)
    assert "5 days late" in lines["208"] and "6 days late" in lines["209"]

    # a second chase replaces the first: only Bromley still owes a usable return
    lscb("emails", "--kind", "chase", "--hub", "Lewisham", "--today", "2026-05-22")
    assert [p.name for p in chase_dir.glob("*.eml")] == ["chase-305-Bromley.eml"]

    # feedback for the rejected return: its own workbook attached, its problems in the body
    result = lscb("emails", "--kind", "feedback", "--hub", "Lewisham")
    feedback_dir = root / "output" / "emails" / "feedback"
    assert [p.name for p in feedback_dir.glob("*.eml")] == ["feedback-305-Bromley.eml"]
    feedback = read_eml(feedback_dir / "feedback-305-Bromley.eml")
    workbook = root / "output" / "feedback" / "305-Bromley.xlsx"
    assert attachments(feedback) == {"305-Bromley.xlsx": workbook.read_bytes()}
    assert feedback["To"].addresses[0].addr_spec == "p.shah@bromley.example.org"
    assert "Bromley" in feedback["Subject"] and PERIOD in feedback["Subject"]
    body = text_of(feedback)
    assert "Rejected: this return cannot be used yet." in body
    assert "- Error: " in body and "'n/a' is not a number" in body
    with sqlite3.connect(root / "store" / "store.sqlite") as db:
        stored = [m for (m,) in db.execute("SELECT message FROM issues WHERE la_code = '305'")]
    assert stored and all(" ".join(m.split()) in body for m in stored), "every stored problem is listed"

    # Bromley corrects its return; the final master workbook for the hub
    send_return(root, "305", datetime(2026, 5, 26, 9), name="Bromley return CORRECTED.xlsx")
    lscb("collate")
    result = lscb("status", "--hub", "Lewisham", "--today", "2026-05-27")
    assert "Returned 5 of 6: 5 accepted, 0 with warnings, 0 rejected and to resubmit; 1 missing" in result.output
    result = lscb("collate", "--hub", "Lewisham")
    hub_master = root / "output" / "hub-Lewisham" / "master.xlsx"
    assert hub_master.is_file()
    tracker = load_workbook(hub_master, read_only=True)["Returns tracker"]
    names = {cell for row in tracker.iter_rows(values_only=True) for cell in row if isinstance(cell, str)}
    assert {"Bexley", "Bromley", "Greenwich", "Lambeth", "Lewisham", "Southwark"} <= names
    assert "Barnet" not in names, "the hub's master holds the hub's authorities only"
    assert not (root / "output" / "hub-Lewisham" / "feedback" / "305-Bromley.xlsx").exists()

    # the audit log has every command, with what it changed; the key was never printed
    with sqlite3.connect(root / "store" / "store.sqlite") as db:
        runs = db.execute("SELECT command, detail, changes FROM runs ORDER BY id").fetchall()
        drafts = db.execute("SELECT kind, la_code FROM drafts ORDER BY rowid").fetchall()
    commands = [c for c, _, _ in runs]
    assert commands == ["init", "templates", "emails", "collate", "status", "emails", "collate", "status", "emails",
                        "emails", "collate", "status", "collate"]
    details = {d for _, d, _ in runs}
    assert "lscb templates --hub Lewisham" in details and "lscb emails --kind feedback --hub Lewisham" in details
    first_collate = runs[3][2]
    assert "3 new file(s): 2 accepted, 1 rejected" in first_collate
    assert "Bromley (305): missing -> to resubmit" in first_collate
    assert "Bexley (303): missing -> accepted" in first_collate
    assert "Bromley (305): to resubmit -> accepted" in runs[10][2]
    assert "6 template(s)" in runs[1][2]
    assert runs[2][2].startswith("5 invite draft(s)") and "Southwark (210)" in runs[2][2]
    assert runs[4][2] == "nothing changed"
    assert ("feedback", "305") in drafts and drafts.count(("chase", "305")) == 2
    assert all(key not in (d + c) for _, d, c in runs)


def test_a_file_from_a_coordinator_that_nothing_places_is_named_in_their_status_and_chase(workspace, lscb,
                                                                                         send_return):
    """Lambeth's coordinator sends a return cut short in the post: nothing in it says whose it is, but the
    sender does, so Lambeth is not told 'we have not yet received your return'."""
    from intake_files import XLSX_TYPE, email_bytes

    root = workspace
    lscb("templates", "--hub", "Lewisham")
    whole = send_return(root, "208", datetime(2026, 5, 12, 9), name="lambeth.xlsx")
    cut = whole.read_bytes()[:3000]
    whole.unlink()
    (root / "inbox" / "lambeth.eml").write_bytes(email_bytes(
        [("Lambeth return.xlsx", cut, XLSX_TYPE)], sender=f"Ana Costa <{CONTACTS['208'][1]}>",
        sent=datetime(2026, 5, 12, 9, 30, tzinfo=timezone.utc), subject="Lambeth return"))
    send_return(root, "303", datetime(2026, 5, 11, 10))
    lscb("collate")

    lines = status_lines(lscb("status", "--hub", "Lewisham", "--today", "2026-05-18").output)
    assert "Missing: the coordinator sent a file that could not be used" in lines["208"]
    assert "12/05/2026" in lines["208"] and "3 days overdue" in lines["208"]
    assert "Missing" in lines["209"] and "could not be used" not in lines["209"]  # Lewisham sent nothing

    lscb("emails", "--kind", "chase", "--hub", "Lewisham", "--today", "2026-05-18")
    chase = root / "output" / "emails" / "chase"
    lambeth = " ".join(text_of(read_eml(chase / "chase-208-Lambeth.eml")).split())
    assert "We have not yet received your return." not in lambeth
    assert ("We received a file from you on 12 May 2026 (Lambeth return.xlsx), but could not use it as your "
            "return: The file is incomplete: it was cut short while being saved, copied or sent. Open the original "
            "in Excel to check it is all there, save it again and send it again.") in lambeth
    assert "collate" not in lambeth  # the officer's advice on a file still copying is not the sender's
    assert "We have not yet received your return." in text_of(read_eml(chase / "chase-209-Lewisham.eml"))

    # Once Lambeth's return arrives and is in use, the file nobody could place is no longer its story.
    send_return(root, "208", datetime(2026, 5, 19, 9))
    lscb("collate")
    lines = status_lines(lscb("status", "--hub", "Lewisham", "--today", "2026-05-19").output)
    assert "Accepted" in lines["208"] and "could not be used" not in lines["208"]
