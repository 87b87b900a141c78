"""A return is recognised by its bytes, however its attachment is named or wrapped.

Mail programs send a workbook as an unnamed `application/octet-stream` part, under a name with no
extension, as `ATT00001.dat`, or (Outlook, for some recipients) inside `winmail.dat`.
"""

from __future__ import annotations

from intake_files import email_bytes, winmail_dat, write
from lscb_workbooks.collate import collate
from lscb_workbooks.intake.mail import tnef_attachments
from test_collate import by_file, rows

OCTET = ("application", "octet-stream")


def test_a_return_is_taken_in_whatever_its_attachment_is_called(make_return, key, tmp_path):
    made = tmp_path / "made"
    unnamed, _ = make_return("302", folder=made)
    no_extension, _ = make_return("303", folder=made)
    generic, _ = make_return("304", folder=made)
    wrapped, _ = make_return("305", folder=made)
    loose, _ = make_return("306", folder=made)
    inbox = tmp_path / "inbox"
    write(inbox / "unnamed.eml", email_bytes([(None, unnamed.read_bytes(), OCTET)]))
    write(inbox / "no extension.eml", email_bytes([("Barnet return", no_extension.read_bytes(), OCTET)]))
    write(inbox / "generic.eml", email_bytes([("ATT00001.dat", generic.read_bytes(), OCTET)]))
    write(inbox / "outlook.eml", email_bytes([("winmail.dat", winmail_dat([("Return 305.xlsx", wrapped.read_bytes())]),
                                               ("application", "ms-tnef"))]))
    write(inbox / "Return for 306", loose.read_bytes())
    report = collate(inbox, tmp_path / "out", key=key)
    files = {r["la_code"]: r for r in rows(tmp_path / "out" / "submissions.csv")}
    for la_code in ("302", "303", "304", "305", "306"):
        assert files[la_code]["status"] in ("accepted", "accepted_with_warnings"), files[la_code]
        assert la_code not in report.missing
    assert files["305"]["file"] == "Return 305.xlsx" and files["305"]["source"] == "outlook.eml"
    assert files["303"]["file"] == "Barnet return"


def test_winmail_dat_is_unpacked_with_every_file_in_it(make_return, tmp_path):
    path, _ = make_return("302", folder=tmp_path)
    inside = tnef_attachments(winmail_dat([("Camden.xlsx", path.read_bytes()), ("logo.png", b"\x89PNG....")]))
    assert [(a.name, a.data) for a in inside] == [("Camden.xlsx", path.read_bytes()), ("logo.png", b"\x89PNG....")]


def test_a_file_that_is_not_a_workbook_is_still_ignored_whatever_it_is_called(key, tmp_path):
    write(tmp_path / "inbox" / "note.eml", email_bytes([("ATT00002.dat", b"Thanks, Jo", OCTET)]))
    collate(tmp_path / "inbox", tmp_path / "out", key=key)
    [row] = rows(tmp_path / "out" / "submissions.csv")
    assert row["status"] == "ignored"
    assert by_file(tmp_path / "out")["ATT00002.dat"]["message"]
