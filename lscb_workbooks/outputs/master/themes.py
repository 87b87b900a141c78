"""One sheet per theme: all authorities side by side, then one section per indicator with its chart."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from ...spec.models import Field
from .. import xlsx
from ..builder import Column
from ..benchmarks import COMPARATOR_GROUPS, ENGLAND_NOTE, has_england
from ..comparison import MISSING, SUPPRESSED
from ..disclosure import RANKED_AMONG_SHOWN
from .charts import indicator_chart
from .style import (
    BLOCK_WIDTHS, CHART_HEIGHT, COUNT_OF_THINGS, ENGLAND_WIDTH, GROUP_WIDTHS, LINKS_PER_ROW, LINK_SPAN,
    OVERVIEW_COLUMNS, ROW_PX, SPREAD_LABELS, header_height, number_format_for,
)
from .words import describe, group_status, quality_words, short_label, shown_fields

if TYPE_CHECKING:
    from .book import MasterWorkbook


def theme_sheet(book: MasterWorkbook, ws: Worksheet, theme) -> None:
    fields = [f for f in book.spec.indicators if f.theme == theme.id]
    shown = shown_fields(fields)
    first = book.heading(ws, theme.title, (
        "Rows are grouped by hub. Each figure is compared with London by its 95% confidence interval, in colour "
        "and in words: better or worse only where the interval excludes London's figure; higher or lower where "
        "neither is better. Rank 1 is the best (the highest where neither is better; ties share the best "
        "rank); Q1 is the best quarter. Counts are volumes: shown, never ranked or compared. A rate or "
        f"percentage on a denominator below {book.spec.small_denominator} is marked 'small number' and "
        "not ranked. See Contents for how every figure is worked out."
        + (" " + RANKED_AMONG_SHOWN if book.d.suppress else "")
        + (" " + ENGLAND_NOTE if has_england(book.c) else "")),
        (11, sum(BLOCK_WIDTHS[:12])))
    for col, width in enumerate(BLOCK_WIDTHS + GROUP_WIDTHS):
        ws.set_column(col, col, width)
    if has_england(book.c):
        ws.set_column(len(BLOCK_WIDTHS) - 1, len(BLOCK_WIDTHS) - 1, ENGLAND_WIDTH)  # the gap before the chart
    breaks = []
    links_row = first
    row = first + -(-len(shown) // LINKS_PER_ROW) + 1
    comparable = [f for f in shown if f.numeric]
    for chunk in range(0, len(comparable), OVERVIEW_COLUMNS):
        if chunk:
            breaks.append(row)
        row = _theme_overview(book, ws, row, theme, comparable[chunk:chunk + OVERVIEW_COLUMNS], chunk // OVERVIEW_COLUMNS)
    starts = {}
    for f in shown:
        breaks.append(row)
        starts[f.id] = row
        row = _indicator_block(book, ws, row, theme, f)
    _links_to_sections(book, ws, links_row, [(f, starts[f.id]) for f in shown])
    ws.set_h_pagebreaks(breaks[:1000])
    ws.freeze_panes(1, 1)
    book.print_layout(ws)


def _links_to_sections(book: MasterWorkbook, ws: Worksheet, row: int, sections: list[tuple[Field, int]]) -> None:
    """A row of links at the top of a theme sheet, one to each indicator's section below."""
    ws.write_string(row, 0, "Go to an indicator:", book.f.get(bold=True, valign="top"))
    link = book.f.get(font_color="#0563C1", underline=1, text_wrap=True, valign="top", font_size=9)
    for n, (f, start) in enumerate(sections):
        r, c = row + n // LINKS_PER_ROW, 1 + (n % LINKS_PER_ROW) * LINK_SPAN
        ws.merge_range(r, c, r, c + LINK_SPAN - 1, "", link)
        ws.write_url(r, c, f"internal:'{ws.name}'!A{start + 1}", link, string=short_label(f, 0),
                     tip=xlsx.cell_text(f.label)[:255])
        ws.set_row(r, 26)


