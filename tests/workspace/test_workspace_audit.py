"""The audit log sheet and the tracker's round columns, read back from what was written."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
from openpyxl import load_workbook

from lscb_workbooks.outputs import xlsx
from lscb_workbooks.outputs.audit import add_audit_sheet
from lscb_workbooks.round_status import TRACKER_COLUMNS, tracker_columns
from lscb_workbooks.spec.register import load_register
from lscb_workbooks.store.db import Store


def test_the_audit_sheet_lists_every_run_oldest_first_as_text(tmp_path):
    runs = pd.DataFrame([
        {"id": 2, "started_at": "2026-05-18T09:30:00+00:00", "command": "collate", "detail": "lscb collate",
         "changes": "3 new file(s): 2 accepted, 1 rejected; statuses: Bexley (303): missing -> accepted"},
        {"id": 1, "started_at": "2026-05-01T08:00:00+00:00", "command": "init", "detail": "=HYPERLINK(\"x\")",
         "changes": "workspace made for dataset 2025-26"},
    ])
    path = tmp_path / "audit.xlsx"
    xlsx.save_atomically(lambda workbook: add_audit_sheet(workbook, runs), path)
    sheet = load_workbook(path)["Audit log"]
    rows = [row for row in sheet.iter_rows(values_only=True)]
    header = rows.index(("When (UTC)", "Command", "Command line", "What changed"))
    first, second = rows[header + 1], rows[header + 2]
    assert first[0] == datetime(2026, 5, 1, 8, 0) and first[1] == "init"
    assert first[2] == '=HYPERLINK("x")', "a command line is written as text, never as a formula"
    assert second[1] == "collate"
    assert second[3] == "3 new file(s): 2 accepted, 1 rejected\nstatuses: Bexley (303): missing -> accepted"
    assert sheet.tables["Audit_log"].ref == f"A{header + 1}:D{header + 3}"


def test_an_empty_audit_log_still_makes_a_valid_table(tmp_path):
    path = tmp_path / "audit.xlsx"
    xlsx.save_atomically(lambda workbook: add_audit_sheet(workbook, pd.DataFrame(), name="Log"), path)
    assert load_workbook(path)["Log"].tables


def test_tracker_columns_say_each_authority_s_state_timing_contact_and_last_email(tmp_path):
    register = load_register().in_hub("Lewisham")
    store = Store(tmp_path / "store.sqlite")
    try:
        store.db.execute(
            "INSERT INTO submissions (path, file, sha256, received_at, received_basis, collection, la_code, period, "
            "outcome, status, message, errors) VALUES ('a', 'a.xlsx', 'x', '2026-05-12T10:00:00+00:00', 'file', "
            "'dataset', '305', '2025-26', 'rejected', 'rejected', 'Rejected: 2 errors', 2)")
        store.db.commit()
        store.record_drafts(None, "chase", "2025-26", [("305", "chase-305-Bromley.eml")], "2026-05-18T09:00:00+00:00")
        columns = tracker_columns(store, "dataset", register, "2025-26", date(2026, 5, 15), today=date(2026, 5, 18))
    finally:
        store.close()
    assert tuple(columns.columns) == TRACKER_COLUMNS
    assert columns.la_code.tolist() == [a.la_code for a in register]
    bromley = columns.set_index("la_code").loc["305"]
    assert bromley.round_status == "Rejected: to resubmit"
    assert bromley.timing == "3 days overdue" and bromley.days_past_deadline == 3
    assert bromley.last_email == "chase 18/05/2026"
    lambeth = columns.set_index("la_code").loc["208"]
    assert lambeth.round_status == "Missing" and lambeth.last_email == "" and lambeth.coordinator == ""
