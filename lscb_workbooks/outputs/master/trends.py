"""Trends over periods: London and hubs over time, like-for-like changes, each authority's direction."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from .. import xlsx
from ..builder import Column
from ..benchmarks import COMPARATOR_GROUPS
from ..comparison import SUPPRESSED
from .charts import axis_unit, wrap_title
from .style import COUNT_OF_THINGS, DIRECTION_LETTERS, ROW_PX
from .words import figure_words, short_label

if TYPE_CHECKING:
    from .book import MasterWorkbook


def trends_sheet(book: MasterWorkbook, ws: Worksheet) -> None:
    t = book.d.trends
    periods = book.d.periods
    headline = [f for f in book.spec.indicators if f.headline and f.numeric]
    first = book.heading(ws, f"Trends: {periods[0]} to {periods[-1]}",
                        "Direction of travel compares each period with the one before. A rate or percentage has "
                        "improved or worsened only where its 95% intervals in the two periods do not overlap (as "
                        "Fingertips judges it); otherwise 'no significant change'. 'Higher' and 'lower' where "
                        "neither is better, and for counts and scores, which have no interval. London, hub, inner "
                        "and outer changes are like for like: over the authorities whose figure is in use in both "
                        "periods.", (9, 118))
    groups = [(k, g, label) for k, g, label in book.c.group_labels() if k in ("London", "Hub")]
    # London and hubs over time, one table and one line chart per headline indicator.
    ws.write_string(first, 0, "London and each hub over time", book.f.subtitle)
    row = first + 1
    values = dict(zip(zip(t.area_type, t.area, t.field_id, t.period), t.value)) if not t.empty else {}
    col_chart = len(periods) + 2
    ws.set_column(0, 0, 44)
    ws.set_column(1, max(len(periods), 2), 11)
    breaks: list[int] = []
    for f in headline:
        book.paragraph(ws, row, f.label, len(periods), 26 + 11 * len(periods), italic=False, bold=True,
                        font_color="#000000")
        table_first = row + 1
        columns = [Column("Area", value=lambda area: area[2], style=lambda area: book.f.get(bold=area[0] == "London"))]
        columns += [Column(p, value=lambda area, p=p, f=f: values.get((area[0], area[1], f.id, p), math.nan),
                           style=book.value_format(f)) for p in periods]
        book.table(ws, table_first, columns, groups, f"Trend_{f.id}")
        last = table_first + len(groups)
        chart = book.wb.add_chart({"type": "line"})
        for i, (kind, group, label) in enumerate(groups, start=table_first + 1):
            chart.add_series({
                "name": [ws.name, i, 0], "categories": [ws.name, table_first, 1, table_first, len(periods)],
                "values": [ws.name, i, 1, i, len(periods)],
                "line": {"width": 3, "color": "#000000"} if kind == "London" else {"width": 1.25},
                "marker": {"type": "circle", "size": 5 if kind == "London" else 4},
            })
        title = wrap_title(f"{f.label}: London and hubs")
        chart.set_title({"name": title, "name_font": {"size": 10}})
        chart.set_x_axis({"name": "Period", "name_font": {"size": 9}})
        chart.set_y_axis({"name": axis_unit(f), "name_font": {"size": 9}, "num_format": xlsx.number_format(f.unit),
                          "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}})
        chart.set_legend({"position": "right", "font": {"size": 8}})
        chart.set_size({"width": 620, "height": 300})
        london_values = [values.get(("London", "London", f.id, p), math.nan) for p in periods]
        description = (f"Line chart of {f.label} over the periods {', '.join(periods)} for London (thick black line) "
                       f"and each hub. London: " + ", ".join(f"{p} {figure_words(v, f)}" for p, v in zip(periods, london_values)) + ".")
        ws.insert_chart(row, col_chart, chart, {"description": description[:2000], "object_position": 3})
        book.charts += 1
        row = max(last + 2, row + 300 // ROW_PX + 1)
        if headline.index(f) % 3 == 2:  # three charts to a printed page at the scale the sheet prints
            breaks.append(row)
    breaks.append(row + 1)
    row = _london_changes(book, ws, row + 1, t)
    breaks.append(row)
    ws.set_h_pagebreaks(sorted(set(breaks)))
    _direction_table(book, ws, row, t)
    ws.freeze_panes(1, 1)
    book.print_layout(ws)


def trend_figures_sheet(book: MasterWorkbook, ws: Worksheet) -> None:
    note = ("Every group's figures in both periods over the same authorities, its change and direction. "
            "The Trends sheet shows London's and each group's direction on one page.")
    first = book.heading(ws, f"Trend figures: {book.d.periods[-2]} to {book.d.periods[-1]}", note, (7, 118))
    _like_for_like_table(book, ws, first + 1, book.d.trends)
    ws.set_row(first - 2, xlsx.row_points(xlsx.wrapped_lines(note, xlsx.columns_width(ws, 0, 7))))  # its columns now
    xlsx.print_heading_only(ws, book.d.header, book.f, first, 7)


def _london_changes(book: MasterWorkbook, ws: Worksheet, row: int, t: pd.DataFrame) -> int:
    """One row per indicator: London's change like for like, then each group's direction as a letter."""
    before, now = book.d.periods[-2], book.d.periods[-1]
    latest = t[(t.period == now) & (t.area_type != "Authority")] if not t.empty else t
    rows = {(r["area_type"], r["area"], r["field_id"]): r for r in latest.to_dict("records")}
    fields = [f for f in book.spec.indicators if f.numeric]
    groups = [(k, g, label) for k, g, label in book.c.group_labels() if k != "London" and k not in COMPARATOR_GROUPS]
    ws.write_string(row, 0, f"London's change from {before} to {now}, like for like, and each group's direction",
                    book.f.subtitle)
    london = rows.get(("London", "London", fields[0].id), {}) if fields else {}
    book.paragraph(ws, row + 1, (
        f"London's change compares the same authorities in both periods; left out because they returned in one "
        f"period only: {london.get('left_out') or 'none'}. Each group's letter is its own like-for-like direction: "
        "I improving · W worsening (significant at 95%) · = no significant change · H higher · L lower · "
        "* small number. Every group's figures are on the sheet 'Trend figures'."), 7, 80)
    first = row + 2
    london_row = {f.id: rows.get(("London", "London", f.id), {}) for f in fields}

    def direction(label: str, kind: str, group: str) -> Column:
        return letter_column(book, label, lambda f: rows.get((kind, group, f.id), {}).get("direction", "no comparison"))

    columns = [Column("Indicator", value=lambda f: short_label(f, 0)),
               like_for_like(book, f"London {before}", "previous", lambda f: (f, london_row[f.id])),
               like_for_like(book, f"London {now}", "current_like", lambda f: (f, london_row[f.id])),
               direction("London", "London", "London")]
    columns += [direction(label, kind, group) for kind, group, label in groups]
    book.table(ws, first, columns, fields, "London_changes")
    return first + len(fields) + 3


def _like_for_like_table(book: MasterWorkbook, ws: Worksheet, row: int, t: pd.DataFrame) -> int:
    """London's, each hub's, inner and outer London's change since the period before, like for like."""
    before, now = book.d.periods[-2], book.d.periods[-1]
    groups = book.c.group_labels()
    latest = t[(t.period == now) & (t.area_type != "Authority")] if not t.empty else t
    rows = {(r["area_type"], r["area"], r["field_id"]): r for r in latest.to_dict("records")}
    fields = [f for f in book.spec.indicators if f.numeric]
    ws.write_string(row, 0, f"London and groups: change from {before} to {now}, like for like", book.f.subtitle)
    london = rows.get(("London", "London", fields[0].id), {}) if fields else {}
    note = (f"Each change compares the same authorities in both periods. London: {len(book.c.returned)} returns "
            f"in use for {now}; authorities left out of the changes because they returned in one period only: "
            f"{london.get('left_out') or 'none'}. 'Authorities' counts those whose figure is in both periods.")
    book.paragraph(ws, row + 1, note, 7, 118)
    first = row + 2
    body = [(k, g, label, f) for k, g, label in groups for f in fields]

    def figures(line: tuple) -> tuple:
        kind, group, _, f = line
        return f, rows.get((kind, group, f.id), {})

    columns = [Column("Area", value=lambda line: line[2], style=lambda line: book.f.get(bold=line[0] == "London")),
               Column("Reference", value=lambda line: line[3].id),
               like_for_like(book, f"{before} (same authorities)", "previous", figures),
               like_for_like(book, f"{now} (same authorities)", "current_like", figures),
               like_for_like(book, "Change", "change", figures),
               Column("Direction", value=lambda line: direction_of(figures(line)[1]),
                      style=lambda line: book.verdict_format(direction_of(figures(line)[1]))),
               Column("Authorities", value=lambda line: int(figures(line)[1].get("authorities", 0) or 0),
                      style=book.f.get(num_format=COUNT_OF_THINGS)),
               Column("Left out (returned in one period only)",
                      value=lambda line: figures(line)[1].get("left_out", ""))]
    book.table(ws, first, columns, body, "Group_changes", header_height=30)
    return first + len(body) + 3