def _theme_overview(book: MasterWorkbook, ws: Worksheet, row: int, theme, fields: list[Field], part: int) -> int:
    """Authorities by indicators, figures only, each marked against London; then London, hubs and the spread."""
    ws.write_string(row, 0, "All authorities side by side" + (" (continued)" if part else ""), book.f.subtitle)
    book.paragraph(ws, row + 1, "Letters after each figure: B better than London, S similar, W worse; H higher, "
                    "L lower where neither is better; * small number (denominator below "
                    f"{book.spec.small_denominator}), not compared. Counts are not compared.", 11,
                    sum(BLOCK_WIDTHS[:12]))
    authorities = sorted(book.d.register, key=lambda a: (a.hub, a.name))
    def figure(f: Field) -> Column:
        def write(ws: Worksheet, i: int, col: int, a) -> None:
            r = book.cell[(a.la_code, f.id)]
            book.write_figure(ws, i, col, f, r.value, r.status, bool(r.suppressed),
                              book.value_format(f, r.vs_london, letter=True))
        return Column(short_label(f, 60), write=write)

    first = row + 2
    columns = [Column("Authority", value="name"), Column("Hub", value="hub")] + [figure(f) for f in fields]
    book.table(ws, first, columns, authorities, f"Overview_{theme.id}_{part + 1}",
               header_height=header_height([c.header for c in columns[2:]], min(BLOCK_WIDTHS[2:12])))
    return _summary_rows(book, ws, first + len(authorities) + 2, 2, fields) + 2


def _summary_rows(book: MasterWorkbook, ws: Worksheet, row: int, col: int, fields: list[Field]) -> int:
    """London, each hub, inner and outer London, then the spread of authorities."""
    ws.write_string(row, 0, "London and groups (sums of counts, not averages)", book.f.get(bold=True))
    row += 1
    for kind, group, label in book.c.group_labels():
        bold = kind == "London"
        ws.write_string(row, 0, label, book.f.get(bold=bold))
        ws.write_string(row, 1, kind if kind != "Inner/Outer" else "Inner or outer", book.f.get(italic=True, font_color="#595959"))
        for j, f in enumerate(fields):
            g = book.group[(kind, group, f.id)]
            book.write_figure(ws, row, col + j, f, g.value, group_status(g),
                              bool(g.suppressed), book.value_format(f, bold=bold), text=g.text)
        row += 1
    for key, label in SPREAD_LABELS:
        ws.write_string(row, 0, label, book.f.get(top=1) if key == "lowest" else book.f.text)
        for j, f in enumerate(fields):
            value = book.spread.get(f.id, {}).get(key, math.nan)
            hide = book.hides(f, value)
            book.write_figure(ws, row, col + j, f, value, MISSING, hide,
                              book.f.get(num_format=number_format_for(f), top=1) if key == "lowest" else book.value_format(f))
        row += 1
    return row


