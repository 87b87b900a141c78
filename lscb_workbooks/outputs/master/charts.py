"""The master workbook's charts, and the hidden sheet holding the figures behind each one."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from ...intake.xml_scan import column_letters
from ...spec.models import Field
from .. import palette, xlsx
from ..benchmarks import ENGLAND
from ..comparison import SMALL_NUMBER, is_score
from ..stats import significance
from .style import CHART_HEIGHT, CHART_WIDTH, SERIES_COLOURS, SERIES_NAMES
from .words import figure_words, short_label

if TYPE_CHECKING:
    from .book import MasterWorkbook


def start_chart_data(book: MasterWorkbook) -> None:
    cd = book.chart_data
    cd.write_string(0, 0, "Chart data: the figures behind each chart, as the chart shows them", book.f.title)
    cd.write_string(1, 0, "Each block is one chart. Authorities are sorted as in the chart.", book.f.get(italic=True, font_color="#404040"))
    cd.set_column(0, 0, 26)
    cd.set_column(1, 12, 14)
    book.chart_data_row = 3
    book.print_layout(cd)  # hidden, with no print area: neither Excel nor LibreOffice prints it


def chart_block_header(book: MasterWorkbook, title: str) -> int:
    book.chart_data.write_string(book.chart_data_row, 0, xlsx.cell_text(title), book.f.subtitle)
    return book.chart_data_row + 1


def headline_charts(book: MasterWorkbook, ws: Worksheet, row: int, headline: list[Field], groups, table) -> None:
    """One small chart per headline indicator: London in black, each hub coloured by how its interval
    compares with London's figure, on the indicator's own axis."""
    ws.write_string(row, 0, "Headline indicators: London and each hub", book.f.subtitle)
    ws.set_h_pagebreaks([row])
    book.paragraph(ws, row + 1, "One chart per indicator, each on its own scale. London's bar is black; each "
                    "hub's bar is coloured by its 95% confidence interval against London: green better, amber "
                    "similar, red worse; dark blue lower and light blue higher where neither is better; grey "
                    "not compared (counts, small numbers).", 6, 134)
    areas = [(k, g, label) for k, g, label in groups if k in ("London", "Hub")]
    top = row + 3
    for n, f in enumerate(headline):
        start = chart_block_header(book, f"Dashboard: {short_label(f)}")
        cd = book.chart_data
        cd.write_string(start, 0, "Area", book.f.header)
        cd.write_string(start, 1, xlsx.cell_text(short_label(f)), book.f.header)
        cd.write_string(start, 2, "Compared with London", book.f.header)
        london = table[("London", "London", f.id)]
        colours = []
        for i, (kind, group, label) in enumerate(areas, start=start + 1):
            g = table[(kind, group, f.id)]
            verdict = "London" if kind == "London" else group_verdict(book, f, g, london)
            cd.write_string(i, 0, label)
            xlsx.write_value(cd, i, 1, None if g.suppressed else g.value, book.value_format(f))
            cd.write_string(i, 2, verdict)
            colours.append("#000000" if kind == "London" else palette.VERDICT.get(verdict, palette.NOT_COMPARED).fill)
        book.chart_data_row = start + len(areas) + 2
        chart = book.wb.add_chart({"type": "column"})
        chart.add_series({
            "name": [book.chart_data_name, start, 1],
            "categories": [book.chart_data_name, start + 1, 0, start + len(areas), 0],
            "values": [book.chart_data_name, start + 1, 1, start + len(areas), 1],
            "points": [{"fill": {"color": c}, "border": {"color": "#404040", "width": 0.5}} for c in colours],
            "gap": 40,
        })
        chart.set_title({"name": wrap_title(short_label(f)), "name_font": {"size": 10}})
        chart.set_x_axis({"name": "London, then each hub", "name_font": {"size": 8},
                          "num_font": {"size": 7, "rotation": -45}, "interval_unit": 1})
        chart.set_y_axis({"name": axis_unit(f), "name_font": {"size": 8}, "num_font": {"size": 8},
                          "num_format": xlsx.number_format(f.unit),
                          "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
                          "min": axis_min([table[(kind, group, f.id)] for kind, group, _ in areas], f)})
        chart.set_legend({"none": True})
        chart.set_size({"width": 420, "height": 280})
        description = (f"Column chart of {f.label}, {book.d.period}: London "
                       f"{figure_words(london.value, f) if not london.suppressed else 'suppressed'}, then each hub, coloured "
                       "by its 95% interval against London.")
        ws.insert_chart(top + (n // 3) * 15, 0, chart, {"description": description[:2000], "object_position": 3,
                                                         "x_offset": (n % 3) * 430})
        book.charts += 1


def group_verdict(book: MasterWorkbook, f: Field, g, london) -> str:
    """How a hub's interval compares with London's figure, where the spec compares the indicator so."""
    if "significance" not in f.comparisons or g.suppressed or london.suppressed or getattr(g, "small", False):
        return "not compared"
    return significance(g.lower, g.upper, london.value, f.polarity)


def indicator_chart(book: MasterWorkbook, ws: Worksheet, first_row: int, col: int, theme, f: Field) -> bool:
    """Authorities as bars sorted by value, coloured and named by their comparison with London;
    London as a line; each authority's hub as a marker; intervals as error bars."""
    shown = {a.la_code for a in book.d.register}
    rows = sorted((r for r in book.field_rows[f.id] if not xlsx.is_blank(r.value) and not r.suppressed
                   and r.la_code in shown), key=lambda r: -r.value)
    if not rows:
        return False
    ratio = bool(f.derived and f.parsed_expression.ratio)
    london, hidden_london, line_name = reference_line(book, f)
    verdicts = series_verdicts(f, rows)
    cd, name = book.chart_data, book.chart_data_name
    start = chart_block_header(book, f"{f.id}: {f.label}")
    headers = ["Authority", "Hub"] + [SERIES_NAMES[v] for v in verdicts] + [line_name, "Authority's hub",
                                                                              "Above (to upper 95%)", "Below (to lower 95%)"]
    england = book.group.get((ENGLAND, ENGLAND, f.id))
    england = None if england is None or pd.isna(england.value) else float(england.value)
    headers += ["England (published)"] if england is not None else []
    for j, h in enumerate(headers):
        cd.write_string(start, j, h, book.f.header)
    n = len(rows)
    fmt = book.value_format(f)
    for i, r in enumerate(rows, start=start + 1):
        cd.write_string(i, 0, r.name)
        cd.write_string(i, 1, r.hub)
        for j, v in enumerate(verdicts, start=2):
            if verdict_series(r.vs_london, verdicts) == v:
                cd.write_number(i, j, float(r.value), fmt)
        if not hidden_london and not pd.isna(london):
            cd.write_number(i, 2 + len(verdicts), float(london), fmt)
        if not pd.isna(r.hub_value):
            cd.write_number(i, 3 + len(verdicts), float(r.hub_value), fmt)
        if ratio and not pd.isna(r.upper):
            cd.write_number(i, 4 + len(verdicts), float(r.upper - r.value), fmt)
            cd.write_number(i, 5 + len(verdicts), float(r.value - r.lower), fmt)
        if england is not None:
            cd.write_number(i, 6 + len(verdicts), england, fmt)
    book.chart_data_row = start + n + 3
    last = start + n
    categories = [name, start + 1, 0, last, 0]
    chart = book.wb.add_chart({"type": "column"})
    for j, v in enumerate(verdicts, start=2):
        series = {
            "name": SERIES_NAMES[v], "categories": categories, "values": [name, start + 1, j, last, j],
            "fill": {"color": SERIES_COLOURS[v]}, "border": {"color": "#404040", "width": 0.5},
            "gap": 40, "overlap": 100,
        }
        if ratio:
            series["y_error_bars"] = {
                "type": "custom", "direction": "both", "end_style": 1,
                "plus_values": f"='{name}'!${column_letters(5 + len(verdicts))}${start + 2}:${column_letters(5 + len(verdicts))}${last + 1}",
                "minus_values": f"='{name}'!${column_letters(6 + len(verdicts))}${start + 2}:${column_letters(6 + len(verdicts))}${last + 1}",
                "line": {"color": "#404040", "width": 0.75},
            }
        chart.add_series(series)
    lines = book.wb.add_chart({"type": "line"})
    if not hidden_london and not pd.isna(london):
        lines.add_series({
            "name": line_name, "categories": categories,
            "values": [name, start + 1, 2 + len(verdicts), last, 2 + len(verdicts)],
            "line": {"color": "#000000", "width": 2, "dash_type": "dash"}, "marker": {"type": "none"},
        })
    if england is not None:  # a reference line: compared with only where England's counts are published
        lines.add_series({
            "name": "England (published)", "categories": categories,
            "values": [name, start + 1, 6 + len(verdicts), last, 6 + len(verdicts)],
            "line": {"color": "#7030A0", "width": 1.5, "dash_type": "round_dot"}, "marker": {"type": "none"},
        })
    lines.add_series({
        "name": "Authority's hub", "categories": categories,
        "values": [name, start + 1, 3 + len(verdicts), last, 3 + len(verdicts)],
        "line": {"none": True},
        "marker": {"type": "diamond", "size": 6, "fill": {"color": "#FFFFFF"}, "border": {"color": "#000000"}},
    })
    chart.combine(lines)
    unit = axis_unit(f)
    chart.set_title({"name": wrap_title(f.label), "name_font": {"size": 10, "bold": True}, "overlay": False})
    chart.set_x_axis({"name": "Authority (sorted from highest to lowest)", "name_font": {"size": 9},
                      "num_font": {"size": 7, "rotation": -60}, "interval_unit": 1, "label_position": "low"})
    chart.set_y_axis({"name": unit, "name_font": {"size": 9}, "num_font": {"size": 8},
                      "num_format": xlsx.number_format(f.unit) if f.unit != "count" or not is_score(f) else "0",
                      "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}, "min": axis_min(rows, f)})
    chart.set_legend({"position": "bottom", "font": {"size": 8}})
    chart.set_size({"width": CHART_WIDTH, "height": CHART_HEIGHT})
    ws.insert_chart(first_row, col, chart, {"description": alt_text(f, rows, london, hidden_london, verdicts,
                                                                     line_name),
                                            "object_position": 3})
    book.charts += 1
    return True


def reference_line(book: MasterWorkbook, f: Field) -> tuple[float, bool, str]:
    """The chart's dashed line: London's figure for a rate, percentage or score; for a count (a volume,
    whose London figure is a total far above any one authority), the median authority."""
    if f.derived or is_score(f):
        london = book.group[("London", "London", f.id)]
        return london.value, bool(london.suppressed), "London"
    median = book.spread.get(f.id, {}).get("median", math.nan)
    hidden = book.hides(f, median)
    return median, hidden, "London median (middle authority)"


def series_verdicts(f: Field, rows: list) -> list[str]:
    if "significance" not in f.comparisons:
        return ["not compared"]
    verdicts = ["better", "similar", "worse"] if f.polarity != "neither" else ["higher", "similar", "lower"]
    return verdicts + [SMALL_NUMBER] if any(r.vs_london == SMALL_NUMBER for r in rows) else verdicts


def verdict_series(verdict: str, verdicts: list[str]) -> str:
    if verdict in verdicts:
        return verdict
    return "similar" if "similar" in verdicts else verdicts[0]


def axis_unit(f: Field) -> str:
    return {"percentage": "Percentage", "rate_per_10000": "Rate per 10,000 children aged 0-17",
            "count": "Score (median for groups)" if is_score(f) else "Number", "number": "Number"}.get(f.unit, f.unit)


def axis_min(rows: list, f: Field) -> float | None:
    """0 for figures that cannot be negative: a bar drawn up from anywhere else exaggerates differences."""
    low = min((r.value for r in rows if not xlsx.is_blank(r.value)), default=0)
    return 0 if low >= 0 else None


def wrap_title(text: str, width: int = 70) -> str:
    if len(text) <= width:
        return text
    words, lines, line = text.split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > width and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines[:3])


def alt_text(f: Field, rows: list, london: float, hidden_london: bool, verdicts: list[str],
              line_name: str = "London") -> str:
    top, bottom = rows[0], rows[-1]
    text = (f"Column chart of {f.label} for {len(rows)} authorities, sorted from highest to lowest. "
            f"Highest: {top.name} ({figure_words(top.value, f)}); lowest: {bottom.name} ({figure_words(bottom.value, f)}). ")
    if not hidden_london and not pd.isna(london):
        text += f"{line_name}, drawn as a dashed line: {figure_words(london, f)}. "
    text += "A diamond marks each authority's hub figure. "
    if verdicts != ["not compared"]:
        counts = {v: sum(1 for r in rows if verdict_series(r.vs_london, verdicts) == v) for v in verdicts}
        text += ("Bars are coloured by comparison with London using 95% confidence intervals (shown as error bars): "
                 + ", ".join(f"{counts[v]} {v}" for v in verdicts) + ".")
    return text[:2000]
