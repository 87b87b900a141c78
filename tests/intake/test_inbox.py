"""Walking the inbox: every file a borough sent becomes a record, whatever it came in."""

from __future__ import annotations

import hashlib
import io
import mailbox
import zipfile
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from intake_files import (
    XLSX_TYPE,
    email_bytes,
    outlook_message_bytes,
    write,
    xlsx_bytes,
    zeros_sheet,
    zip_bytes,
)

from lscb_workbooks.intake.inbox import Received, containers, walk_inbox

MAY_3 = datetime(2026, 5, 3, 9, 30, tzinfo=timezone.utc)
FILE_TIME = datetime(2026, 5, 4, 12, 0, tzinfo=timezone.utc)
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 40


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def by_path(records: list[Received]) -> dict[str, Received]:
    return {record.path: record for record in records}


def test_files_lying_in_the_inbox_are_taken_in_sorted_skipping_hidden_and_lock_files(tmp_path):
    camden, barnet = xlsx_bytes({"A1": "Camden"}), xlsx_bytes({"A1": "Barnet"})
    write(tmp_path / "zeta" / "camden.XLSX", camden, FILE_TIME)
    write(tmp_path / "barnet.xlsx", barnet, FILE_TIME)
    write(tmp_path / "notes.pdf", b"%PDF-1.7 notes", FILE_TIME)
    write(tmp_path / ".DS_Store", b"junk")
    write(tmp_path / "~$barnet.xlsx", b"lock")
    write(tmp_path / ".hidden" / "secret.xlsx", camden)

    records = list(walk_inbox(tmp_path))

    assert [r.path for r in records] == ["barnet.xlsx", "notes.pdf", "zeta/camden.XLSX"]
    workbook = records[0]
    assert workbook == Received(
        name="barnet.xlsx", data=barnet, sha256=sha(barnet), path="barnet.xlsx", source="", sender=None,
        sent_at=None, modified_at=FILE_TIME, kind="workbook", note="",
    )
    assert records[2].kind == "workbook" and records[2].name == "camden.XLSX"
    pdf = records[1]
    assert pdf.kind == "other"
    assert pdf.note.startswith("notes.pdf is a PDF, not a return")


def test_email_attachments_carry_the_senders_address_and_sent_date(tmp_path):
    workbook = xlsx_bytes({"B3": 12})
    eml = email_bytes(
        [("return.xlsx", workbook, XLSX_TYPE), ("signature.png", PNG, ("image", "png"))],
        sent=datetime(2026, 5, 3, 10, 30, tzinfo=timezone(timedelta(hours=1))),
        inline_image=PNG,
    )
    write(tmp_path / "mail" / "camden.eml", eml, FILE_TIME)

    records = list(walk_inbox(tmp_path))

    assert [r.path for r in records] == ["mail/camden.eml/return.xlsx", "mail/camden.eml/signature.png"]
    attachment, signature = records
    assert attachment.name == "return.xlsx"
    assert attachment.data == workbook and attachment.sha256 == sha(workbook)
    assert attachment.source == "mail/camden.eml"
    assert attachment.sender == "jo.bloggs@camden.gov.uk"
    assert attachment.sent_at == MAY_3
    assert attachment.sent_at.utcoffset() == timedelta(hours=1)
    assert attachment.modified_at == FILE_TIME
    assert attachment.kind == "workbook"
    assert signature.kind == "other"
    assert signature.note == "signature.png is an image, not a return: nothing to do."


def test_an_email_without_attachment_gets_a_record_of_its_own(tmp_path):
    eml = email_bytes([], subject="Return to follow")
    write(tmp_path / "chaser.eml", eml, FILE_TIME)

    [record] = walk_inbox(tmp_path)

    assert record.kind == "email_without_attachment"
    assert record.name == "chaser.eml" and record.path == "chaser.eml" and record.source == "chaser.eml"
    assert record.data == eml and record.sha256 == sha(eml)
    assert record.sender == "jo.bloggs@camden.gov.uk" and record.sent_at == MAY_3
    assert "jo.bloggs@camden.gov.uk" in record.note and "'Return to follow'" in record.note
    assert "carried no attachment" in record.note


