"""Two versions of a return that tie, in a workspace: the coordinator is asked, the officer records the answer."""

from __future__ import annotations

import csv
import email
import os
import sqlite3
from datetime import datetime
from email import policy

from intake_files import saved_at
from test_workspace_round import text_of


def test_a_tie_is_chased_then_settled_by_the_officer_and_logged(workspace, lscb, send_return):
    root = workspace
    lscb("templates", "--la", "305")
    when = datetime(2026, 5, 2, 9, 0)
    for name, figure in (("Bromley draft.xlsx", 1), ("Bromley FINAL.xlsx", 2)):
        path = send_return(root, "305", when, change=lambda e: e.values.update({"CSC_REF": 1000 + figure}), name=name)
        stamp = path.stat().st_mtime
        path.write_bytes(saved_at(path, "2026-05-02T08:59:00Z"))
        os.utime(path, (stamp, stamp))
    result = lscb("collate")
    assert "2 versions of the return for Bromley (305)" in result.output
    lscb("emails", "--kind", "chase", "--today", "2026-05-10")
    chase = email.message_from_bytes((root / "output" / "emails" / "chase" / "chase-305-Bromley.eml").read_bytes(),
                                     policy=policy.default)
    assert "More than one version of your return arrived together" in text_of(chase)

    with (root / "output" / "submissions.csv").open(newline="", encoding="utf-8") as handle:
        final = next(r for r in csv.DictReader(handle) if r["file"] == "Bromley FINAL.xlsx")
    assert final["status"] == "undecided"
    lscb("choose-version", final["sha256"][:10])
    lscb("report")
    with (root / "output" / "values.csv").open(newline="", encoding="utf-8") as handle:
        values = {(r["la_code"], r["field_id"]): r["value"] for r in csv.DictReader(handle)}
    assert values[("305", "CSC_REF")] == "1002"
    [store] = root.rglob("*.sqlite")
    with sqlite3.connect(store) as db:
        logged = db.execute("SELECT detail, changes FROM runs WHERE command = 'choose-version'").fetchall()
    assert len(logged) == 1 and "Bromley FINAL.xlsx" in logged[0][1]