def _indicator_block(book: MasterWorkbook, ws: Worksheet, row: int, theme, f: Field) -> int:
    """One indicator: all authorities grouped by hub on the left; a sorted bar chart and the groups on the right."""
    ratio = bool(f.derived and f.parsed_expression.ratio)
    ws.write_string(row, 0, xlsx.cell_text(f.label), book.f.get(bold=True, font_size=12))
    book.paragraph(ws, row + 1, describe(f, book.spec), 11, sum(BLOCK_WIDTHS[:12]))
    first = row + 2
    authorities = sorted(book.d.register, key=lambda a: (a.hub, a.name))
    book.table(ws, first, block_columns(book, f), [book.cell[(a.la_code, f.id)] for a in authorities],
               f"{theme.id}_{f.id}", header_height=30)
    right = len(BLOCK_WIDTHS)
    charted = f.numeric and indicator_chart(book, ws, first, right, theme, f)
    groups_row = first + (CHART_HEIGHT // ROW_PX + 2 if charted else 0)
    end = _block_groups(book, ws, groups_row, right, theme, f, ratio)
    return max(end, first + len(authorities) + 1) + 2


def block_columns(book: MasterWorkbook, f: Field) -> list[Column]:
    """The columns of one indicator's table: the authority, its value, last period's beside it, the interval
    and counts of a rate, only the comparisons the spec makes for it, and the figure's data quality."""
    hidden = book.gap_format
    figure = book.value_format(f)

    def unless_hidden(key: str, shown_format) -> dict[str, Any]:
        return dict(value=lambda r: SUPPRESSED if r.suppressed else getattr(r, key),
                    style=lambda r: hidden if r.suppressed else shown_format)

    def verdict(header: str, key: str) -> Column:
        return Column(header, value=key, style=lambda r: book.verdict_format(getattr(r, key)))

    def value_cell(ws: Worksheet, i: int, col: int, r) -> None:
        book.write_figure(ws, i, col, f, r.value, r.status, bool(r.suppressed), figure, text=r.text)

    columns = [Column("Authority", value="name"), Column("Hub", value="hub")]
    if not f.numeric:
        columns.append(Column("Answer", write=value_cell))
    else:
        columns.append(Column("Value", write=value_cell))
        previous = book.previous_period
        if previous:
            columns += [
                Column(f"Previous ({previous})", value=lambda r: None if r.suppressed else xlsx.number_or_none(r.previous),
                       style=figure),
                Column("Change", value=lambda r: None if r.suppressed else xlsx.number_or_none(r.change),
                       style=book.change_format(f)),
                verdict("Change since previous", "trend"),
            ]
        if f.derived and f.parsed_expression.ratio:
            count = book.f.unit("count")
            columns += [Column("Lower 95%", **unless_hidden("lower", figure)),
                        Column("Upper 95%", **unless_hidden("upper", figure)),
                        Column("Numerator", **unless_hidden("numerator", count)),
                        Column("Denominator", **unless_hidden("denominator", count))]
        if "rank" in f.comparisons:
            columns.append(Column("Rank", value=lambda r: None if pd.isna(r.rank) else int(r.rank),
                                  style=book.f.get(num_format="0", align="center")))
        if "quartile" in f.comparisons:
            columns.append(Column("Quartile", value=lambda r: None if pd.isna(r.quartile) else f"Q{int(r.quartile)}",
                                  style=book.f.get(align="center")))
        if "significance" in f.comparisons:
            columns += [verdict("Compared with London", "vs_london"), verdict("Compared with hub", "vs_hub")]
            if has_england(book.c):
                columns.append(verdict("Compared with England", "vs_england"))
    # The last column wraps: text running on to the right would print under the chart beside the table.
    width = BLOCK_WIDTHS[len(columns)] if len(columns) < len(BLOCK_WIDTHS) - 1 else ENGLAND_WIDTH
    return columns + [Column("Data quality", width, lambda r: quality_words(r.status), wrap=True)]


def authorities_cell(book: MasterWorkbook, ws: Worksheet, row: int, col: int, g) -> None:
    """How many authorities a group figure rests on; 'published' for a published comparator such as England."""
    if g is not None and g.group_type in COMPARATOR_GROUPS:
        ws.write_string(row, col, "published", book.f.get(italic=True, align="right"))
    else:
        ws.write_number(row, col, int(g.authorities) if g is not None else 0, book.f.get(num_format=COUNT_OF_THINGS))


def _block_groups(book: MasterWorkbook, ws: Worksheet, row: int, col: int, theme, f: Field, ratio: bool) -> int:
    """London, the hubs, inner and outer London, and the spread, as a table beside the authorities."""
    headers = ["London and groups", "Value"]
    if ratio:
        headers += ["Lower 95%", "Upper 95%", "Numerator", "Denominator"]
    headers += ["Authorities"]
    groups = book.c.group_labels()
    spread = book.spread.get(f.id) if f.numeric else None
    rows = len(groups) + (3 if spread else 0)
    book.table_frame(ws, row, headers, rows, f"{theme.id}_{f.id}_groups", first_col=col)
    i = row
    for kind, group, label in groups:
        i += 1
        g = book.group[(kind, group, f.id)]
        bold = kind == "London"
        ws.write_string(i, col, label, book.f.get(bold=bold))
        book.write_figure(ws, i, col + 1, f, g.value, group_status(g), bool(g.suppressed),
                          book.value_format(f, bold=bold), text=g.text)
        for j, key in enumerate(["lower", "upper", "numerator", "denominator"] if ratio else [], start=col + 2):
            fmt = book.f.unit("count") if key in ("numerator", "denominator") else book.value_format(f)
            xlsx.write_value(ws, i, j, SUPPRESSED if g.suppressed else getattr(g, key), book.gap_format if g.suppressed else fmt)
        authorities_cell(book, ws, i, col + len(headers) - 1, g)
    if spread:
        for key, label in (("median", "Median authority"), ("q1", "25th percentile"), ("q3", "75th percentile")):
            i += 1
            ws.write_string(i, col, label, book.f.get(italic=True))
            hide = book.hides(f, spread[key])
            book.write_figure(ws, i, col + 1, f, spread[key], MISSING, hide, book.value_format(f))
            ws.write_number(i, col + len(headers) - 1, int(spread["n"]), book.f.get(num_format=COUNT_OF_THINGS))
    return i + 1
