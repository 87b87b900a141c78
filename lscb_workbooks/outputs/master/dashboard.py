"""The dashboard: headline indicators for London and each group, and how many authorities differ."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlsxwriter.worksheet import Worksheet

from ...spec.models import Field
from ..benchmarks import ENGLAND_NOTE, has_england
from ..builder import Column
from ..comparison import SMALL_NUMBER
from .charts import headline_charts
from .style import COUNT_OF_THINGS, header_height
from .themes import authorities_cell
from .words import group_status, short_label

if TYPE_CHECKING:
    from .book import MasterWorkbook


def dashboard_sheet(book: MasterWorkbook, ws: Worksheet) -> None:
    headline = [f for f in book.spec.indicators if f.headline and f.numeric]
    first = book.heading(ws, f"Dashboard: headline indicators, {book.d.period}",
                        "London, hub, inner and outer figures are summed numerators over summed denominators "
                        "of the authorities that returned. 'Authorities' counts those included."
                        + (" " + ENGLAND_NOTE if has_england(book.c) else ""), (6, 134))
    groups = book.c.group_labels()
    table = book.group

    def figure(f: Field) -> Column:
        def write(ws: Worksheet, i: int, col: int, area: tuple[str, str, str]) -> None:
            g, bold = table[(area[0], area[1], f.id)], area[0] == "London"
            book.write_figure(ws, i, col, f, g.value, group_status(g), bool(g.suppressed),
                              book.value_format(f, bold=bold))
        return Column(short_label(f), 15, write=write)

    columns = [Column("Area", 44, lambda area: area[2], style=lambda area: book.f.get(bold=area[0] == "London"))]
    columns += [figure(f) for f in headline]
    columns.append(Column("Authorities", 11, write=lambda ws, i, col, area: authorities_cell(
        book, ws, i, col, table[(area[0], area[1], headline[0].id)] if headline else None)))
    book.table(ws, first, columns, groups, "Dashboard_headlines",
               header_height=header_height([c.header for c in columns[1:-1]], 15))
    row = first + len(groups) + 3
    ws.write_string(row, 0, "How many authorities differ from London (by their 95% confidence interval)", book.f.subtitle)
    shown = {a.la_code for a in book.d.register}
    counts = {f.id: book.by_field[f.id][book.by_field[f.id].la_code.isin(shown)].vs_london.value_counts()
              for f in headline}
    centred = book.f.get(num_format=COUNT_OF_THINGS, align="center")
    columns = [Column("Indicator", value=lambda f: short_label(f, 60))]
    columns += [Column(header, value=lambda f, v=v: int(counts[f.id].get(v, 0)), style=centred) for header, v in (
        ("Better", "better"), ("Similar", "similar"), ("Worse", "worse"), ("Higher (no better or worse)", "higher"),
        ("Lower (no better or worse)", "lower"), ("Small number (not compared)", SMALL_NUMBER),
        ("Not compared", "not compared"))]
    book.table(ws, row + 1, columns, headline, "Dashboard_verdicts",
               header_height=header_height([c.header for c in columns[1:]], 11))
    chart_row = row + len(headline) + 4
    headline_charts(book, ws, chart_row, headline, groups, table)
    ws.freeze_panes(first + 1, 1)
    book.print_layout(ws)
