"""The dashboard: headline indicators for London and each group, and how many authorities differ."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlsxwriter.worksheet import Worksheet

from .. import xlsx
from ..benchmarks import ENGLAND_NOTE, has_england
from ..comparison import SMALL_NUMBER
from .charts import headline_charts
from .style import COUNT_OF_THINGS, header_height
from .themes import authorities_cell
from .words import group_status, short_label

if TYPE_CHECKING:
    from .book import MasterWorkbook


def dashboard_sheet(book: MasterWorkbook, ws: Worksheet) -> None:
    headline = [f for f in book.spec.indicators if f.headline and f.numeric]
    first = book.title(ws, f"Dashboard: headline indicators, {book.d.period}",
                        "London, hub, inner and outer figures are summed numerators over summed denominators "
                        "of the authorities that returned. 'Authorities' counts those included."
                        + (" " + ENGLAND_NOTE if has_england(book.c) else ""), (6, 134))
    groups = book.c.group_labels()
    headers = ["Area"] + [short_label(f) for f in headline] + ["Authorities"]
    book.table(ws, first, 0, len(groups), headers, "Dashboard_headlines",
                widths=[44] + [15] * len(headline) + [11])
    ws.set_row(first, header_height(headers[1:-1], 15))
    table = book.group
    for i, (kind, group, label) in enumerate(groups, start=first + 1):
        bold = kind == "London"
        ws.write_string(i, 0, label, book.f.get(bold=bold))
        for col, f in enumerate(headline, start=1):
            g = table[(kind, group, f.id)]
            book.write_figure(ws, i, col, f, g.value, group_status(g), bool(g.suppressed),
                              book.value_format(f, bold=bold))
        authorities_cell(book, ws, i, len(headline) + 1, table[(kind, group, headline[0].id)] if headline else None)
    row = first + len(groups) + 3
    ws.write_string(row, 0, "How many authorities differ from London (by their 95% confidence interval)", book.f.subtitle)
    verdicts = ["better", "similar", "worse", "higher", "lower", SMALL_NUMBER, "not compared"]
    headers = ["Indicator", "Better", "Similar", "Worse", "Higher (no better or worse)", "Lower (no better or worse)",
               "Small number (not compared)", "Not compared"]
    book.table(ws, row + 1, 0, len(headline), headers, "Dashboard_verdicts")
    ws.set_row(row + 1, header_height(headers[1:], 11))
    for i, f in enumerate(headline, start=row + 2):
        mine = book.by_field[f.id]
        counts = mine[mine.la_code.isin({a.la_code for a in book.d.register})].vs_london.value_counts()
        ws.write_string(i, 0, xlsx.cell_text(short_label(f, 60)), book.f.text)
        for col, v in enumerate(verdicts, start=1):
            ws.write_number(i, col, int(counts.get(v, 0)), book.f.get(num_format=COUNT_OF_THINGS, align="center"))
    chart_row = row + len(headline) + 4
    headline_charts(book, ws, chart_row, headline, groups, table)
    ws.freeze_panes(first + 1, 1)
    book.print_layout(ws)
