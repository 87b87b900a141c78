"""Which version of a return is in use: the later received, then the later saved, else the officer says.

A file name never decides: "Camden draft.xlsx" sorts after "Camden FINAL.xlsx".
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from intake_files import email_bytes, saved_at, write
from lscb_workbooks.cli import main, summary
from lscb_workbooks.collate import collate
from lscb_workbooks.store.db import Store
from test_collate import by_file, rows

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def two_versions(make_return, tmp_path: Path, draft_saved: str, final_saved: str) -> dict[str, float]:
    """One email holding a draft and a final version of Camden's return, the final with different figures."""
    draft, _ = make_return("302", name="draft.xlsx", folder=tmp_path / "made")
    final, entries = make_return("302", name="final.xlsx", folder=tmp_path / "made",
                                 change=lambda e: e.values.update({"CSC_REF": 4321}))
    message = email_bytes([("Camden FINAL.xlsx", saved_at(final, final_saved), XLSX),
                           ("Camden draft.xlsx", saved_at(draft, draft_saved), XLSX)])
    write(tmp_path / "inbox" / "camden.eml", message)
    return entries.values


def test_the_version_saved_later_wins_whatever_its_name(make_return, key, tmp_path):
    two_versions(make_return, tmp_path, draft_saved="2026-05-02T16:00:00Z", final_saved="2026-05-03T09:10:00Z")
    collate(tmp_path / "inbox", tmp_path / "out", key=key)
    files = by_file(tmp_path / "out")
    assert files["Camden FINAL.xlsx"]["status"] in ("accepted", "accepted_with_warnings")
    assert files["Camden draft.xlsx"]["status"] == "superseded"
    assert "Camden FINAL.xlsx" in files["Camden draft.xlsx"]["message"]
    values = {v["field_id"]: v["value"] for v in rows(tmp_path / "out" / "values.csv")}
    assert values["CSC_REF"] == "4321"


