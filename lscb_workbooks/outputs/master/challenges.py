"""Challenges and gaps: every entry of the returns' challenges logs, summarised then listed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from ..builder import Column
from .style import COUNT_OF_THINGS

if TYPE_CHECKING:
    from .book import MasterWorkbook


def challenges_sheet(book: MasterWorkbook, ws: Worksheet) -> None:
    section = next((s for s in book.spec.sections if s.kind == "table"), None)
    ch = book.d.challenges
    first = book.heading(ws, f"Challenges and gaps: {book.d.period}",
                        "Every entry in the returns' logs. Use the filter buttons to pick an agency, a category or an authority.",
                        (5, 95))
    if section is None:
        ws.write_string(first, 0, "This collection has no challenges log.", book.f.get(italic=True, font_color="#404040"))
        return
    names = {a.la_code: a for a in book.d.register}
    first = _challenges_summary(book, ws, first, section, ch)
    columns = [
        Column("Code", 7, lambda r: str(r.la_code)),
        Column("Authority", 22, lambda r: names[r.la_code].name if r.la_code in names else ""),
        Column("Hub", 12, lambda r: names[r.la_code].hub if r.la_code in names else ""),
        Column("Entry", 6, lambda r: int(r.row_number), style=book.f.get(num_format=COUNT_OF_THINGS)),
    ] + [Column(f.label, min(max(12, f.max_length / 40 if f.unit == "text" else 24), 60), f.id, wrap=True)
         for f in section.fields] + [Column("File", 26, "file")]
    book.table(ws, first, columns, ch.itertuples(index=False), "Challenges_and_gaps", header_height=32)
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
    count = book.f.get(num_format=COUNT_OF_THINGS, align="center")
    entries = {option: ch[ch[by.id] == option] if not ch.empty and by.id in ch else ch.iloc[0:0] for option in by.options}
    columns = [Column(by.label, value=lambda option: option)]
    columns += [Column(other, style=count, rotate=True, value=lambda option, other=other: int(
        (entries[option][across.id] == other).sum()) if not entries[option].empty else 0) for other in across.options]
    columns.append(Column("Total", value=lambda option: len(entries[option]), style=count, rotate=True))
    book.table(ws, first, columns, by.options, "Challenges_summary", first_col=1)
    return first + len(by.options) + 3
