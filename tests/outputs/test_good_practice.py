"""Good practice from any LSCB: one open template, returns known by the board's name, collated and reported."""

from __future__ import annotations

import os

import docx
import openpyxl
import pandas as pd
from click.testing import CliRunner

from lscb_workbooks.cli import main
from lscb_workbooks.demo.coordinator import Entries, fill_template
from lscb_workbooks.outputs.final_report.build import write_final_report


def example(title: str) -> dict:
    return {"title": title, "area": "Information sharing", "description": f"How {title.lower()} works."}


def test_one_open_template_any_board_can_name_itself_in(tmp_path, register):
    key = tmp_path / "signing.key"
    made = CliRunner().invoke(main, ["templates", "--collection", "good_practice", "--period", "2026-27",
                                     "--out", str(tmp_path / "templates"), "--key-file", str(key)])
    assert made.exit_code == 0, made.output
    templates = list((tmp_path / "templates").glob("*.xlsx"))
    assert [t.name for t in templates] == ["good_practice_2026-27_open.xlsx"]
    cover = openpyxl.load_workbook(templates[0])["Cover"]
    assert any("Any Local Safeguarding Children Board in the UK" in str(c.value) for row in cover.iter_rows()
               for c in row)
    inbox = tmp_path / "inbox"
    sent = [("Kent Safeguarding Children Board", ["Shared definitions"]),
            ("Barnet LSCB", ["Monthly data meeting", "Young people's panel"]),
            ("", ["No name given"]),
            ("  Kent   Safeguarding Children Board ", ["Shared definitions", "Quarterly report"])]
    for moment, (name, titles) in enumerate(sent, start=1):
        entries = Entries(values={"BOARD_NAME": name or None, "NATION": "England", "CONTACT_NAME": "A Person"},
                          tables={"examples": [example(t) for t in titles]})
        path = fill_template(templates[0], entries, inbox / f"return-{moment}.xlsx")
        os.utime(path, (1_780_000_000 + moment * 3600,) * 2)
    collated = CliRunner().invoke(main, ["collate", str(inbox), "--collection", "good_practice", "--out",
                                         str(tmp_path / "out"), "--key-file", str(key)])
    assert collated.exit_code == 0, collated.output
    assert "Missing: none" in collated.output
    submissions = pd.read_csv(tmp_path / "out" / "submissions.csv").set_index("file")
    assert submissions.loc["return-1.xlsx", "status"] == "superseded"
    assert submissions.loc["return-4.xlsx", "status"] == "accepted"
    assert submissions.loc["return-4.xlsx", "la_code"] == "Kent Safeguarding Children Board"
    assert submissions.loc["return-2.xlsx", "la_code"] == "Barnet LSCB"
    assert submissions.loc["return-3.xlsx", "status"] == "rejected"
    assert "write your board's name in 'Your board's name'" in submissions.loc["return-3.xlsx", "message"]
    ws = openpyxl.load_workbook(tmp_path / "out" / "master.xlsx")["Examples"]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0]]
    assert sorted((r[0], r[5]) for r in rows) == [
        ("Barnet LSCB", "Monthly data meeting"), ("Barnet LSCB", "Young people's panel"),
        ("Kent Safeguarding Children Board", "Quarterly report"),
        ("Kent Safeguarding Children Board", "Shared definitions")]
    report = write_final_report([tmp_path / "out" / "store.sqlite"], tmp_path / "report", register)
    document = docx.Document(report.path)
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Board"
                 and t.rows[0].cells[1].text == "Example")
    assert sorted((r.cells[0].text, r.cells[1].text) for r in table.rows[1:]) == sorted((r[0], r[5]) for r in rows)
    texts = [p.text for p in document.paragraphs]
    assert ("Source: Good practice from LSCBs (collection 'good_practice'), 2026-27: 2 boards answering."
            in texts)
