"""The returns tracker (every authority, its return's state) and the round's audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from .. import xlsx
from ..audit import write_audit_log
from .style import ACTION_ORDER, COUNT_OF_THINGS, ROUND_COLUMNS, STATUS_STYLE

if TYPE_CHECKING:
    from .book import MasterWorkbook


def tracker_sheet(book: MasterWorkbook, ws: Worksheet) -> None:
    t = book.d.tracker
    if not t.empty:
        order = t.status.map(lambda status: ACTION_ORDER.get(status, len(ACTION_ORDER)))
        t = t.assign(_order=order).sort_values(["_order", "name"], kind="stable").drop(columns="_order")
    first = book.title(ws, f"Returns tracker: {book.d.period}",
                        "Every authority in the register. 'Not received' means nothing has arrived for this period.",
                        (6, 122))
    headers = ["Code", "Authority", "Hub", "Inner/Outer", "Status", "Date received", "File",
               "Template version", "Errors", "Warnings", "What happened"]
    widths = [7, 24, 13, 10, 24, 17, 30, 10, 8, 9, 70]
    extra = [(c, h, w) for c, h, w in ROUND_COLUMNS if c in t.columns]
    headers += [h for _, h, _ in extra]
    widths += [w for _, _, w in extra]
    book.table(ws, first, 0, len(t), headers, "Returns_tracker", widths=widths)
    ws.set_row(first, 30)
    for i, r in enumerate(t.itertuples(index=False), start=first + 1):
        ws.write_string(i, 0, r.la_code, book.f.text)
        ws.write_string(i, 1, r.name, book.f.text)
        ws.write_string(i, 2, r.hub, book.f.text)
        ws.write_string(i, 3, r.inner_outer, book.f.text)
        fill, font = STATUS_STYLE.get(r.status, (None, None))
        ws.write_string(i, 4, r.status, book.f.get(bg_color=fill, font_color=font, bold=r.status != "Accepted")
                        if fill else book.f.text)
        if r.received_at is not None and not pd.isna(r.received_at):
            ws.write_datetime(i, 5, r.received_at, book.f.get(num_format="dd/mm/yyyy hh:mm", align="left", valign="top"))
        else:
            ws.write_blank(i, 5, None, book.f.text)
        xlsx.write_value(ws, i, 6, r.file, book.f.text)
        xlsx.write_value(ws, i, 7, r.template_version, book.f.text)
        for col, n in ((8, r.errors), (9, r.warnings)):
            xlsx.write_value(ws, i, col, None if pd.isna(n) else int(n),
                             book.f.get(num_format=COUNT_OF_THINGS, valign="top"))
        xlsx.write_value(ws, i, 10, r.message, book.f.wrap)
        xlsx.fit_row(ws, i, [(r.message, widths[10])] + [(getattr(r, c), w) for c, _, w in extra])
        for col, (column, _, _) in enumerate(extra, start=11):
            value = getattr(r, column)
            xlsx.write_value(ws, i, col, "" if value is None or (isinstance(value, float) and pd.isna(value))
                             else str(value), book.f.wrap)
    ws.freeze_panes(first + 1, 2)
    book.print_layout(ws, (first, first))


def audit_log_sheet(book: MasterWorkbook, ws: Worksheet) -> None:
    write_audit_log(ws, book.d.runs, book.f, table_name=book.table_name("Audit_log"))
    book.print_layout(ws, (3, 3))