def test_a_tie_keeps_neither_in_use_until_the_officer_chooses(make_return, key, tmp_path, monkeypatch):
    two_versions(make_return, tmp_path, draft_saved="2026-05-03T09:10:00Z", final_saved="2026-05-03T09:10:00Z")
    out = tmp_path / "out"
    collate(tmp_path / "inbox", out, key=key)
    files = by_file(out)
    for name in ("Camden FINAL.xlsx", "Camden draft.xlsx"):
        assert files[name]["status"] == "undecided", files[name]["message"]
        assert "neither is in use" in files[name]["message"]
        assert "lscb choose-version" in files[name]["message"]
    assert [v for v in rows(out / "values.csv") if v["la_code"] == "302"] == []
    feedback = list((out / "feedback").glob("*.xlsx"))
    assert len(feedback) == 1, "the coordinator is asked which version counts"

    final_sha = files["Camden FINAL.xlsx"]["sha256"]
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["choose-version", final_sha[:12], "--store", str(out / "store.sqlite")])
    assert result.exit_code == 0, result.output
    assert "Camden FINAL.xlsx" in result.output
    store = Store(out / "store.sqlite")
    try:
        [run] = store.runs().query("command == 'choose-version'").to_dict("records")
        assert "Camden FINAL.xlsx" in run["changes"] and final_sha[:12] in run["detail"]
    finally:
        store.close()
    result = CliRunner().invoke(main, ["report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    files = by_file(out)
    assert files["Camden FINAL.xlsx"]["status"] in ("accepted", "accepted_with_warnings")
    assert files["Camden draft.xlsx"]["status"] == "superseded"
    values = {v["field_id"]: v["value"] for v in rows(out / "values.csv")}
    assert values["CSC_REF"] == "4321"


def tied_versions(make_return, tmp_path: Path, count: int) -> list[str]:
    """One email holding `count` versions of Barnet's return, each with its own figures, all saved at the same time."""
    attachments = []
    for n in range(1, count + 1):
        made, _ = make_return("302", name=f"v{n}.xlsx", folder=tmp_path / "made",
                              change=lambda e, n=n: e.values.update({"CSC_REF": 4000 + n}))
        attachments.append((f"Barnet v{n}.xlsx", saved_at(made, "2026-05-03T09:10:00Z"), XLSX))
    write(tmp_path / "inbox" / "barnet.eml", email_bytes(attachments))
    return [name for name, _, _ in attachments]


def workbook_text(path: Path) -> list[str]:
    """Every piece of text in a workbook, as the coordinator would read it."""
    book = load_workbook(path, read_only=True)
    return [str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None]


def what_to_do(path: Path) -> dict[str, str]:
    sheet = load_workbook(path, read_only=True)["What to do"]
    return {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0] and len(row) > 1}


@pytest.mark.parametrize("count", [2, 3])
def test_the_coordinator_is_told_of_tied_versions_in_their_terms(make_return, register, key, tmp_path, count):
    names = tied_versions(make_return, tmp_path, count)
    out = tmp_path / "out"
    shown = summary(collate(tmp_path / "inbox", out, key=key), register)
    assert f"{count} versions of the return for Barnet (302)" in shown
    assert "lscb choose-version" in shown, "the officer is told how to record the answer"

    files = by_file(out)
    for name in names:
        message = files[name]["message"]
        assert files[name]["status"] == "undecided"
        assert message.startswith(f"{count} versions of this return arrived at the same moment")
        assert f"lscb choose-version {files[name]['sha256'][:12]}" in message
        assert all(other in message for other in names if other != name)

    feedback = out / "feedback" / "302-Barnet.xlsx"
    text = workbook_text(feedback)
    commands = [t for t in text if re.search(r"\blscb [a-z]", t) or "choose-version" in t or "sha256" in t]
    assert not commands, "the coordinator cannot run the officer's commands"
    assert not [t for t in text if "Two versions" in t]
    sheet = what_to_do(feedback)
    assert sheet["Status"].startswith(f"{count} versions of your return arrived together")
    note = sheet["Our note on the file"]
    assert note.startswith(f"{count} versions of your return arrived at the same moment (3 May 2026 at 09:30)")
    assert all(name in note for name in names)
    assert "The project officer will ask you which one counts" in note
    assert "none of your figures is in use until we know" in note


def test_choosing_an_unknown_version_says_what_to_give(make_return, key, tmp_path):
    two_versions(make_return, tmp_path, draft_saved="2026-05-03T09:10:00Z", final_saved="2026-05-03T09:10:00Z")
    collate(tmp_path / "inbox", tmp_path / "out", key=key)
    store = str(tmp_path / "out" / "store.sqlite")
    result = CliRunner().invoke(main, ["choose-version", "00000000", "--store", store])
    assert result.exit_code != 0
    assert "submissions.csv" in result.output and "Traceback" not in result.output

    final_sha = by_file(tmp_path / "out")["Camden FINAL.xlsx"]["sha256"]
    result = CliRunner().invoke(main, ["choose-version", final_sha[:4], "--store", store])
    assert result.exit_code != 0 and f"'{final_sha[:4]}' is too short to name one file" in result.output

    write(tmp_path / "inbox" / "notes.txt", b"Our notes on the return")  # a file that is not a return
    collate(tmp_path / "inbox", tmp_path / "out", key=key)
    notes_sha = by_file(tmp_path / "out")["notes.txt"]["sha256"]
    result = CliRunner().invoke(main, ["choose-version", notes_sha[:10], "--store", store])
    assert result.exit_code != 0
    assert f"'{notes_sha[:10]}' is notes.txt, which is not a return that can be in use (it is ignored)" in result.output


def test_a_later_email_still_replaces_a_chosen_version(make_return, key, tmp_path):
    two_versions(make_return, tmp_path, draft_saved="2026-05-03T09:10:00Z", final_saved="2026-05-03T09:10:00Z")
    collate(tmp_path / "inbox", tmp_path / "out", key=key)
    store = Store(tmp_path / "out" / "store.sqlite")
    try:
        store.choose_version(by_file(tmp_path / "out")["Camden draft.xlsx"]["sha256"], None, "2026-05-04T00:00:00+00:00")
    finally:
        store.close()
    later, _ = make_return("302", name="later.xlsx", folder=tmp_path / "made",
                           change=lambda e: e.values.update({"CSC_REF": 999}))
    write(tmp_path / "inbox" / "camden again.eml",
          email_bytes([("Camden v3.xlsx", later.read_bytes(), XLSX)], sent=datetime(2026, 5, 5, tzinfo=timezone.utc)))
    collate(tmp_path / "inbox", tmp_path / "out", key=key)
    files = by_file(tmp_path / "out")
    assert files["Camden v3.xlsx"]["status"] in ("accepted", "accepted_with_warnings")
    assert files["Camden draft.xlsx"]["status"] == files["Camden FINAL.xlsx"]["status"] == "superseded"


def test_one_stray_rejected_return_for_another_year_does_not_switch_the_round(make_return, spec, register, key,
                                                                               tmp_path):
    from lscb_workbooks.spec.periods import parse_period
    from lscb_workbooks.spec.register import Register
    from lscb_workbooks.templates.render import write_templates

    good = ["302", "303", "304", "305", "306"]
    for la_code in good:
        make_return(la_code)
    out = tmp_path / "out"
    collate(tmp_path / "inbox", out, key=key)
    [stray] = write_templates(spec, Register(a for a in register if a.la_code == "307"), parse_period("2027-28"),
                              tmp_path / "next year", key)
    (tmp_path / "inbox" / "next year blank.xlsx").write_bytes(stray.read_bytes())
    shown = summary(collate(tmp_path / "inbox", out, key=key), register)
    assert by_file(out)["next year blank.xlsx"]["status"] == "rejected"
    assert "period 2026-27" in shown
    assert f"Missing ({len(register) - len(good)})" in shown
    assert "also received for 2027-28 (1 rejected)" in shown
    assert {v["la_code"] for v in rows(out / "values.csv")} == set(good)


def test_the_same_figures_saved_twice_and_sent_together_need_no_choice(make_return, register, key, tmp_path):
    """A coordinator attaches the return twice, once as saved again with its view changed: the figures, ratings
    and comments are the same, so the tie asks nothing of anyone."""
    made, entries = make_return("302", name="return.xlsx", folder=tmp_path / "made")
    book = load_workbook(made)
    book["Return"].sheet_view.zoomScale = 90  # saved again: other bytes, the same figures
    book.save(tmp_path / "made" / "again.xlsx")
    attachments = [("Barnet return.xlsx", saved_at(made, "2026-05-03T09:10:00Z"), XLSX),
                   ("Barnet return (zoomed).xlsx", saved_at(tmp_path / "made" / "again.xlsx", "2026-05-03T09:10:00Z"),
                    XLSX)]
    assert attachments[0][1] != attachments[1][1]
    write(tmp_path / "inbox" / "barnet.eml", email_bytes(attachments))

    report = collate(tmp_path / "inbox", tmp_path / "out", key=key)

    files = by_file(tmp_path / "out")
    statuses = sorted(files[name]["status"] for name, _, _ in attachments)
    assert statuses[0] in ("accepted", "accepted_with_warnings") and statuses[1] == "superseded"
    [other] = [files[name] for name, _, _ in attachments if files[name]["status"] == "superseded"]
    assert other["message"].startswith("The same figures as Barnet return")
    assert "stands for both: nothing to do." in other["message"]
    assert not any("versions of the return" in n for n in report.notes)
    values = {v["field_id"]: v["value"] for v in rows(tmp_path / "out" / "values.csv") if v["la_code"] == "302"}
    assert values["CSC_REF"] == str(entries.values["CSC_REF"])