def test_a_forwarded_email_is_opened_and_its_attachments_credited_to_the_outer_email(tmp_path):
    workbook = xlsx_bytes({"A1": "Hackney"})
    inner = message_from_bytes(
        email_bytes([("hackney.xlsx", workbook, XLSX_TYPE)], sender="analyst@hackney.gov.uk"), policy=policy.default
    )
    outer = EmailMessage()
    outer["From"] = "lscb.manager@hackney.gov.uk"
    outer["Date"] = "Sun, 03 May 2026 09:30:00 +0000"
    outer["Subject"] = "Fwd: return"
    outer.set_content("Forwarding our return.")
    outer.add_attachment(inner)
    also_as_file = email_bytes([("hackney-v2.xlsx", workbook, XLSX_TYPE)])
    outer.add_attachment(also_as_file, maintype="application", subtype="octet-stream", filename="older.eml")
    write(tmp_path / "fwd.eml", bytes(outer))

    records = list(walk_inbox(tmp_path))

    assert [(r.path, r.kind, r.sender) for r in records] == [
        ("fwd.eml/hackney.xlsx", "workbook", "lscb.manager@hackney.gov.uk"),
        ("fwd.eml/hackney-v2.xlsx", "workbook", "lscb.manager@hackney.gov.uk"),
    ]
    assert all(r.source == "fwd.eml" and r.data == workbook for r in records)


def test_two_attachments_with_one_name_get_distinct_paths(tmp_path):
    first, second = xlsx_bytes({"A1": 1}), xlsx_bytes({"A1": 2})
    write(tmp_path / "two.eml", email_bytes([("return.xlsx", first, XLSX_TYPE), ("return.xlsx", second, XLSX_TYPE)]))

    records = list(walk_inbox(tmp_path))

    assert [(r.name, r.path, r.data) for r in records] == [
        ("return.xlsx", "two.eml/return.xlsx", first),
        ("return.xlsx", "two.eml/return (2).xlsx", second),
    ]


def test_each_message_of_an_mbox_is_an_email_of_its_own(tmp_path):
    workbook = xlsx_bytes({"A1": "Lambeth"})
    box = mailbox.mbox(tmp_path / "box.mbox")
    box.add(email_bytes([("lambeth.xlsx", workbook, XLSX_TYPE)], sender="data@lambeth.gov.uk"))
    box.add(email_bytes([], sender="Someone <someone@lambeth.gov.uk>", sent=datetime(2026, 5, 5, 8, 0)))
    box.close()

    records = list(walk_inbox(tmp_path))

    assert [(r.name, r.path, r.source, r.kind) for r in records] == [
        ("lambeth.xlsx", "box.mbox/1/lambeth.xlsx", "box.mbox#1", "workbook"),
        ("message 2", "box.mbox/2", "box.mbox#2", "email_without_attachment"),
    ]
    assert records[0].data == workbook and records[0].sender == "data@lambeth.gov.uk"
    assert records[1].sender == "someone@lambeth.gov.uk"
    assert records[1].sent_at == datetime(2026, 5, 5, 8, 0, tzinfo=timezone.utc)
    assert message_from_bytes(records[1].data)["From"] == "Someone <someone@lambeth.gov.uk>"


