"""What the officer is told about a run's returns as a whole, beyond each file's own message."""

from __future__ import annotations

import csv
from pathlib import Path

from lscb_workbooks.collate import collate
from lscb_workbooks.config import signing_key
from lscb_workbooks.demo.coordinator import fill_template
from lscb_workbooks.demo.synthetic import synthetic_entries
from lscb_workbooks.spec.load import load_spec
from lscb_workbooks.spec.register import Register
from lscb_workbooks.spec.periods import parse_period
from lscb_workbooks.templates.render import write_templates

PERIOD = parse_period("2026-27")


def statuses(out: Path) -> dict[str, str]:
    with (out / "submissions.csv").open(newline="", encoding="utf-8") as handle:
        return {row["file"]: row["status"] for row in csv.DictReader(handle)}


def test_returns_that_all_fail_the_signature_point_at_the_key_not_at_every_borough(make_return, tmp_path):
    for code in ("302", "303", "304"):
        make_return(code)
    wrong_key = signing_key(tmp_path / "another.key")

    report = collate(tmp_path / "inbox", tmp_path / "out", key=wrong_key)

    assert set(statuses(tmp_path / "out").values()) == {"rejected"}
    [note] = [n for n in report.notes if "signing key" in n]
    assert note.startswith("None of the 3 returns taken in matched the signing key")
    assert "lscb recheck --key-file" in note


def test_one_altered_return_among_good_ones_is_not_blamed_on_the_key(make_return, key, spec, register, tmp_path):
    make_return("302")
    make_return("303")
    other_key = signing_key(tmp_path / "another.key")  # one return from a template the project did not send
    brent = register.by_code("304")
    [template] = write_templates(spec, Register([brent]), PERIOD, tmp_path / "other", other_key)
    fill_template(template, synthetic_entries(spec, brent, PERIOD), tmp_path / "inbox" / "return-304.xlsx")

    report = collate(tmp_path / "inbox", tmp_path / "out", key=key)

    assert statuses(tmp_path / "out")["return-304.xlsx"] == "rejected"
    assert not [n for n in report.notes if "signing key" in n]


def test_a_return_for_another_collection_is_named_in_the_summary(make_return, key, register, tmp_path):
    make_return("302")
    mapping, bexley = load_spec("mapping"), register.by_code("303")
    [template] = write_templates(mapping, Register([bexley]), PERIOD, tmp_path / "mapping-template", key)
    fill_template(template, synthetic_entries(mapping, bexley, PERIOD), tmp_path / "inbox" / "mapping-303.xlsx")

    report = collate(tmp_path / "inbox", tmp_path / "out", key=key)

    assert statuses(tmp_path / "out")["mapping-303.xlsx"] == "accepted"
    [note] = [n for n in report.notes if "another collection" in n]
    assert note.startswith("1 return taken in is for another collection, 'mapping', not 'dataset'")
    assert "lscb collate --collection mapping" in note
    # The next run takes in nothing new: the note was about that run's files, and is not repeated.
    assert not [n for n in collate(tmp_path / "inbox", tmp_path / "out", key=key).notes if "another collection" in n]



def test_files_no_authority_can_be_matched_to_are_named_with_their_sender(make_return, key, register, tmp_path):
    from dataclasses import replace

    from intake_files import XLSX_TYPE, email_bytes, write

    barnet = register.by_code("302")
    with_contacts = Register([replace(a, coordinator_email="kim@barnet.example.org") if a is barnet else a
                              for a in register])
    made, _ = make_return("302", folder=tmp_path / "made")
    write(tmp_path / "inbox" / "barnet.eml", email_bytes(
        [("Barnet return.xlsx", made.read_bytes()[:3000], XLSX_TYPE)], sender="Kim <kim@barnet.example.org>"))
    write(tmp_path / "inbox" / "figures.pdf.xlsx", b"%PDF-1.7 not a workbook")
    make_return("303")

    report = collate(tmp_path / "inbox", tmp_path / "out", key=key, register=with_contacts,
                     report_register=Register([register.by_code("303")]))  # one hub's outputs: the note stays

    [note] = [n for n in report.notes if "could not be matched" in n]
    assert note.startswith("2 files taken in could not be matched to an authority, so they are no authority's "
                           "return:")
    assert "An authority whose coordinator sent one, and that has no return of its own, shows it" in note
    assert ("Barnet return.xlsx from kim@barnet.example.org (Barnet's coordinator), could not be read" in note)
    assert "figures.pdf.xlsx, could not be read" in note
    assert note.endswith("is in submissions.csv of a run for all of London (without --hub).")
    assert "could not be matched" not in " ".join(collate(tmp_path / "inbox", tmp_path / "out", key=key).notes)
