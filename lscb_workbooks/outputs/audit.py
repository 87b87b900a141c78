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
from .builder import Column, WorkbookBuilder

AUDIT_SHEET = "Audit log"


def add_audit_sheet(workbook: xlsxwriter.Workbook, runs: pd.DataFrame, formats: xlsx.Formats | None = None,
                    name: str = AUDIT_SHEET, table_name: str = "Audit_log") -> Worksheet:
    """Add a sheet listing `runs` (the store's `runs` table: started_at, command, detail, changes), oldest first.

    `formats` lets the sheet share a workbook's formats; `name` and
    `table_name` let a workbook that already uses them choose others.
    """
    ws = workbook.add_worksheet(name)
    write_audit_log(ws, runs, WorkbookBuilder(workbook, header=AUDIT_SHEET, formats=formats), table_name)
    return ws


def write_audit_log(ws: Worksheet, runs: pd.DataFrame, book: WorkbookBuilder, table_name: str = "Audit_log") -> None:
    """Fill a sheet the caller has already added (a workbook that orders its sheets itself) with the audit log."""
    formats = book.f
    ws.write_string(0, 0, "Audit log: the commands run in this round", formats.title)
    ws.write_string(1, 0, "Oldest first. 'What changed' lists new files and how they were judged, each authority "
                          "whose status moved, and the templates and email drafts written.", formats.note)
    first = 3
    when = formats.get(num_format="dd/mm/yyyy hh:mm", align="left", valign="top")
    columns = [
        Column("When (UTC)", 17, lambda run: stored_time(run.started_at) or run.started_at,
               style=lambda run: when if stored_time(run.started_at) is not None else formats.text),
        Column("Command", 12, "command"),
        Column("Command line", 48, "detail", wrap=True),
        Column("What changed", 100, lambda run: _readable(run.changes), wrap=True),
    ]
    book.table(ws, first, columns, _ordered(runs).itertuples(index=False), table_name)
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