def test_zip_members_are_taken_in_but_nested_emails_and_zips_are_not_opened(tmp_path):
    camden, barnet = xlsx_bytes({"A1": "Camden"}), xlsx_bytes({"A1": "Barnet"})
    nested_zip = zip_bytes([("inner.xlsx", camden)])
    nested_email = email_bytes([("x.xlsx", camden, XLSX_TYPE)])
    archive = zip_bytes([
        ("returns/camden.xlsx", camden),
        ("returns/", b""),
        ("barnet.xlsx", barnet),
        ("__MACOSX/returns/._camden.xlsx", b"resource fork"),
        ("returns/.DS_Store", b"junk"),
        ("more.zip", nested_zip),
        ("forwarded.eml", nested_email),
    ])
    write(tmp_path / "r.zip", archive, FILE_TIME)

    records = by_path(list(walk_inbox(tmp_path)))

    assert sorted(records) == [
        "r.zip/barnet.xlsx", "r.zip/forwarded.eml", "r.zip/more.zip", "r.zip/returns/camden.xlsx"
    ]
    camden_record = records["r.zip/returns/camden.xlsx"]
    assert (camden_record.name, camden_record.data, camden_record.kind) == ("camden.xlsx", camden, "workbook")
    assert (camden_record.source, camden_record.sender, camden_record.sent_at) == ("r.zip", None, None)
    assert camden_record.modified_at == FILE_TIME
    assert records["r.zip/more.zip"].kind == "other" and records["r.zip/more.zip"].data == nested_zip
    assert "zip files inside zip files are not opened" in records["r.zip/more.zip"].note
    assert "emails inside zip files are not opened" in records["r.zip/forwarded.eml"].note


def test_a_zip_attached_to_an_email_is_opened_and_its_members_keep_the_email_as_source(tmp_path):
    workbook = xlsx_bytes({"A1": "Ealing"})
    eml = email_bytes([("returns.zip", zip_bytes([("ealing.xlsx", workbook)]), ("application", "zip"))])
    write(tmp_path / "ealing.eml", eml)

    [record] = walk_inbox(tmp_path)

    assert (record.path, record.source, record.kind) == ("ealing.eml/returns.zip/ealing.xlsx", "ealing.eml", "workbook")
    assert record.sender == "jo.bloggs@camden.gov.uk" and record.sent_at == MAY_3


def test_zip_members_that_would_unpack_too_far_are_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("small.xlsx", xlsx_bytes())
        for name, megabytes in (("huge.xlsx", 51), ("dense.xlsx", 2)):
            with archive.open(name, "w", force_zip64=True) as stream:
                for chunk in zeros_sheet(megabytes):
                    stream.write(chunk)
    write(tmp_path / "bomb.zip", buffer.getvalue())

    records = by_path(list(walk_inbox(tmp_path)))

    assert records["bomb.zip/small.xlsx"].kind == "workbook"
    huge, dense = records["bomb.zip/huge.xlsx"], records["bomb.zip/dense.xlsx"]
    assert (huge.kind, huge.data) == ("other", b"") and "would unpack to 51 MB" in huge.note
    assert (dense.kind, dense.data) == ("other", b"") and "decompression bomb" in dense.note


def test_a_zip_stops_after_500_members_and_says_so(tmp_path):
    archive = zip_bytes((f"file{number:03}.csv", b"a,b\n") for number in range(501))
    write(tmp_path / "many.zip", archive)

    records = list(walk_inbox(tmp_path))

    assert len(records) == 501
    assert records[499].path == "many.zip/file499.csv"
    last = records[-1]
    assert (last.path, last.source, last.kind, last.data) == ("many.zip", "", "other", archive)
    assert "only the first 500 were taken in" in last.note


def test_a_corrupt_zip_is_one_record_with_its_bytes(tmp_path):
    damaged = zip_bytes([("a.xlsx", xlsx_bytes())])[:-30]
    write(tmp_path / "damaged.zip", damaged)

    [record] = walk_inbox(tmp_path)

    assert (record.name, record.path, record.source, record.kind, record.data) == (
        "damaged.zip", "damaged.zip", "", "other", damaged
    )
    assert "not a readable zip file" in record.note


def test_broken_emails_still_give_records(tmp_path):
    workbook = xlsx_bytes()
    unnamed = email_bytes([(None, workbook, XLSX_TYPE)], sent=None)
    bad_headers = (
        b"From: =?utf-8?q?Jo_\xff?= <jo@camden.gov.uk\r\n"
        b"Date: the third of May\r\n"
        b"Subject: \xff\xfe\r\n"
        b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
        b"--XX\r\nContent-Type: application/vnd.ms-excel; name=\"r\xe9turn.xls\"\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64\r\n--XX--\r\n"
    )
    write(tmp_path / "a-unnamed.eml", unnamed)
    write(tmp_path / "b-bad-headers.eml", bad_headers)
    write(tmp_path / "c-garbage.eml", b"\x00\x01\x02 not an email at all")

    records = list(walk_inbox(tmp_path))

    assert [(r.path, r.kind) for r in records] == [
        ("a-unnamed.eml/attachment-2.xlsx", "workbook"),
        ("b-bad-headers.eml/r\ufffdturn.xls", "workbook"),
        ("c-garbage.eml", "email_without_attachment"),
    ]
    assert records[0].data == workbook and records[0].sent_at is None
    bad = records[1]
    assert bad.sent_at is None
    assert bad.sender == "jo@camden.gov.uk"
    assert records[2].data == b"\x00\x01\x02 not an email at all"


