"""Email drafts: the officer's own words from the workspace, every placeholder checked, nothing guessed."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest

from lscb_workbooks.emails.drafts import PLACEHOLDERS, load_email_text, reflow, shipped_text

from workspace_helpers import CONTACTS, add_contacts


def read_eml(path: Path):
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


@pytest.mark.parametrize("kind", ["invite", "chase", "feedback"])
def test_each_shipped_text_documents_every_word_it_fills_in(kind):
    text = shipped_text(kind).read_text()
    notes = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    for name in PLACEHOLDERS[kind]:
        assert f"${name} " in notes, f"${name} is not explained at the top of {kind}.txt"
    parsed = load_email_text(kind)
    assert set(parsed.subject.get_identifiers()) <= set(PLACEHOLDERS[kind])
    assert {"authority", "period"} <= set(parsed.subject.get_identifiers()), "the subject names authority and period"


def test_the_workspace_s_own_words_are_used(workspace, lscb):
    (workspace / "email-templates" / "invite.txt").write_text(
        "# our own words\nSubject: $authority: your $period return (costs $$0)\n\n"
        "Hello $coordinator_name,\n\nHere it is.\n\nJo Bloggs\nProject officer\nLondon LSCBs\n")
    lscb("templates", "--la", "303")
    lscb("emails", "--kind", "invite", "--hub", "Lewisham")
    message = read_eml(workspace / "output" / "emails" / "invite" / "invite-303-Bexley.eml")
    assert message["Subject"] == "Bexley: your 2025-26 return (costs $0)"
    body = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert body == "Hello Sam Okafor,\n\nHere it is.\n\nJo Bloggs\nProject officer\nLondon LSCBs\n", \
        "a signature's short lines are kept as written"


@pytest.mark.parametrize("text, named", [
    ("Subject: $authority\n\nDear $coordinator,\n", "invite.txt:3: $coordinator is not a word the invite email fills in"),
    ("Subject: $authority\n\nIt costs $5.\n", "invite.txt:3: a $ must start a word to fill in"),
    ("Dear $coordinator_name,\n", "invite.txt:1: after the notes (lines starting with #), the first line should be the subject"),
])
def test_a_bad_email_text_is_named_with_its_line_and_nothing_is_written(workspace, lscb, text, named):
    (workspace / "email-templates" / "invite.txt").write_text(text)
    lscb("templates", "--la", "303")
    result = lscb("emails", "--kind", "invite", ok=False)
    assert result.exit_code == 1
    assert named in result.output
    assert not list((workspace / "output" / "emails" / "invite").glob("*.eml"))


def test_feedback_without_its_workbook_is_skipped_with_a_note(workspace, lscb, send_return):
    from datetime import datetime

    lscb("templates", "--la", "305")
    send_return(workspace, "305", datetime(2026, 5, 1), change=lambda e: e.values.update(CP_START=-4))
    lscb("collate")
    (workspace / "output" / "feedback" / "305-Bromley.xlsx").unlink()
    result = lscb("emails", "--kind", "feedback")
    assert "Bromley (305): its feedback workbook (305-Bromley.xlsx) is not in the output folder" in result.output
    assert "run 'lscb report'" in result.output
    assert not list((workspace / "output" / "emails" / "feedback").glob("*.eml"))


def test_invitations_outside_a_workspace_from_flags(lscb, tmp_path, key_file):
    register = tmp_path / "authorities.csv"
    register.write_text(Path(__file__).parents[2].joinpath("lscb_workbooks", "schemas", "authorities.csv").read_text())
    add_contacts(register, CONTACTS)
    lscb("templates", "--period", "2025-26", "--hub", "Lewisham", "--out", tmp_path / "t", "--register", register,
         "--key-file", key_file, cwd=tmp_path)
    result = lscb("emails", "--kind", "invite", "--sender", "officer@example.org", "--templates", tmp_path / "t",
                  "--period", "2025-26", "--register", register, "--hub", "Lewisham", "--out", tmp_path / "drafts")
    drafts = sorted((tmp_path / "drafts").glob("*.eml"))
    assert len(drafts) == 5, result.output
    message = read_eml(tmp_path / "drafts" / "invite-209-Lewisham.eml")
    assert str(message["From"]) == "officer@example.org"
    assert str(message["To"]) == "Lee Wong <lee.wong@lewisham.example.org>"
    assert "the date agreed" in message.get_body(("plain",)).get_content()
    assert not (tmp_path / "output").exists(), "no store is made outside a workspace"


def test_a_bad_sender_flag_is_named(workspace, lscb):
    result = lscb("emails", "--kind", "invite", "--sender", "not-an-address", ok=False)
    assert result.exit_code == 2 and "'not-an-address' is not an email address" in result.output


def test_reflow_wraps_only_paragraphs_made_too_long():
    long = "Please find attached " + "the Pan-London safeguarding dataset " * 3 + "template."
    text = f"{long}\n\nWith thanks,\nJo\n\n1. {long}\n2. Short."
    out = reflow(text).split("\n\n")
    assert all(len(line) <= 76 for line in out[0].splitlines())
    assert out[1] == "With thanks,\nJo"
    item_lines = out[2].splitlines()
    assert item_lines[0].startswith("1. ") and item_lines[1].startswith("   ") and item_lines[-1] == "2. Short."


@pytest.fixture
def key_file(tmp_path) -> Path:
    path = tmp_path / "keys" / "signing.key"
    path.parent.mkdir()
    path.write_text("0" * 64)
    return path
