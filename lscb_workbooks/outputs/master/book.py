"""The master workbook's frame: the sheets in order, and what every sheet shares (tables, titles,
formats, figures written with their reasons when there is none)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field as dataclass_field
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ...opendata.published import Published
from ...spec.models import Field, Spec
from ...spec.register import Register
from ...store.db import Store
from .. import xlsx
from ..benchmarks import add_comparators
from ..comparison import Comparison, SUPPRESSED
from .challenges import challenges_sheet
from .charts import start_chart_data
from .contents import conceptual_model_sheet, contents_sheet
from .dashboard import dashboard_sheet
from .figures import MasterData, gather
from .quality import quality_sheet
from .reference import data_sheet, definitions_sheet, profiles_sheet
from .style import LETTERS, TITLE, VERDICT_STYLE, blank, is_count, number_format_for, unique_headers, with_suffix
from .themes import theme_sheet
from .tracker import audit_log_sheet, tracker_sheet
from .trends import trend_figures_sheet, trends_sheet
from .words import gap_words, theme_sheet_title


@dataclass
class Sheets:
    """Sheet names in workbook order, with what each holds, for the Contents sheet's links."""

    entries: list[tuple[str, str]] = dataclass_field(default_factory=list)
    taken: set[str] = dataclass_field(default_factory=set)

    def add(self, title: str, about: str) -> str:
        name = xlsx.sheet_name(title, self.taken)
        self.entries.append((name, about))
        return name


def write_master(store: Store, spec: Spec, register: Register, period: str, out_path: Path,
                 suppress: bool = False, produced_at: datetime | None = None,
                 round_columns: pd.DataFrame | None = None, runs: pd.DataFrame | None = None,
                 comparison: Comparison | None = None, comparators: Published | None = None) -> Path:
    """Write the master comparison workbook for `period`, replacing `out_path` only when it is complete.

    In a workspace, `round_columns` (from `round_status.tracker_columns`) add timing against the
    deadline, the coordinator and the last email to the returns tracker, and `runs` (the store's
    audit log) becomes an Audit log sheet. `comparison` is the period's, if the caller has made it already.
    `comparators` are published figures (England) to show beside London.
    """
    data = gather(store, spec, register, str(period), suppress, produced_at or datetime.now(), comparison)
    data.comparison = add_comparators(data.comparison, comparators)
    if round_columns is not None and not round_columns.empty:
        data.tracker = data.tracker.merge(round_columns, on="la_code", how="left")
    if runs is not None:
        data.runs = runs
    return xlsx.save_atomically(lambda workbook: MasterWorkbook(workbook, data).render(), Path(out_path))