def _direction_table(book: MasterWorkbook, ws: Worksheet, row: int, t: pd.DataFrame) -> None:
    fields = [f for f in book.spec.indicators if f.derived]
    latest = t[(t.period == book.d.periods[-1])] if not t.empty else t
    ws.write_string(row, 0, f"Each authority's direction of travel, {book.d.periods[-2]} to {book.d.periods[-1]}",
                    book.f.subtitle)
    # The key runs over the empty cells beside it, one line no wider than the table (the table and its
    # key print on one page).
    ws.write_string(row + 1, 0, "I improving · W worsening (significant at 95%) · = no significant change · H higher, "
                    "L lower (neither is better, or a count) · * small number · blank: no comparison. Headings are "
                    "short names (see Definitions).", book.f.get(italic=True, font_color="#404040"))
    first = row + 2
    areas = [("Authority", a.la_code, a.name, a.hub) for a in sorted(book.d.register, key=lambda a: (a.hub, a.name))]
    areas = [(k, g, label, "") for k, g, label in book.c.group_labels() if k not in COMPARATOR_GROUPS] + areas
    direction = dict(zip(zip(latest.area_type, latest.area, latest.field_id), latest.direction)) if not latest.empty else {}
    columns = [Column("Area", value=lambda area: area[2], style=lambda area: book.f.get(bold=area[0] != "Authority")),
               Column("Hub", value=lambda area: area[3])]
    columns += [letter_column(book, f.short, lambda area, f=f: direction.get((area[0], area[1], f.id), "no comparison"),
                              rotate=True) for f in fields]
    book.table(ws, first, columns, areas, "Direction_of_travel", header_height=None if fields else 30)
    ws.set_column(1 + len(book.d.periods), 1 + len(fields), 6)  # wide enough that the sheet prints its sections whole


def direction_of(figures: dict) -> str:
    return figures.get("direction", "no comparison")


def letter_column(book: MasterWorkbook, header: str, words_of: Callable[[Any], str], rotate: bool = True) -> Column:
    """A direction of travel as its letter (I, W, =, H, L, *), coloured as its words are."""
    return Column(header, value=lambda record: DIRECTION_LETTERS.get(words_of(record), ""),
                  style=lambda record: book.verdict_format(words_of(record), align="center"), rotate=rotate)


def like_for_like(book: MasterWorkbook, header: str, key: str, figures_of: Callable[[Any], tuple]) -> Column:
    """A group's figure in one of two periods (or the change), over the authorities in both; 'c' for the
    whole row where either period's count is from 1 to 5 in a suppressed workbook."""
    def hidden(f, r: dict) -> bool:
        return book.hides(f, r.get("previous")) or book.hides(f, r.get("current_like"))

    def value(record) -> Any:
        f, r = figures_of(record)
        return SUPPRESSED if hidden(f, r) else xlsx.number_or_none(r.get(key))

    def style(record):
        f, r = figures_of(record)
        if hidden(f, r):
            return book.gap_format
        return book.change_format(f) if key == "change" else book.value_format(f)

    return Column(header, value=value, style=style)
