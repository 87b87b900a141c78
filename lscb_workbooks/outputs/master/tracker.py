"""The returns tracker (every authority, its return's state) and the round's audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from ..builder import Column
from ..audit import write_audit_log
from .style import ACTION_ORDER, COUNT_OF_THINGS, ROUND_COLUMNS

if TYPE_CHECKING:
    from .book import MasterWorkbook


def whole_number(n) -> int | None:
    return None if pd.isna(n) else int(n)


def tracker_sheet(book: MasterWorkbook, ws: Worksheet) -> None:
    t = book.d.tracker
    if not t.empty:
        order = t.status.map(lambda status: ACTION_ORDER.get(status, len(ACTION_ORDER)))
        t = t.assign(_order=order).sort_values(["_order", "name"], kind="stable").drop(columns="_order")
    first = book.heading(ws, f"Returns tracker: {book.d.period}",
                        "Every authority in the register. 'Not received' means nothing has arrived for this period.",
                        (6, 122))
    count = book.f.get(num_format=COUNT_OF_THINGS, valign="top")
    columns = [
        Column("Code", 7, "la_code"), Column("Authority", 24, "name"), Column("Hub", 13, "hub"),
        Column("Inner/Outer", 10, "inner_outer"),
        Column("Status", 24, "status", style=lambda r: book.return_state(r.status)),
        Column("Date received", 17, "received_at",
               style=book.f.get(num_format="dd/mm/yyyy hh:mm", align="left", valign="top")),
        Column("File", 30, "file"), Column("Template version", 10, "template_version"),
        Column("Errors", 8, lambda r: whole_number(r.errors), style=count),
        Column("Warnings", 9, lambda r: whole_number(r.warnings), style=count),
        Column("What happened", 70, "message", wrap=True),
    ] + [Column(header, width, lambda r, c=column: getattr(r, c), wrap=True)
         for column, header, width in ROUND_COLUMNS if column in t.columns]
    book.table(ws, first, columns, t.itertuples(index=False), "Returns_tracker", header_height=30)
    ws.freeze_panes(first + 1, 2)
    book.print_layout(ws, (first, first))


def audit_log_sheet(book: MasterWorkbook, ws: Worksheet) -> None:
    write_audit_log(ws, book.d.runs, book)
    book.print_layout(ws, (3, 3))