class MasterWorkbook:
    """Renders `MasterData` into an xlsxwriter workbook, one method per sheet."""

    def __init__(self, workbook: xlsxwriter.Workbook, data: MasterData) -> None:
        self.wb = workbook
        self.d = data
        self.spec = data.spec
        self.c = data.comparison
        self.f = xlsx.Formats(workbook)
        self.sheets = Sheets()
        self.tables: set[str] = set()
        self.charts = 0
        self.chart_data: Worksheet | None = None
        self.chart_data_row = 0
        self.chart_data_name = ""
        self.cell = {(r["la_code"], r["field_id"]): SimpleNamespace(**r)
                     for r in self.c.authorities.to_dict("records")}
        self.group = {(r["group_type"], r["group"], r["field_id"]): SimpleNamespace(**r)
                      for r in self.c.groups.to_dict("records")}
        self.spread = {r["field_id"]: r for r in self.c.spread.to_dict("records")}
        self.by_field = {f: rows for f, rows in self.c.authorities.groupby("field_id", sort=False)}
        self.field_rows: dict[str, list[SimpleNamespace]] = {}
        for row in self.cell.values():
            self.field_rows.setdefault(row.field_id, []).append(row)

    def render(self) -> None:
        self.wb.set_properties({
            "title": f"{TITLE}, {self.d.period}", "subject": self.spec.title,
            "comments": "Made by lscb-workbooks from the returns in the store.",
        })
        themes = [t for t in self.spec.themes if any(f.theme == t.id for f in self.spec.indicators)]
        plan = [("Contents", "This page: what the workbook holds and how many returns it rests on.", contents_sheet),
                ("Returns tracker", "Every authority: whether its return arrived, when, and what was wrong with it.", tracker_sheet),
                ("Dashboard", "Headline indicators for London, each hub, inner and outer London.", dashboard_sheet)]
        if self.spec.conceptual_model is not None:
            plan.append(("Conceptual model", "Themes by age groups, the indicators in each cell, and the gaps.",
                         conceptual_model_sheet))
        for t in themes:
            plan.append((theme_sheet_title(t.id), f"{t.title}: every authority side by side, with charts.",
                         lambda book, ws, t=t: theme_sheet(book, ws, t)))
        if len(self.d.periods) > 1:
            plan.append(("Trends", "London and hubs over time, London's change on each indicator with each group's "
                                   "direction, and each authority's direction of travel.", trends_sheet))
        plan += [("Data quality", "Which figures each authority provided, estimated, or could not provide.", quality_sheet),
                 ("Challenges and gaps", "Every problem boroughs logged in collecting the data (filterable).", challenges_sheet),
                 ("Profiles", "Each authority's indicators against London and its hub, in one table (on screen only: "
                              "not printed).", None)]
        if not self.d.runs.empty:
            plan.append(("Audit log", "Every command run in this round: when, what, and what changed.", audit_log_sheet))
        plan.append(("Definitions", "Every field of the dataset: definition, unit, agency, polarity, source.",
                     definitions_sheet))
        if len(self.d.periods) > 1:
            plan.append(("Trend figures", "Every group's change on every indicator, like for like, with the "
                                          "authorities left out (on screen only: not printed).", trend_figures_sheet))
        plan += [
                 ("Data", "Every figure in use, with the file, sheet and cell it came from (for pivot tables; on screen "
                          "only: not printed).", data_sheet),
                 ("Chart data", "The figures behind each chart, sorted as the chart shows them (a hidden sheet: "
                                "unhide it to see them).", None)]
        names = [self.sheets.add(title, about) for title, about, _ in plan]
        worksheets: dict[str, Worksheet] = {}
        for name in names:
            if name == "Profiles":
                profiles_sheet(self)
            else:
                worksheets[name] = self.wb.add_worksheet(name)
        self.chart_data_name = names[-1]
        self.chart_data = worksheets[self.chart_data_name]
        self.chart_data.hide()  # the charts' own figures: every one is shown beside its chart or on a sheet
        start_chart_data(self)
        for name, (_, _, render) in zip(names, plan):
            if render is not None and name in worksheets:
                render(self, worksheets[name])
        self.wb.worksheets()[0].activate()

    def table(self, ws: Worksheet, first_row: int, first_col: int, rows: int, headers: list[str], name: str,
               widths: list[float] | None = None, style: str = "Table Style Light 9") -> None:
        """A real Excel table with a header row; at least one data row so Excel accepts it."""
        table = self.table_name(name)
        ws.add_table(first_row, first_col, first_row + max(rows, 1), first_col + len(headers) - 1, {
            "name": table, "style": style, "autofilter": True,
            "columns": [{"header": h, "header_format": self.f.header} for h in unique_headers(headers)],
        })
        if widths:
            for i, width in enumerate(widths):
                ws.set_column(first_col + i, first_col + i, width)

    def table_name(self, name: str) -> str:
        """A name for an Excel table, unique in the workbook."""
        table = re.sub(r"[^A-Za-z0-9_]", "_", name)
        if not re.match(r"[A-Za-z_]", table):
            table = "T_" + table
        base, n = table, 2
        while table.lower() in self.tables:
            table = f"{base}_{n}"
            n += 1
        self.tables.add(table.lower())
        return table

    def title(self, ws: Worksheet, title: str, note: str | None = None, span: tuple[int, float] = (7, 100)) -> int:
        """Title, period and date, and an optional note wrapped within the first `span[0] + 1` columns."""
        ws.write_string(0, 0, xlsx.cell_text(title), self.f.title)
        ws.set_row(0, 24)
        row = 1
        ws.write_string(row, 0, f"Period {self.d.period}. Produced {self.d.produced_at:%d %B %Y %H:%M}."
                        + (" Small numbers suppressed (see Contents)." if self.d.suppress else ""),
                        self.f.get(italic=True, font_color="#404040"))
        if note:
            row += 1
            self.paragraph(ws, row, note, *span)
        return row + 2

    def paragraph(self, ws: Worksheet, row: int, text: str, last_col: int, chars: float, **style: Any) -> None:
        xlsx.write_paragraph(ws, self.f, row, text, last_col, chars, **style)

    def print_layout(self, ws: Worksheet, repeat: tuple[int, int] | None = None) -> None:
        xlsx.set_print_layout(ws, self.d.header, repeat_rows=repeat)

    def value_format(self, f: Field, verdict: str | None = None, bold: bool = False, letter: bool = False):
        """The unit's number format; with a verdict, its colour and the verdict written after the figure."""
        fill, font = VERDICT_STYLE.get(verdict or "", (None, None))
        base = number_format_for(f)
        if fill:
            base = with_suffix(base, f" {LETTERS[verdict]}" if letter else f" ({verdict})")
            return self.f.get(num_format=base, bg_color=fill, font_color=font, bold=bold)
        return self.f.get(num_format=base, bold=bold)

    def hides(self, f: Field, value: Any) -> bool:
        """Whether a count (a total, a percentile, a previous figure) is from 1 to 5 in a suppressed workbook."""
        return bool(self.d.suppress and is_count(f) and not blank(value) and not pd.isna(value) and 1 <= value <= 5)

    def change_format(self, f: Field):
        """A change, signed (+3, -1.5): a difference between two periods, not a count of children."""
        return self.f.get(num_format=xlsx.signed_format(number_format_for(f)))

    def verdict_format(self, verdict: str, **extra: Any):
        fill, font = VERDICT_STYLE.get(verdict, (None, None))
        return self.f.get(bg_color=fill, font_color=font, **extra) if fill else self.f.get(font_color="#595959", **extra)

    @property
    def gap_format(self):
        return self.f.get(italic=True, font_color="#595959", align="right")

    def write_figure(self, ws: Worksheet, row: int, col: int, f: Field, value: float, status: str,
                     suppressed: bool, cell_format=None, text: Any = None) -> None:
        """A figure, or 'c' when suppressed, or the reason there is none, in words."""
        if suppressed:
            ws.write_string(row, col, SUPPRESSED, self.gap_format)
        elif not f.numeric:
            xlsx.write_value(ws, row, col, text if text is not None else gap_words(status), self.f.text)
        elif value is None or (isinstance(value, float) and math.isnan(value)):
            ws.write_string(row, col, gap_words(status), self.gap_format)
        else:
            ws.write_number(row, col, float(value), cell_format or self.value_format(f))

    def hub_of_report(self) -> str | None:
        """The hub this workbook is for, when it covers one hub's authorities only."""
        hubs = {a.hub for a in self.d.register}
        return next(iter(hubs)) if len(hubs) == 1 and len(self.d.register) < len(self.c.register) else None

    @property
    def previous_period(self) -> str | None:
        periods = self.d.periods
        return periods[-2] if len(periods) > 1 and periods[-1] == self.d.period else None
