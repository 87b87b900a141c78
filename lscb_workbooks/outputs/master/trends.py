"""Trends over periods: London and hubs over time, like-for-like changes, each authority's direction."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from .. import xlsx
from ..benchmarks import COMPARATOR_GROUPS
from ..comparison import SUPPRESSED
from .charts import axis_unit, wrap_title
from .style import COUNT_OF_THINGS, DIRECTION_LETTERS, ROW_PX, number_or_none
from .words import figure_words, short_label

if TYPE_CHECKING:
    from .book import MasterWorkbook


def trends_sheet(book: MasterWorkbook, ws: Worksheet) -> None:
    t = book.d.trends
    periods = book.d.periods
    headline = [f for f in book.spec.indicators if f.headline and f.numeric]
    first = book.title(ws, f"Trends: {periods[0]} to {periods[-1]}",
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
        book.table(ws, table_first, 0, len(groups), ["Area"] + periods, f"Trend_{f.id}")
        for i, (kind, group, label) in enumerate(groups, start=table_first + 1):
            ws.write_string(i, 0, label, book.f.get(bold=kind == "London"))
            for j, p in enumerate(periods, start=1):
                xlsx.write_value(ws, i, j, values.get((kind, group, f.id, p), math.nan), book.value_format(f))
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
    first = book.title(ws, f"Trend figures: {book.d.periods[-2]} to {book.d.periods[-1]}",
                        "Every group's figures in both periods over the same authorities, its change and direction. "
                        "The Trends sheet shows London's and each group's direction on one page.", (7, 118))
    _like_for_like_table(book, ws, first + 1, book.d.trends)
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
    headers = ["Indicator", f"London {before}", f"London {now}", "London"] + [label for _, _, label in groups]
    book.table(ws, first, 0, len(fields), headers, "London_changes")
    ws.set_row(first, 6 * max(len(h) for h in headers[3:]) + 12)
    rotated = book.f.get(bold=True, rotation=90, bg_color="#D9E1F2", border=1, align="center", valign="bottom")
    for j, label in enumerate(headers[3:], start=3):
        ws.write_string(first, j, label, rotated)
    for i, f in enumerate(fields, start=first + 1):
        r = rows.get(("London", "London", f.id), {})
        ws.write_string(i, 0, xlsx.cell_text(short_label(f, 0)), book.f.text)
        hidden = book.hides(f, r.get("previous")) or book.hides(f, r.get("current_like"))
        for col, key in ((1, "previous"), (2, "current_like")):
            if hidden:
                ws.write_string(i, col, SUPPRESSED, book.gap_format)
            else:
                xlsx.write_value(ws, i, col, number_or_none(r.get(key)), book.value_format(f))
        for j, (kind, group) in enumerate([("London", "London")] + [(k, g) for k, g, _ in groups], start=3):
            words = rows.get((kind, group, f.id), {}).get("direction", "no comparison")
            ws.write_string(i, j, DIRECTION_LETTERS.get(words, ""), book.verdict_format(words, align="center"))
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
    headers = ["Area", "Reference", f"{before} (same authorities)", f"{now} (same authorities)", "Change",
               "Direction", "Authorities", "Left out (returned in one period only)"]
    body = [(k, g, label, f) for k, g, label in groups for f in fields]
    book.table(ws, first, 0, len(body), headers, "Group_changes")
    ws.set_row(first, 30)
    for i, (kind, group, label, f) in enumerate(body, start=first + 1):
        r = rows.get((kind, group, f.id), {})
        ws.write_string(i, 0, label, book.f.get(bold=kind == "London"))
        ws.write_string(i, 1, f.id, book.f.text)
        hidden = book.hides(f, r.get("previous")) or book.hides(f, r.get("current_like"))
        for col, key in ((2, "previous"), (3, "current_like"), (4, "change")):
            if hidden:
                ws.write_string(i, col, SUPPRESSED, book.gap_format)
            else:
                xlsx.write_value(ws, i, col, number_or_none(r.get(key)),
                                 book.change_format(f) if key == "change" else book.value_format(f))
        words = r.get("direction", "no comparison")
        ws.write_string(i, 5, words, book.verdict_format(words))
        ws.write_number(i, 6, int(r.get("authorities", 0) or 0), book.f.get(num_format=COUNT_OF_THINGS))
        xlsx.write_value(ws, i, 7, r.get("left_out", ""), book.f.text)
    return first + len(body) + 3


def _direction_table(book: MasterWorkbook, ws: Worksheet, row: int, t: pd.DataFrame) -> None:
    fields = [f for f in book.spec.indicators if f.derived]
    latest = t[(t.period == book.d.periods[-1])] if not t.empty else t
    ws.write_string(row, 0, f"Each authority's direction of travel, {book.d.periods[-2]} to {book.d.periods[-1]}",
                    book.f.subtitle)
    ws.write_string(row + 1, 0, "I improving · W worsening (both significant at 95%) · = no significant change · "
                    "H higher · L lower (where neither is better, or a count) · * small number, not compared · "
                    "blank: no comparison. Headings are the indicators' short names (see Definitions).",
                    book.f.get(italic=True, font_color="#404040"))
    first = row + 2
    areas = [("Authority", a.la_code, a.name, a.hub) for a in sorted(book.d.register, key=lambda a: (a.hub, a.name))]
    areas = [(k, g, label, "") for k, g, label in book.c.group_labels() if k not in COMPARATOR_GROUPS] + areas
    headers = ["Area", "Hub"] + [f.short for f in fields]
    book.table(ws, first, 0, len(areas), headers, "Direction_of_travel")
    ws.set_row(first, 6 * max(len(f.short) for f in fields) + 12 if fields else 30)
    ws.set_column(1 + len(book.d.periods), 1 + len(fields), 4.5)
    direction = dict(zip(zip(latest.area_type, latest.area, latest.field_id), latest.direction)) if not latest.empty else {}
    for i, (kind, area, label, hub) in enumerate(areas, start=first + 1):
        ws.write_string(i, 0, label, book.f.get(bold=kind != "Authority"))
        ws.write_string(i, 1, hub, book.f.text)
        for j, f in enumerate(fields, start=2):
            words = direction.get((kind, area, f.id), "no comparison")
            ws.write_string(i, j, DIRECTION_LETTERS.get(words, ""), book.verdict_format(words, align="center"))
    for j in range(2, 2 + len(fields)):
        ws.write_string(first, j, fields[j - 2].short, book.f.get(bold=True, rotation=90, bg_color="#D9E1F2", border=1,
                                                                 align="center"))
