"""The master workbook's frame: the sheets in order, and what every sheet shares (tables, titles,
formats, figures written with their reasons when there is none)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ...opendata.published import Published
from ...spec.models import Field, Spec
from ...spec.register import Register
from ...store.db import Store
from .. import xlsx
from ..builder import SheetPlan, WorkbookBuilder
from ..benchmarks import add_comparators
from ..comparison import Comparison, SUPPRESSED
from .challenges import challenges_sheet
from .charts import start_chart_data
from .contents import conceptual_model_sheet, contents_sheet
from .dashboard import dashboard_sheet
from .figures import MasterData, gather
from .quality import quality_sheet
from .reference import data_sheet, definitions_sheet, profiles_sheet
from .style import LETTERS, TITLE, VERDICT_STYLE, is_count, number_format_for, with_suffix
from .themes import theme_sheet
from .tracker import audit_log_sheet, tracker_sheet
from .trends import trend_figures_sheet, trends_sheet
from .words import gap_words, theme_sheet_title


def write_master(store: Store, spec: Spec, register: Register, period: str, out_path: Path,
                 suppress: bool = False, produced_at: datetime | None = None,
                 round_columns: pd.DataFrame | None = None, runs: pd.DataFrame | None = None,
                 comparison: Comparison | None = None, comparators: Published | None = None,
                 trends_later: Callable[[], Comparison] | None = None) -> Path:
    """Write the master comparison workbook for `period`, replacing `out_path` only when it is complete.

    In a workspace, `round_columns` (from `round_status.tracker_columns`) add timing against the
    deadline, the coordinator and the last email to the returns tracker, and `runs` (the store's
    audit log) becomes an Audit log sheet. `comparison` is the period's, if the caller has made it already.
    `comparators` are published figures (England) to show beside London. `trends_later` gives the
    comparison with every period's trends when the caller has them worked out while the workbook is
    written: the sheets that show them are drawn last, and ask for them then.
    """
    data = gather(store, spec, register, str(period), suppress, produced_at or datetime.now(), comparison,
                  trends_later=trends_later)
    data.comparison = add_comparators(data.comparison, comparators)
    if round_columns is not None and not round_columns.empty:
        data.tracker = data.tracker.merge(round_columns, on="la_code", how="left")
    if runs is not None:
        data.runs = runs
    return xlsx.save_atomically(lambda workbook: MasterWorkbook(workbook, data).render(), Path(out_path))


class MasterWorkbook(WorkbookBuilder):
    """Renders `MasterData` into an xlsxwriter workbook; each group of sheets is drawn by its own module."""

    def __init__(self, workbook: xlsxwriter.Workbook, data: MasterData) -> None:
        super().__init__(workbook, header=data.header, stamp=(
            f"Period {data.period}. Produced {data.produced_at:%d %B %Y %H:%M}."
            + (" Small numbers suppressed (see Contents)." if data.suppress else "")))
        self.d = data
        self.spec = data.spec
        self.c = data.comparison
        self.sheets = SheetPlan()
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
        plan = self.sheets

        drawers: dict[str, Callable | None] = {}

        def add(title: str, about: str, draw: Callable[[MasterWorkbook, Worksheet], None] | None) -> None:
            drawers[plan.add(title, about, (lambda ws: draw(self, ws)) if draw is not None else None)] = draw

        add("Contents", "This page: what the workbook holds and how many returns it rests on.", contents_sheet)
        add("Returns tracker", "Every authority: whether its return arrived, when, and what was wrong with it.",
            tracker_sheet)
        add("Dashboard", "Headline indicators for London, each hub, inner and outer London.", dashboard_sheet)
        if self.spec.conceptual_model is not None:
            add("Conceptual model", "Themes by age groups, the indicators in each cell, and the gaps.",
                conceptual_model_sheet)
        for t in themes:
            add(theme_sheet_title(t.id), f"{t.title}: every authority side by side, with charts.",
                lambda book, ws, t=t: theme_sheet(book, ws, t))
        if len(self.d.periods) > 1:
            add("Trends", "London and hubs over time, London's change on each indicator with each group's "
                          "direction, and each authority's direction of travel.", trends_sheet)
        add("Data quality", "Which figures each authority provided, estimated, or could not provide.", quality_sheet)
        add("Challenges and gaps", "Every problem boroughs logged in collecting the data (filterable).",
            challenges_sheet)
        add("Profiles", "Each authority's indicators against London and its hub, in one table (on screen only: "
                        "not printed).", None)
        if not self.d.runs.empty:
            add("Audit log", "Every command run in this round: when, what, and what changed.", audit_log_sheet)
        add("Definitions", "Every field of the dataset: definition, unit, agency, polarity, source.",
            definitions_sheet)
        if len(self.d.periods) > 1:
            add("Trend figures", "Every group's change on every indicator, like for like, with the "
                                 "authorities left out (on screen only: not printed).", trend_figures_sheet)
        add("Data", "Every figure in use, with the file, sheet and cell it came from (for pivot tables; on screen "
                    "only: not printed).", data_sheet)
        add("Chart data", "The figures behind each chart, sorted as the chart shows them (a hidden sheet: "
                          "unhide it to see them).", None)
        worksheets: dict[str, Worksheet] = {}
        for name, _, _ in plan.entries:
            if name == "Profiles":
                profiles_sheet(self)
            else:
                worksheets[name] = self.wb.add_worksheet(name)
        self.chart_data_name = plan.entries[-1][0]
        self.chart_data = worksheets[self.chart_data_name]
        self.chart_data.hide()  # the charts' own figures: every one is shown beside its chart or on a sheet
        start_chart_data(self)
        later = {trends_sheet, trend_figures_sheet} if self.d.trends_later is not None else set()
        for name, _, draw in plan.entries:  # the sheets whose figures are still being worked out, last
            if draw is not None and drawers[name] not in later:
                draw(worksheets[name])
        if later:
            self.d.trends = self.d.periods_trends(self.d.trends_later())
            for name, _, draw in plan.entries:
                if drawers[name] in later:
                    draw(worksheets[name])
        self.wb.worksheets()[0].activate()

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
        return bool(self.d.suppress and is_count(f) and not xlsx.is_blank(value) and 1 <= value <= 5)

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
            xlsx.write_value(ws, row, col, SUPPRESSED, self.gap_format)
        elif not f.numeric:
            xlsx.write_value(ws, row, col, text if text is not None else gap_words(status), self.f.text)
        elif xlsx.is_blank(value):
            xlsx.write_value(ws, row, col, gap_words(status), self.gap_format)
        else:
            xlsx.write_value(ws, row, col, float(value), cell_format or self.value_format(f))

    def hub_of_report(self) -> str | None:
        """The hub this workbook is for, when it covers one hub's authorities only."""
        hubs = {a.hub for a in self.d.register}
        return next(iter(hubs)) if len(hubs) == 1 and len(self.d.register) < len(self.c.register) else None

    @property
    def previous_period(self) -> str | None:
        periods = self.d.periods
        return periods[-2] if len(periods) > 1 and periods[-1] == self.d.period else None