def test_outlook_messages_give_their_attachments_sender_and_date(tmp_path):
    workbook = xlsx_bytes({"A1": "Brent"})
    attachments = [("brent.xlsx", workbook), ("logo.png", PNG)]
    message = outlook_message_bytes("Sam Brent", "sam@brent.gov.uk", MAY_3, attachments)
    write(tmp_path / "brent.msg", message, FILE_TIME)

    records = list(walk_inbox(tmp_path))

    assert [(r.name, r.path, r.source, r.kind) for r in records] == [
        ("brent.xlsx", "brent.msg/brent.xlsx", "brent.msg", "workbook"),
        ("logo.png", "brent.msg/logo.png", "brent.msg", "other"),
    ]
    assert records[0].data == workbook
    assert records[0].sender == "sam@brent.gov.uk" and records[0].sent_at == MAY_3
    assert records[0].modified_at == FILE_TIME


def test_an_outlook_message_without_attachments_is_an_email_without_attachment(tmp_path):
    message = outlook_message_bytes("Sam Brent", "sam@brent.gov.uk", MAY_3, [])
    write(tmp_path / "brent.msg", message)

    [record] = walk_inbox(tmp_path)

    assert (record.kind, record.name, record.data, record.sender) == (
        "email_without_attachment", "brent.msg", message, "sam@brent.gov.uk"
    )


@pytest.mark.parametrize("content", [b"short and broken", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000])
def test_a_broken_outlook_message_is_kept_with_advice(tmp_path, content):
    write(tmp_path / "broken.msg", content)

    [record] = walk_inbox(tmp_path)

    assert (record.name, record.path, record.source, record.kind, record.data) == (
        "broken.msg", "broken.msg", "", "other", content
    )
    assert "could not be opened" in record.note and "ordinary attachment" in record.note


def test_containers_gives_every_email_mailbox_and_zip_for_the_archive(tmp_path):
    eml, archive = email_bytes([]), zip_bytes([("a.xlsx", xlsx_bytes())])
    write(tmp_path / "b" / "x.eml", eml)
    write(tmp_path / "a.zip", archive)
    write(tmp_path / "plain.xlsx", xlsx_bytes())
    write(tmp_path / ".trash" / "old.eml", eml)

    assert list(containers(tmp_path)) == [("a.zip", archive), ("b/x.eml", eml)]


def test_an_empty_zip_and_an_empty_mailbox_are_kept_with_a_note(tmp_path):
    empty_zip = zip_bytes([("folder/", b"")])
    write(tmp_path / "empty.zip", empty_zip)
    write(tmp_path / "empty.mbox", b"")

    records = list(walk_inbox(tmp_path))

    assert [(r.path, r.kind, r.data) for r in records] == [
        ("empty.mbox", "other", b""), ("empty.zip", "other", empty_zip)
    ]
    assert records[0].note == "empty.mbox holds no email messages: nothing to take in."
    assert records[1].note == "empty.zip holds no files: nothing to take in."


def test_zip_member_paths_cannot_climb_out_of_the_zip(tmp_path):
    workbook = xlsx_bytes()
    write(tmp_path / "r.zip", zip_bytes([("../../etc/camden.xlsx", workbook), ("/abs/barnet.xlsx", workbook)]))

    assert [(r.name, r.path) for r in walk_inbox(tmp_path)] == [
        ("barnet.xlsx", "r.zip/abs/barnet.xlsx"), ("camden.xlsx", "r.zip/etc/camden.xlsx")
    ]
