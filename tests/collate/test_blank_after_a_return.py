"""A blank template sent after a return with figures never takes those figures out of use.

A coordinator's reply-all often still carries the unfilled template from the invitation: it arrives
later than the return, but nothing was typed in it, so it must not replace anything.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from intake_files import email_bytes, write
from lscb_workbooks.cli import main
from lscb_workbooks.store.db import Store
from test_collate import by_file, rows

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
BARNET = "Jo Bloggs <jo.bloggs@barnet.gov.uk>"
TEMPLATE_NAME = "dataset_2026-27_302-Barnet.xlsx"


def accepted_then_blank(make_return, templates, tmp_path: Path) -> None:
    """a.eml (1 April) carries Barnet's filled return; b.eml (2 April), a reply-all, the unfilled template."""
    filled, _ = make_return("302", name="Barnet final.xlsx", folder=tmp_path / "made",
                            change=lambda e: e.values.update({"CSC_REF": 4321}))
    write(tmp_path / "inbox" / "a.eml",
          email_bytes([("Barnet final.xlsx", filled.read_bytes(), XLSX)], sender=BARNET,
                      sent=datetime(2027, 4, 1, 9, 0, tzinfo=timezone.utc)))
    write(tmp_path / "inbox" / "b.eml",
          email_bytes([(TEMPLATE_NAME, templates["302"].read_bytes(), XLSX)], sender=BARNET, subject="RE: Return",
                      sent=datetime(2027, 4, 2, 9, 0, tzinfo=timezone.utc)))


def collate(tmp_path: Path, key_file: Path):
    return CliRunner().invoke(main, ["collate", str(tmp_path / "inbox"), "--out", str(tmp_path / "out"),
                                     "--period", "2026-27", "--key-file", str(key_file)])


def test_a_blank_template_sent_later_leaves_the_return_in_use(make_return, templates, key, tmp_path):
    accepted_then_blank(make_return, templates, tmp_path)
    key_file = tmp_path / "signing.key"
    key_file.write_bytes(key)
    result = collate(tmp_path, key_file)
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"

    files = by_file(out)
    assert files["Barnet final.xlsx"]["status"] in ("accepted", "accepted_with_warnings"), files["Barnet final.xlsx"]
    blank = files[TEMPLATE_NAME]
    assert blank["status"] == "rejected"
    assert blank["message"].startswith("The return is blank: no figures were entered")
    assert "Barnet final.xlsx (received 2027-04-01 09:00) stays in use" in blank["message"]

    values = {v["field_id"]: v for v in rows(out / "values.csv") if v["la_code"] == "302"}
    assert values["CSC_REF"]["value"] == "4321"
    assert {v["sha256"] for v in values.values()} == {files["Barnet final.xlsx"]["sha256"]}

    tracker = load_workbook(out / "master.xlsx", read_only=True)["Returns tracker"]
    barnet = next(r for r in tracker.iter_rows(values_only=True) if "Barnet" in r)
    assert "Barnet final.xlsx" in barnet and TEMPLATE_NAME not in barnet
    assert not (out / "feedback" / "302-Barnet.xlsx").exists(), "nothing in the blank file to send back"

    store = Store(out / "store.sqlite")
    try:
        status = dict(store.db.execute("SELECT file, status FROM submissions WHERE la_code = '302'").fetchall())
    finally:
        store.close()
    assert status == {"Barnet final.xlsx": files["Barnet final.xlsx"]["status"], TEMPLATE_NAME: "rejected"}

    # Collating again settles the same way.
    assert collate(tmp_path, key_file).exit_code == 0
    assert by_file(out)[TEMPLATE_NAME]["status"] == "rejected"


def test_a_blank_return_cannot_be_chosen_as_the_one_in_use(make_return, templates, key, tmp_path):
    accepted_then_blank(make_return, templates, tmp_path)
    key_file = tmp_path / "signing.key"
    key_file.write_bytes(key)
    assert collate(tmp_path, key_file).exit_code == 0
    out = tmp_path / "out"
    blank_sha = by_file(out)[TEMPLATE_NAME]["sha256"]

    result = CliRunner().invoke(main, ["choose-version", blank_sha[:12], "--store", str(out / "store.sqlite")])
    assert result.exit_code != 0
    message = result.output.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in message
    assert f"{TEMPLATE_NAME} ({blank_sha[:12]}) is a blank return" in message
    assert "cannot be the version in use" in message

    files = by_file(out)
    assert files["Barnet final.xlsx"]["status"] in ("accepted", "accepted_with_warnings")
    assert files[TEMPLATE_NAME]["status"] == "rejected"
    store = Store(out / "store.sqlite")
    try:
        assert store.db.execute("SELECT COUNT(*) FROM version_choices").fetchone()[0] == 0
        [run] = store.runs().query("command == 'choose-version'").to_dict("records")
        assert run["changes"].startswith("failed:")
    finally:
        store.close()


def test_a_later_return_with_errors_still_replaces_an_accepted_one(make_return, templates, key, tmp_path):
    """Only a blank return is passed over: a later return with figures, even wrong ones, replaces the earlier."""
    accepted_then_blank(make_return, templates, tmp_path)
    wrong, _ = make_return("302", name="Barnet corrected.xlsx", folder=tmp_path / "made",
                           change=lambda e: e.values.update({"CP_START": -4}))
    write(tmp_path / "inbox" / "c.eml",
          email_bytes([("Barnet corrected.xlsx", wrong.read_bytes(), XLSX)], sender=BARNET,
                      sent=datetime(2027, 4, 3, 9, 0, tzinfo=timezone.utc)))
    key_file = tmp_path / "signing.key"
    key_file.write_bytes(key)
    assert collate(tmp_path, key_file).exit_code == 0
    files = by_file(tmp_path / "out")
    assert files["Barnet corrected.xlsx"]["status"] == "rejected"
    for earlier in ("Barnet final.xlsx", TEMPLATE_NAME):
        assert files[earlier]["status"] == "superseded"
        assert "Barnet corrected.xlsx" in files[earlier]["message"]
    assert [v for v in rows(tmp_path / "out" / "values.csv") if v["la_code"] == "302"] == []
