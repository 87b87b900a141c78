"""Challenges and gaps: every entry of the returns' challenges logs, summarised then listed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from .. import xlsx
from .style import COUNT_OF_THINGS

if TYPE_CHECKING:
    from .book import MasterWorkbook


def challenges_sheet(book: MasterWorkbook, ws: Worksheet) -> None:
    section = next((s for s in book.spec.sections if s.kind == "table"), None)
    ch = book.d.challenges
    first = book.title(ws, f"Challenges and gaps: {book.d.period}",
                        "Every entry in the returns' logs. Use the filter buttons to pick an agency, a category or an authority.",
                        (5, 95))
    if section is None:
        ws.write_string(first, 0, "This collection has no challenges log.", book.f.get(italic=True, font_color="#404040"))
        return
    names = {a.la_code: a for a in book.d.register}
    first = _challenges_summary(book, ws, first, section, ch)
    headers = ["Code", "Authority", "Hub", "Entry"] + [f.label for f in section.fields] + ["File"]
    widths = [7, 22, 12, 6] + [min(max(12, f.max_length / 40 if f.unit == "text" else 24), 60) for f in section.fields] + [26]
    book.table(ws, first, 0, len(ch), headers, "Challenges_and_gaps", widths=widths)
    ws.set_row(first, 32)
    for i, r in enumerate(ch.itertuples(index=False), start=first + 1):
        a = names.get(r.la_code)
        ws.write_string(i, 0, str(r.la_code), book.f.text)
        ws.write_string(i, 1, a.name if a else "", book.f.text)
        ws.write_string(i, 2, a.hub if a else "", book.f.text)
        ws.write_number(i, 3, int(r.row_number), book.f.get(num_format=COUNT_OF_THINGS))
        for j, f in enumerate(section.fields, start=4):
            xlsx.write_value(ws, i, j, getattr(r, f.id), book.f.wrap)
        xlsx.write_value(ws, i, 4 + len(section.fields), r.file, book.f.text)
        xlsx.fit_row(ws, i, ((getattr(r, f.id), widths[j]) for j, f in enumerate(section.fields, start=4)))
    ws.freeze_panes(first + 1, 2)
    book.print_layout(ws, (first, first))


def _challenges_summary(book: MasterWorkbook, ws: Worksheet, row: int, section, ch: pd.DataFrame) -> int:
    """How many entries each agency logged in each category, above the list; returns the list's first row."""
    choices = [f for f in section.fields if f.unit == "choice"][:2]
    if len(choices) < 2:
        return row
    by, across = choices
    ws.write_string(row, 1, f"Entries by {by.label.lower()} and {across.label.lower()}", book.f.subtitle)
    first = row + 1
    headers = [by.label] + list(across.options) + ["Total"]
    book.table(ws, first, 1, len(by.options), headers, "Challenges_summary")
    rotated = book.f.get(bold=True, rotation=90, bg_color="#D9E1F2", border=1, align="center", valign="bottom",
                         text_wrap=True)
    for j, option in enumerate(list(across.options) + ["Total"], start=2):
        ws.write_string(first, j, option, rotated)
    ws.set_row(first, 6 * max(len(o) for o in [*across.options, "Total"]) + 12)
    count = book.f.get(num_format=COUNT_OF_THINGS, align="center")
    for i, option in enumerate(by.options, start=first + 1):
        mine = ch[ch[by.id] == option] if not ch.empty and by.id in ch else ch.iloc[0:0]
        ws.write_string(i, 1, option, book.f.text)
        for j, other in enumerate(across.options, start=2):
            ws.write_number(i, j, int((mine[across.id] == other).sum()) if not mine.empty else 0, count)
        ws.write_number(i, 2 + len(across.options), len(mine), count)
    return first + len(by.options) + 3
