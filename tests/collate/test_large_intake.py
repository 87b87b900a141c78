"""An intake of more than one batch: checked a batch at a time, in a process of its own, with the same
verdicts, figures and messages as a small one checked in the collating process."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest

import lscb_workbooks.collate as collation
from lscb_workbooks.collate import collate
from lscb_workbooks.demo.coordinator import fill_template
from lscb_workbooks.demo.synthetic import synthetic_entries
from lscb_workbooks.parallel import start_in_process
from lscb_workbooks.stages import timing_stages
from lscb_workbooks.templates.render import write_templates

from test_collate import PERIOD


def _rows(path: Path, drop: tuple[str, ...] = ()) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [{k: v for k, v in row.items() if k not in drop} for row in csv.DictReader(handle)]


@pytest.fixture
def inbox(make_return, spec, register, key, tmp_path) -> Path:
    """Eight files whose verdicts rest on one another across batches of two: a copy of an earlier file,
    a version superseded by a later one, a return judged against the period before, a file that is
    not a return."""
    folder = tmp_path / "inbox"
    barnet = register.by_code("302")
    previous = PERIOD.previous()
    [old_template] = write_templates(spec, [barnet], previous, tmp_path / "earlier", key)
    before = synthetic_entries(spec, barnet, previous)
    files = [fill_template(old_template, before, folder / "Barnet last year.xlsx")]

    def triple(entries):
        entries.values["CSC_REF"] = before.values["CSC_REF"] * 3

    files.append(make_return("302", name="Barnet this year.xlsx", change=triple)[0])
    files.append(make_return("303", name="Camden first go.xlsx",
                             change=lambda e: e.values.update(CSC_REF="lots"))[0])
    files.append(make_return("304", name="Croydon.xlsx")[0])
    files.append(make_return("303", name="Camden corrected.xlsx")[0])
    shutil.copyfile(folder / "Croydon.xlsx", folder / "Croydon (copy).xlsx")
    files.append(folder / "Croydon (copy).xlsx")
    files.append(make_return("305", name="Ealing.xlsx")[0])
    (folder / "cover note.txt").write_text("Figures attached.", encoding="utf-8")
    files.append(folder / "cover note.txt")
    for order, path in enumerate(files):  # received in this order, an hour apart
        os.utime(path, (1_700_000_000 + 3600 * order,) * 2)
    return folder


def _collate(inbox: Path, out: Path, key: bytes, batch: int, monkeypatch) -> tuple[dict[str, float], list[str]]:
    """Collate with batches of `batch` files; the seconds of each stage, and the work started elsewhere."""
    monkeypatch.setattr(collation, "BATCH_FILES", batch)
    started = []

    def recording(work, *args):
        started.append(work.__name__)
        return start_in_process(work, *args)

    monkeypatch.setattr(collation, "start_in_process", recording)  # as collation calls it
    with timing_stages() as seconds:
        collate(inbox, out, key=key)
    return seconds, started


def test_a_large_intake_is_checked_elsewhere_with_the_verdicts_of_a_small_one(inbox, key, tmp_path, monkeypatch):
    here, started_here = _collate(inbox, tmp_path / "here", key, 100, monkeypatch)
    aside, started_aside = _collate(inbox, tmp_path / "aside", key, 2, monkeypatch)
    assert "_check_and_store_in_process" not in started_here
    assert started_aside.count("_check_and_store_in_process") == 1
    for name in ("read", "identity", "extract", "validation", "store"):  # timed in the other process, reported here
        assert aside.get(name, 0) > 0, name

    ledger = _rows(tmp_path / "aside" / "submissions.csv", drop=("run_id",))
    assert ledger == _rows(tmp_path / "here" / "submissions.csv", drop=("run_id",))
    status = {row["file"]: row["status"] for row in ledger}
    assert status["Camden first go.xlsx"] == "superseded" and status["Croydon (copy).xlsx"] == "duplicate"
    assert status["cover note.txt"] == "ignored"
    assert status["Barnet this year.xlsx"] == "accepted_with_warnings"
    for name in ("issues.csv", "values.csv"):
        assert _rows(tmp_path / "aside" / name) == _rows(tmp_path / "here" / name), name
    judged = [i for i in _rows(tmp_path / "aside" / "issues.csv") if i["rule"] == "implausible_change"]
    assert any(i["field_id"] == "CSC_REF" and str(PERIOD.previous()) in i["message"] for i in judged), \
        "the return is judged against the period before, stored by an earlier batch"
