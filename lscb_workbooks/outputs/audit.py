"""The audit log sheet: every command run in the round's workspace, when, and what it changed.

The steering group can see from the workbook itself how the round was run:
when templates went out, when returns were taken in and what each run did to
each authority's status, which reminders and feedback were drafted.
"""

from __future__ import annotations


import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ..store.db import stored_time
from . import xlsx

AUDIT_SHEET = "Audit log"
HEADERS = ("When (UTC)", "Command", "Command line", "What changed")
WIDTHS = (17, 12, 48, 100)


def add_audit_sheet(workbook: xlsxwriter.Workbook, runs: pd.DataFrame, formats: xlsx.Formats | None = None,
                    name: str = AUDIT_SHEET, table_name: str = "Audit_log") -> Worksheet:
    """Add a sheet listing `runs` (the store's `runs` table: started_at, command, detail, changes), oldest first.

    `formats` lets the sheet share a workbook's formats; `name` and
    `table_name` let a workbook that already uses them choose others.
    """
    formats = formats or xlsx.Formats(workbook)
    ws = workbook.add_worksheet(name)
    write_audit_log(ws, runs, formats, table_name)
    return ws


def write_audit_log(ws: Worksheet, runs: pd.DataFrame, formats: xlsx.Formats, table_name: str = "Audit_log") -> None:
    """Fill a sheet the caller has already added (a workbook that orders its sheets itself) with the audit log."""
    ws.write_string(0, 0, "Audit log: the commands run in this round", formats.title)
    ws.write_string(1, 0, "Oldest first. 'What changed' lists new files and how they were judged, each authority "
                          "whose status moved, and the templates and email drafts written.", formats.note)
    first = 3
    rows = _ordered(runs)
    ws.add_table(first, 0, first + max(len(rows), 1), len(HEADERS) - 1, {
        "name": table_name, "style": "Table Style Light 9", "autofilter": True,
        "columns": [{"header": h, "header_format": formats.header} for h in HEADERS],
    })
    for col, width in enumerate(WIDTHS):
        ws.set_column(col, col, width)
    when = formats.get(num_format="dd/mm/yyyy hh:mm", align="left", valign="top")
    for i, run in enumerate(rows.itertuples(index=False), start=first + 1):
        started = stored_time(run.started_at)
        if started is not None:
            ws.write_datetime(i, 0, started, when)
        else:
            xlsx.write_value(ws, i, 0, run.started_at, formats.text)
        xlsx.write_value(ws, i, 1, run.command, formats.text)
        xlsx.write_value(ws, i, 2, run.detail, formats.wrap)
        xlsx.write_value(ws, i, 3, _readable(run.changes), formats.wrap)
    ws.freeze_panes(first + 1, 0)
    xlsx.set_print_layout(ws, AUDIT_SHEET, (first, first))


def _ordered(runs: pd.DataFrame) -> pd.DataFrame:
    columns = ["started_at", "command", "detail", "changes"]
    if runs is None or runs.empty:
        return pd.DataFrame(columns=columns)
    ordered = runs.sort_values("id") if "id" in runs else runs
    return ordered.reindex(columns=columns).fillna("")


def _readable(changes: str) -> str:
    """One change a line, so a long run reads as a list in its cell."""
    return "\n".join(part.strip() for part in str(changes or "").split("; ") if part.strip())

