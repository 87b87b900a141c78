"""One inbox holding every kind of file boroughs send: each gets the right status and message,
and the run still collates the good returns."""

from __future__ import annotations

import csv
import io
import mailbox
from datetime import datetime, timezone
from pathlib import Path

import pytest
from openpyxl import load_workbook
from intake_files import (BILLION_LAUGHS, XLSX_TYPE, email_bytes, sheet_xml, with_sheet_xml, write, xlsx_bytes,
                          zeros_sheet, zip_bytes)
from msoffcrypto.format.ooxml import OOXMLFile
from spreadsheet_program import convert, requires_libreoffice

from lscb_workbooks.collate import collate


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def encrypted(data: bytes) -> bytes:
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt("secret", out)
    return out.getvalue()


@pytest.fixture
def messy(make_return, tmp_path):
    inbox = tmp_path / "inbox"
    good, _ = make_return("302", name="Barnet.xlsx")
    returns = {code: make_return(code, folder=tmp_path / "made")[0].read_bytes() for code in ("303", "304", "305", "306")}
    write(inbox / "empty.xlsx", b"")
    write(inbox / "truncated.xlsx", good.read_bytes()[: len(good.read_bytes()) // 2])
    write(inbox / "figures.xlsx", b"la,referrals\nBarnet,1200\n")
    write(inbox / "locked.xlsx", encrypted(good.read_bytes()))
    write(inbox / "bomb.xlsx", with_sheet_xml(xlsx_bytes(), zeros_sheet(120)))
    write(inbox / "laughs.xlsx", with_sheet_xml(xlsx_bytes(), [BILLION_LAUGHS]))
    write(inbox / "far corner.xlsx", with_sheet_xml(xlsx_bytes(), [sheet_xml(
        '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
        dimension="A1:XFD1048576")]))
    write(inbox / "mail" / "bexley.eml", email_bytes(
        [("Bexley return.xlsx", returns["303"], XLSX_TYPE), ("signature.png", b"\x89PNG\r\n\x1a\n", ("image", "png"))],
        sender="Sam <sam@bexley.example.org>", sent=datetime(2027, 5, 1, 9, tzinfo=timezone.utc)))
    write(inbox / "mail" / "thanks.eml", email_bytes([], subject="Thanks"))
    box = mailbox.mbox(inbox / "mail" / "week.mbox")
    for code, sender in (("304", "brent@example.org"), ("305", "bromley@example.org")):
        box.add(email_bytes([(f"{code}.xlsx", returns[code], XLSX_TYPE)], sender=sender))
    box.flush()
    box.close()
    write(inbox / "returns.zip", zip_bytes([("croydon/return.xlsx", returns["306"])]))
    return inbox


def test_every_file_gets_a_status_and_a_message_and_the_good_ones_are_collated(messy, key, tmp_path):
    report = collate(messy, tmp_path / "out", key=key)
    by_name = {r["file"]: r for r in rows(tmp_path / "out" / "submissions.csv")}
    expected = {
        "Barnet.xlsx": "accepted",
        "empty.xlsx": "unreadable",
        "truncated.xlsx": "unreadable",
        "figures.xlsx": "unreadable",
        "locked.xlsx": "unreadable",
        "bomb.xlsx": "unreadable",
        "laughs.xlsx": "unreadable",
        "far corner.xlsx": "unreadable",
        "Bexley return.xlsx": "accepted",
        "signature.png": "ignored",
        "thanks.eml": "ignored",
        "304.xlsx": "accepted",
        "305.xlsx": "accepted",
        "return.xlsx": "accepted",
    }
    got = {name: by_name[name]["status"].replace("accepted_with_warnings", "accepted") for name in expected}
    assert got == expected
    assert all(r["message"] for r in by_name.values())
    assert "password" in by_name["locked.xlsx"]["message"]
    assert "CSV" in by_name["figures.xlsx"]["message"] or "text" in by_name["figures.xlsx"]["message"].lower()
    assert by_name["Bexley return.xlsx"]["source"] == "mail/bexley.eml"
    assert by_name["Bexley return.xlsx"]["la_code"] == "303"
    assert by_name["304.xlsx"]["source"].startswith("mail/week.mbox")
    assert by_name["return.xlsx"]["source"] == "returns.zip"
    values = rows(tmp_path / "out" / "values.csv")
    assert {v["la_code"] for v in values} == {"302", "303", "304", "305", "306"}
    bexley = next(r for r in rows(tmp_path / "out" / "submissions.csv") if r["file"] == "Bexley return.xlsx")
    assert bexley["received_at"].startswith("2027-05-01T09:00") and bexley["sender"] == "sam@bexley.example.org"
    assert report.statuses["unreadable"] == 7


@requires_libreoffice
def test_returns_saved_by_libreoffice_as_xlsx_ods_and_xls_are_read(make_return, key, tmp_path):
    made = {code: make_return(code, folder=tmp_path / "made")[0] for code in ("302", "303", "304")}
    inbox = tmp_path / "inbox"
    convert(made["302"], "xlsx:Calc MS Excel 2007 XML", inbox / "resaved")
    convert(made["303"], "ods", inbox)
    convert(made["304"], "xls", inbox)
    collate(inbox, tmp_path / "out", key=key)
    statuses = {r["la_code"]: r["status"] for r in rows(tmp_path / "out" / "submissions.csv")}
    assert statuses == {"302": "accepted", "303": "accepted", "304": "accepted"}
    values = {(v["la_code"], v["field_id"]): v for v in rows(tmp_path / "out" / "values.csv")}
    for code, path in made.items():
        sheet = load_workbook(path)["Return"]
        ids = {sheet.cell(r, 1).value: r for r in range(1, sheet.max_row + 1)}
        assert float(values[(code, "CSC_REF")]["value"]) == sheet.cell(ids["CSC_REF"], 4).value
        assert values[(code, "CSC_REF")]["cell"] == f"D{ids['CSC_REF']}"
