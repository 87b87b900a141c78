"""The master comparison workbook: what the steering group reads, on screen or printed.

Built from the store and the spec only, never from a template's layout. Every
figure is a computed value (readers that do not recalculate see the same
numbers as Excel); every chart has a title, axis titles and alt text; every
table is a real Excel table; colour is never the only signal, the words
'better', 'similar' or 'worse' are always written too.
"""

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

from ..opendata.published import Published
from ..spec.models import UNIT_LABELS, Field, Spec
from ..spec.periods import parse_period
from ..spec.register import Register
from ..store.db import Store, stored_time
from ..store.returns import is_a_return, return_standing
from ..templates.model_sheet import CELL_WIDTH, KEY_HEADERS, MAX_ROW_HEIGHT, THEME_WIDTH, grid_cells, key_rows, model_note
from . import palette, xlsx
from .audit import write_audit_log
from .disclosure import METHOD as DISCLOSURE_METHOD, RANKED_AMONG_SHOWN
from .benchmarks import COMPARATOR_GROUPS, ENGLAND, ENGLAND_NOTE, add_comparators, has_england
from .stats import significance
from .comparison import (
    ESTIMATED,
    MISSING,
    NO_RETURN,
    NOT_AVAILABLE,
    PROVIDED,
    REJECTED,
    SMALL_NUMBER,
    SUPPRESSED,
    Comparison,
    compare_period,
    conventions,
    is_score,
    recompute_derived,
    rejected_in,
    suppressed_values,
    with_trends,
)

IN_USE = ("accepted", "accepted_with_warnings")
STATUS_WORDS = {
    "accepted": "Accepted",
    "accepted_with_warnings": "Accepted with warnings",
    "rejected": "Rejected",
    "unreadable": "Could not be read",
    "ignored": "Not a return",
    "tool_error": "Received, not yet checked (the tool's fault)",
    None: "Not received",
}
STATUS_CODES = {PROVIDED: "P", ESTIMATED: "E", NOT_AVAILABLE: "N", MISSING: "M", "suppressed": "P",
                REJECTED: "R", NO_RETURN: "-"}
VERDICT_STYLE = {verdict: (c.fill, c.text) for verdict, c in palette.VERDICT.items() if verdict != "not compared"} | {
    SMALL_NUMBER: (palette.NOT_COMPARED.fill, palette.NOT_COMPARED.text)}
SERIES_COLOURS = {verdict: c.fill for verdict, c in palette.VERDICT.items()} | {SMALL_NUMBER: palette.NOT_COMPARED.fill}
SERIES_NAMES = {
    "better": "Better than London", "similar": "Similar to London", "worse": "Worse than London",
    "higher": "Higher than London", "lower": "Lower than London", "not compared": "Authority",
    SMALL_NUMBER: "Small number (not compared)",
}
STATUS_STYLE = {status: (c.fill, c.text) for status, c in palette.RETURN_STATE.items()}
# The returns tracker lists first the authorities whose return needs the officer to act.
ACTION_ORDER = {status: i for i, status in enumerate(
    ("Rejected", "Could not be read", STATUS_WORDS["tool_error"], "Not received", "Not a return",
     "Accepted with warnings", "Accepted"))}
COUNT_OF_THINGS = "0"  # counts of returns, issues or authorities: not counts of children, never suppressed
CHART_WIDTH, CHART_HEIGHT = 640, 480
# Authority, Hub, Value, Lower, Upper, Numerator, Denominator, Rank, Quartile, vs London, vs hub, Data quality, gap
BLOCK_WIDTHS = [22, 11, 10, 10, 9, 13, 10, 10, 10, 12, 10, 10, 11, 11, 13, 2]
GROUP_WIDTHS = [18, 10, 10, 10, 11, 12, 11]  # London and groups, beside each indicator's chart
OVERVIEW_COLUMNS = 10
LINKS_PER_ROW, LINK_SPAN = 4, 3  # links to each indicator's section, four to a row, each across three columns
SPREAD_LABELS = (("lowest", "Lowest authority"), ("q1", "25th percentile"), ("median", "Median authority"),
                 ("q3", "75th percentile"), ("highest", "Highest authority"))
DIRECTION_LETTERS = {"improving": "I", "worsening": "W", "no change": "=", "no significant change": "=",
                     "higher": "H", "lower": "L", SMALL_NUMBER: "*"}
LETTERS = {"better": "B", "similar": "S", "worse": "W", "higher": "H", "lower": "L", SMALL_NUMBER: "*"}
ROW_PX = 20
# Columns a workspace adds to the returns tracker: (column, header, width).
ROUND_COLUMNS = (("timing", "Against the deadline", 16), ("coordinator", "Coordinator", 28),
                 ("last_email", "Last email", 16))
TITLE = "Pan-London safeguarding dataset: master comparison workbook"


@dataclass
class MasterData:
    """Everything the workbook shows, gathered from the store before any writing."""

    spec: Spec
    register: Register
    period: str
    produced_at: datetime
    suppress: bool
    comparison: Comparison
    data: pd.DataFrame
    tracker: pd.DataFrame
    issues: pd.DataFrame
    challenges: pd.DataFrame
    trends: pd.DataFrame
    periods: list[str]
    files_received: int
    runs: pd.DataFrame = dataclass_field(default_factory=pd.DataFrame)

    @property
    def header(self) -> str:
        return f"{self.spec.title} · {self.period}" + (" · small numbers suppressed" if self.suppress else "")


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


def gather(store: Store, spec: Spec, register: Register, period: str, suppress: bool,
           produced_at: datetime, comparison: Comparison | None = None) -> MasterData:
    collection = spec.id
    periods = [p for p in store.periods(collection) if parse_period(p).sort_key() <= parse_period(period).sort_key()]
    all_values = store.values_in_use(collection)
    all_values = all_values[all_values.period.isin(periods)]
    values = all_values[all_values.period == period].reset_index(drop=True)
    shown = values[values.la_code.isin({a.la_code for a in register})].reset_index(drop=True)
    submissions = store.submissions(collection, period)
    if comparison is None or (suppress and comparison.protection is None):
        focus = comparison.focus if comparison is not None else None
        comparison = compare_period(spec, comparison.register if comparison is not None else register, values,
                                    period, rejected=rejected_in(submissions), suppress=suppress).focused(focus)
    if comparison.trends is None:
        comparison = with_trends(comparison, all_values)
    trends = comparison.trends if len(periods) > 1 else pd.DataFrame()
    data = recompute_derived(shown, spec)
    if suppress:
        data = suppressed_values(data, spec, [comparison])
    issues = store.issues(collection, period)
    return MasterData(
        spec=spec, register=register, period=period, produced_at=produced_at, suppress=suppress,
        comparison=comparison, data=data, tracker=_tracker(submissions, register),
        issues=issues[issues.status.isin(IN_USE) & issues.la_code.isin({a.la_code for a in register})] if not issues.empty else issues,
        challenges=_challenges(shown, spec, register), trends=trends, periods=periods,
        files_received=int(is_a_return(submissions).sum()) if not submissions.empty else 0,
    )


def _tracker(submissions: pd.DataFrame, register: Register) -> pd.DataFrame:
    """One row per authority: its return in use, else its latest return that could not be used, else nothing."""
    rows = []
    live = submissions[is_a_return(submissions)] if not submissions.empty else submissions
    for a in register:
        row = return_standing(live, a.la_code)
        rows.append({
            "la_code": a.la_code, "name": a.name, "hub": a.hub, "inner_outer": a.inner_outer,
            "status": STATUS_WORDS.get(row.get("status"), str(row.get("status"))),
            "received_at": stored_time(row.get("received_at")), "file": row.get("file", ""),
            "template_version": row.get("template_version") or "", "errors": row.get("errors"),
            "warnings": row.get("warnings"), "message": row.get("message", ""),
            "in_use": row.get("status") in IN_USE,
        })
    return pd.DataFrame(rows)



def _challenges(values: pd.DataFrame, spec: Spec, register: Register) -> pd.DataFrame:
    """The rows of every return's challenges log, one row per entry, in register order."""
    tables = [s for s in spec.sections if s.kind == "table"]
    if values.empty or not tables:
        return pd.DataFrame()
    section = tables[0]
    rows = values[values.section_id == section.id]
    if rows.empty:
        return pd.DataFrame(columns=["la_code", "row_number", "file"] + [f.id for f in section.fields])
    wide = rows.pivot_table(index=["la_code", "row_number", "file"], columns="field_id", values="value",
                            aggfunc="first").reset_index()
    order = {a.la_code: i for i, a in enumerate(register)}
    wide = wide.sort_values(["la_code", "row_number"], key=lambda s: s.map(order) if s.name == "la_code" else s)
    return wide.reindex(columns=["la_code", "row_number", "file"] + [f.id for f in section.fields])


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

    # --- the whole workbook ---------------------------------------------------------------------

    def render(self) -> None:
        self.wb.set_properties({
            "title": f"{TITLE}, {self.d.period}", "subject": self.spec.title,
            "comments": "Made by lscb-workbooks from the returns in the store.",
        })
        themes = [t for t in self.spec.themes if any(f.theme == t.id for f in self.spec.indicators)]
        plan = [("Contents", "This page: what the workbook holds and how many returns it rests on.", self.contents),
                ("Returns tracker", "Every authority: whether its return arrived, when, and what was wrong with it.", self.tracker),
                ("Dashboard", "Headline indicators for London, each hub, inner and outer London.", self.dashboard)]
        if self.spec.conceptual_model is not None:
            plan.append(("Conceptual model", "Themes by age groups, the indicators in each cell, and the gaps.",
                         self.conceptual_model))
        for t in themes:
            plan.append((_theme_sheet_title(t.id), f"{t.title}: every authority side by side, with charts.",
                         lambda ws, t=t: self.theme(ws, t)))
        if len(self.d.periods) > 1:
            plan.append(("Trends", "London and hubs over time, London's change on each indicator with each group's "
                                   "direction, and each authority's direction of travel.", self.trends))
        plan += [("Data quality", "Which figures each authority provided, estimated, or could not provide.", self.quality),
                 ("Challenges and gaps", "Every problem boroughs logged in collecting the data (filterable).", self.challenges),
                 ("Profiles", "Each authority's indicators against London and its hub, in one table (on screen only: "
                              "not printed).", None)]
        if not self.d.runs.empty:
            plan.append(("Audit log", "Every command run in this round: when, what, and what changed.", self.audit_log))
        plan.append(("Definitions", "Every field of the dataset: definition, unit, agency, polarity, source.",
                     self.definitions))
        if len(self.d.periods) > 1:
            plan.append(("Trend figures", "Every group's change on every indicator, like for like, with the "
                                          "authorities left out (on screen only: not printed).", self.trend_figures))
        plan += [
                 ("Data", "Every figure in use, with the file, sheet and cell it came from (for pivot tables; on screen "
                          "only: not printed).", self.data),
                 ("Chart data", "The figures behind each chart, sorted as the chart shows them (a hidden sheet: "
                                "unhide it to see them).", None)]
        names = [self.sheets.add(title, about) for title, about, _ in plan]
        worksheets: dict[str, Worksheet] = {}
        for name in names:
            if name == "Profiles":
                self.profiles()
            else:
                worksheets[name] = self.wb.add_worksheet(name)
        self.chart_data_name = names[-1]
        self.chart_data = worksheets[self.chart_data_name]
        self.chart_data.hide()  # the charts' own figures: every one is shown beside its chart or on a sheet
        self._start_chart_data()
        for name, (_, _, render) in zip(names, plan):
            if render is not None and name in worksheets:
                render(worksheets[name])
        self.wb.worksheets()[0].activate()

    def _table(self, ws: Worksheet, first_row: int, first_col: int, rows: int, headers: list[str], name: str,
               widths: list[float] | None = None, style: str = "Table Style Light 9") -> None:
        """A real Excel table with a header row; at least one data row so Excel accepts it."""
        table = self._table_name(name)
        ws.add_table(first_row, first_col, first_row + max(rows, 1), first_col + len(headers) - 1, {
            "name": table, "style": style, "autofilter": True,
            "columns": [{"header": h, "header_format": self.f.header} for h in _unique(headers)],
        })
        if widths:
            for i, width in enumerate(widths):
                ws.set_column(first_col + i, first_col + i, width)

    def _table_name(self, name: str) -> str:
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

    def _title(self, ws: Worksheet, title: str, note: str | None = None, span: tuple[int, float] = (7, 100)) -> int:
        """Title, period and date, and an optional note wrapped within the first `span[0] + 1` columns."""
        ws.write_string(0, 0, xlsx.cell_text(title), self.f.title)
        ws.set_row(0, 24)
        row = 1
        ws.write_string(row, 0, f"Period {self.d.period}. Produced {self.d.produced_at:%d %B %Y %H:%M}."
                        + (" Small numbers suppressed (see Contents)." if self.d.suppress else ""),
                        self.f.get(italic=True, font_color="#404040"))
        if note:
            row += 1
            self._paragraph(ws, row, note, *span)
        return row + 2

    def _paragraph(self, ws: Worksheet, row: int, text: str, last_col: int, chars: float, **style: Any) -> None:
        xlsx.write_paragraph(ws, self.f, row, text, last_col, chars, **style)

    def _print(self, ws: Worksheet, repeat: tuple[int, int] | None = None) -> None:
        xlsx.set_print_layout(ws, self.d.header, repeat_rows=repeat)

    # --- formats ---------------------------------------------------------------------------------

    def value_format(self, f: Field, verdict: str | None = None, bold: bool = False, letter: bool = False):
        """The unit's number format; with a verdict, its colour and the verdict written after the figure."""
        fill, font = VERDICT_STYLE.get(verdict or "", (None, None))
        base = number_format_for(f)
        if fill:
            base = _with_suffix(base, f" {LETTERS[verdict]}" if letter else f" ({verdict})")
            return self.f.get(num_format=base, bg_color=fill, font_color=font, bold=bold)
        return self.f.get(num_format=base, bold=bold)

    def hides(self, f: Field, value: Any) -> bool:
        """Whether a count (a total, a percentile, a previous figure) is from 1 to 5 in a suppressed workbook."""
        return bool(self.d.suppress and _is_count(f) and not _blank(value) and not pd.isna(value) and 1 <= value <= 5)

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
            xlsx.write_value(ws, row, col, text if text is not None else _gap_words(status), self.f.text)
        elif value is None or (isinstance(value, float) and math.isnan(value)):
            ws.write_string(row, col, _gap_words(status), self.gap_format)
        else:
            ws.write_number(row, col, float(value), cell_format or self.value_format(f))

    # --- Contents --------------------------------------------------------------------------------

    def contents(self, ws: Worksheet) -> None:
        d = self.d
        tracker = d.tracker
        ws.set_column(0, 0, 34)
        ws.set_column(1, 1, 90)
        ws.write_string(0, 0, TITLE, self.f.title)
        ws.set_row(0, 24)
        ws.write_string(1, 0, xlsx.cell_text(self.spec.title), self.f.subtitle)
        facts = [("Period", d.period), ("Date produced", d.produced_at.strftime("%d %B %Y, %H:%M")),
                 ("Spec version", self.spec.version), ("Authorities in the register", len(d.register)),
                 ("Files received for the period", d.files_received),
                 ("Authorities whose return was received", int((tracker.status != "Not received").sum())),
                 ("Returns accepted", int((tracker.status == "Accepted").sum())),
                 ("Returns accepted with warnings", int((tracker.status == "Accepted with warnings").sum())),
                 ("Returns rejected (not in use)", int((tracker.status == "Rejected").sum())),
                 ("Returns missing (nothing received)", int((tracker.status == "Not received").sum()))]
        row = 3
        for label, value in facts:
            ws.write_string(row, 0, label, self.f.get(bold=True))
            if isinstance(value, int):
                ws.write_number(row, 1, value, self.f.get(num_format=COUNT_OF_THINGS, align="left"))
            else:
                ws.write_string(row, 1, xlsx.cell_text(value), self.f.text)
            row += 1
        missing = tracker[tracker.status == "Not received"].name.tolist()
        if missing:
            ws.write_string(row, 0, "Still missing", self.f.get(bold=True))
            ws.write_string(row, 1, xlsx.cell_text(", ".join(missing)), self.f.wrap)
            row += 1
        row += 1
        if d.suppress:
            ws.merge_range(row, 0, row, 1, DISCLOSURE_METHOD,
                           self.f.get(italic=True, bold=True, text_wrap=True, valign="top", bg_color="#FFF2CC"))
            ws.set_row(row, 15 * (len(DISCLOSURE_METHOD) // 105 + 2))
            row += 2
        ws.write_string(row, 0, "How to read it", self.f.subtitle)
        row += 1
        self._paragraph(ws, row, _how_to_read(), 1, 124, italic=False, font_color="#000000")
        row += 2
        ws.write_string(row, 0, "How the figures are worked out", self.f.subtitle)
        for label, text in conventions(self.spec, self._hub_of_report()):
            row += 1
            ws.write_string(row, 0, label, self.f.get(bold=True, valign="top", text_wrap=True))
            ws.write_string(row, 1, xlsx.cell_text(text), self.f.get(text_wrap=True, valign="top"))
            ws.set_row(row, 15 * math.ceil(len(text) / 95) + 3)
        row += 2
        ws.write_string(row, 0, "Sheets", self.f.subtitle)
        first = row + 1
        self._table(ws, first, 0, len(self.sheets.entries), ["Sheet", "What it holds"], "Contents_sheets")
        for i, (name, about) in enumerate(self.sheets.entries, start=first + 1):
            ws.write_url(i, 0, f"internal:'{name}'!A1", self.f.link, string=name, tip=f"Go to {name}")
            ws.write_string(i, 1, xlsx.cell_text(about), self.f.text)
        self._print(ws)
        ws.fit_to_pages(1, 1)  # the contents page is one page, even with the suppression note

    def _hub_of_report(self) -> str | None:
        """The hub this workbook is for, when it covers one hub's authorities only."""
        hubs = {a.hub for a in self.d.register}
        return next(iter(hubs)) if len(hubs) == 1 and len(self.d.register) < len(self.c.register) else None

    # --- Conceptual model ------------------------------------------------------------------------

    def conceptual_model(self, ws: Worksheet) -> None:
        model = self.spec.conceptual_model
        last = len(model.age_groups)
        first = self._title(ws, "Conceptual model: themes by age groups", model_note(model), (last, 34 + 30 * last))
        ws.set_column(0, 0, THEME_WIDTH)
        ws.set_column(1, last, CELL_WIDTH)
        gap = self.f.get(italic=True, text_wrap=True, align="center", valign="vcenter", border=1,
                         bg_color=VERDICT_STYLE["similar"][0], font_color=VERDICT_STYLE["similar"][1])
        for cell in grid_cells(model):
            fmt = (self.f.header if cell.row == 0 or cell.col == 0 else gap if cell.gap
                   else self.f.get(text_wrap=True, valign="top", border=1))
            ws.write_string(first + cell.row, cell.col, xlsx.cell_text(cell.text), fmt)
            lines = cell.text.count("\n") + 1 + len(cell.text) // int(CELL_WIDTH)
            ws.set_row(first + cell.row, min(MAX_ROW_HEIGHT, max(30, 15 * lines)))
        row = first + len(model.themes) + 2
        ws.write_string(row, 0, "The indicators in the grid", self.f.subtitle)
        rows = key_rows(model)
        self._table(ws, row + 1, 0, len(rows), list(KEY_HEADERS), "Conceptual_model_key")
        for i, values in enumerate(rows, start=row + 2):
            for col, text in enumerate(values):
                ws.write_string(i, col, xlsx.cell_text(text), self.f.wrap)
        self._print(ws, (first, first))

    @property
    def _previous_period(self) -> str | None:
        periods = self.d.periods
        return periods[-2] if len(periods) > 1 and periods[-1] == self.d.period else None

    # --- Returns tracker -------------------------------------------------------------------------

    def tracker(self, ws: Worksheet) -> None:
        t = self.d.tracker
        if not t.empty:
            order = t.status.map(lambda status: ACTION_ORDER.get(status, len(ACTION_ORDER)))
            t = t.assign(_order=order).sort_values(["_order", "name"], kind="stable").drop(columns="_order")
        first = self._title(ws, f"Returns tracker: {self.d.period}",
                            "Every authority in the register. 'Not received' means nothing has arrived for this period.",
                            (6, 122))
        headers = ["Code", "Authority", "Hub", "Inner/Outer", "Status", "Date received", "File",
                   "Template version", "Errors", "Warnings", "What happened"]
        widths = [7, 24, 13, 10, 24, 17, 30, 10, 8, 9, 70]
        extra = [(c, h, w) for c, h, w in ROUND_COLUMNS if c in t.columns]
        headers += [h for _, h, _ in extra]
        widths += [w for _, _, w in extra]
        self._table(ws, first, 0, len(t), headers, "Returns_tracker", widths=widths)
        ws.set_row(first, 30)
        for i, r in enumerate(t.itertuples(index=False), start=first + 1):
            ws.write_string(i, 0, r.la_code, self.f.text)
            ws.write_string(i, 1, r.name, self.f.text)
            ws.write_string(i, 2, r.hub, self.f.text)
            ws.write_string(i, 3, r.inner_outer, self.f.text)
            fill, font = STATUS_STYLE.get(r.status, (None, None))
            ws.write_string(i, 4, r.status, self.f.get(bg_color=fill, font_color=font, bold=r.status != "Accepted")
                            if fill else self.f.text)
            if r.received_at is not None and not pd.isna(r.received_at):
                ws.write_datetime(i, 5, r.received_at, self.f.get(num_format="dd/mm/yyyy hh:mm", align="left", valign="top"))
            else:
                ws.write_blank(i, 5, None, self.f.text)
            xlsx.write_value(ws, i, 6, r.file, self.f.text)
            xlsx.write_value(ws, i, 7, r.template_version, self.f.text)
            for col, n in ((8, r.errors), (9, r.warnings)):
                xlsx.write_value(ws, i, col, None if pd.isna(n) else int(n),
                                 self.f.get(num_format=COUNT_OF_THINGS, valign="top"))
            xlsx.write_value(ws, i, 10, r.message, self.f.wrap)
            xlsx.fit_row(ws, i, [(r.message, widths[10])] + [(getattr(r, c), w) for c, _, w in extra])
            for col, (column, _, _) in enumerate(extra, start=11):
                value = getattr(r, column)
                xlsx.write_value(ws, i, col, "" if value is None or (isinstance(value, float) and pd.isna(value))
                                 else str(value), self.f.wrap)
        ws.freeze_panes(first + 1, 2)
        self._print(ws, (first, first))

    def audit_log(self, ws: Worksheet) -> None:
        write_audit_log(ws, self.d.runs, self.f, table_name=self._table_name("Audit_log"))
        self._print(ws, (3, 3))

    # --- Dashboard -------------------------------------------------------------------------------

    def dashboard(self, ws: Worksheet) -> None:
        headline = [f for f in self.spec.indicators if f.headline and f.numeric]
        first = self._title(ws, f"Dashboard: headline indicators, {self.d.period}",
                            "London, hub, inner and outer figures are summed numerators over summed denominators "
                            "of the authorities that returned. 'Authorities' counts those included."
                            + (" " + ENGLAND_NOTE if has_england(self.c) else ""), (6, 134))
        groups = self.c.group_labels()
        headers = ["Area"] + [_short_label(f) for f in headline] + ["Authorities"]
        self._table(ws, first, 0, len(groups), headers, "Dashboard_headlines",
                    widths=[44] + [15] * len(headline) + [11])
        ws.set_row(first, _header_height(headers[1:-1], 15))
        table = self.group
        for i, (kind, group, label) in enumerate(groups, start=first + 1):
            bold = kind == "London"
            ws.write_string(i, 0, label, self.f.get(bold=bold))
            for col, f in enumerate(headline, start=1):
                g = table[(kind, group, f.id)]
                self.write_figure(ws, i, col, f, g.value, _group_status(g), bool(g.suppressed),
                                  self.value_format(f, bold=bold))
            self._authorities_cell(ws, i, len(headline) + 1, table[(kind, group, headline[0].id)] if headline else None)
        row = first + len(groups) + 3
        ws.write_string(row, 0, "How many authorities differ from London (by their 95% confidence interval)", self.f.subtitle)
        verdicts = ["better", "similar", "worse", "higher", "lower", SMALL_NUMBER, "not compared"]
        headers = ["Indicator", "Better", "Similar", "Worse", "Higher (no better or worse)", "Lower (no better or worse)",
                   "Small number (not compared)", "Not compared"]
        self._table(ws, row + 1, 0, len(headline), headers, "Dashboard_verdicts")
        ws.set_row(row + 1, _header_height(headers[1:], 11))
        for i, f in enumerate(headline, start=row + 2):
            mine = self.by_field[f.id]
            counts = mine[mine.la_code.isin({a.la_code for a in self.d.register})].vs_london.value_counts()
            ws.write_string(i, 0, xlsx.cell_text(_short_label(f, 60)), self.f.text)
            for col, v in enumerate(verdicts, start=1):
                ws.write_number(i, col, int(counts.get(v, 0)), self.f.get(num_format=COUNT_OF_THINGS, align="center"))
        chart_row = row + len(headline) + 4
        self._headline_charts(ws, chart_row, headline, groups, table)
        ws.freeze_panes(first + 1, 1)
        self._print(ws)

    def _headline_charts(self, ws: Worksheet, row: int, headline: list[Field], groups, table) -> None:
        """One small chart per headline indicator: London in black, each hub coloured by how its interval
        compares with London's figure, on the indicator's own axis."""
        ws.write_string(row, 0, "Headline indicators: London and each hub", self.f.subtitle)
        ws.set_h_pagebreaks([row])
        self._paragraph(ws, row + 1, "One chart per indicator, each on its own scale. London's bar is black; each "
                        "hub's bar is coloured by its 95% confidence interval against London: green better, amber "
                        "similar, red worse; dark blue lower and light blue higher where neither is better; grey "
                        "not compared (counts, small numbers).", 6, 134)
        areas = [(k, g, label) for k, g, label in groups if k in ("London", "Hub")]
        top = row + 3
        for n, f in enumerate(headline):
            start = self._chart_block_header(f"Dashboard: {_short_label(f)}")
            cd = self.chart_data
            cd.write_string(start, 0, "Area", self.f.header)
            cd.write_string(start, 1, xlsx.cell_text(_short_label(f)), self.f.header)
            cd.write_string(start, 2, "Compared with London", self.f.header)
            london = table[("London", "London", f.id)]
            colours = []
            for i, (kind, group, label) in enumerate(areas, start=start + 1):
                g = table[(kind, group, f.id)]
                verdict = "London" if kind == "London" else self._group_verdict(f, g, london)
                cd.write_string(i, 0, label)
                xlsx.write_value(cd, i, 1, None if g.suppressed else g.value, self.value_format(f))
                cd.write_string(i, 2, verdict)
                colours.append("#000000" if kind == "London" else palette.VERDICT.get(verdict, palette.NOT_COMPARED).fill)
            self.chart_data_row = start + len(areas) + 2
            chart = self.wb.add_chart({"type": "column"})
            chart.add_series({
                "name": [self.chart_data_name, start, 1],
                "categories": [self.chart_data_name, start + 1, 0, start + len(areas), 0],
                "values": [self.chart_data_name, start + 1, 1, start + len(areas), 1],
                "points": [{"fill": {"color": c}, "border": {"color": "#404040", "width": 0.5}} for c in colours],
                "gap": 40,
            })
            chart.set_title({"name": _wrap_title(_short_label(f)), "name_font": {"size": 10}})
            chart.set_x_axis({"name": "London, then each hub", "name_font": {"size": 8},
                              "num_font": {"size": 7, "rotation": -45}, "interval_unit": 1})
            chart.set_y_axis({"name": _axis_unit(f), "name_font": {"size": 8}, "num_font": {"size": 8},
                              "num_format": xlsx.number_format(f.unit),
                              "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
            chart.set_legend({"none": True})
            chart.set_size({"width": 420, "height": 280})
            description = (f"Column chart of {f.label}, {self.d.period}: London "
                           f"{_fmt(london.value, f) if not london.suppressed else 'suppressed'}, then each hub, coloured "
                           "by its 95% interval against London.")
            ws.insert_chart(top + (n // 3) * 15, 0, chart, {"description": description[:2000], "object_position": 3,
                                                             "x_offset": (n % 3) * 430})
            self.charts += 1

    def _group_verdict(self, f: Field, g, london) -> str:
        """How a hub's interval compares with London's figure, where the spec compares the indicator so."""
        if "significance" not in f.comparisons or g.suppressed or london.suppressed or getattr(g, "small", False):
            return "not compared"
        return significance(g.lower, g.upper, london.value, f.polarity)

    # --- Theme sheets ----------------------------------------------------------------------------

    def theme(self, ws: Worksheet, theme) -> None:
        fields = [f for f in self.spec.indicators if f.theme == theme.id]
        shown = _shown_fields(fields)
        first = self._title(ws, theme.title, (
            "Rows are grouped by hub. Each figure is compared with London by its 95% confidence interval, in colour "
            "and in words: better or worse only where the interval excludes London's figure; higher or lower where "
            "neither is better. Rank 1 is the best (the highest where neither is better; ties share the best "
            "rank); Q1 is the best quarter. Counts are volumes: shown, never ranked or compared. A rate or "
            f"percentage on a denominator below {self.spec.small_denominator} is marked 'small number' and "
            "not ranked. See Contents for how every figure is worked out."
            + (" " + RANKED_AMONG_SHOWN if self.d.suppress else "")
            + (" " + ENGLAND_NOTE if has_england(self.c) else "")),
            (11, sum(BLOCK_WIDTHS[:12])))
        for col, width in enumerate(BLOCK_WIDTHS + GROUP_WIDTHS):
            ws.set_column(col, col, width)
        if has_england(self.c):
            ws.set_column(len(BLOCK_WIDTHS) - 1, len(BLOCK_WIDTHS) - 1, 13)  # the gap before the chart holds England
        breaks = []
        links_row = first
        row = first + -(-len(shown) // LINKS_PER_ROW) + 1
        comparable = [f for f in shown if f.numeric]
        for chunk in range(0, len(comparable), OVERVIEW_COLUMNS):
            if chunk:
                breaks.append(row)
            row = self._theme_overview(ws, row, theme, comparable[chunk:chunk + OVERVIEW_COLUMNS], chunk // OVERVIEW_COLUMNS)
        starts = {}
        for f in shown:
            breaks.append(row)
            starts[f.id] = row
            row = self._indicator_block(ws, row, theme, f)
        self._links_to_sections(ws, links_row, [(f, starts[f.id]) for f in shown])
        ws.set_h_pagebreaks(breaks[:1000])
        ws.freeze_panes(1, 1)
        self._print(ws)

    def _links_to_sections(self, ws: Worksheet, row: int, sections: list[tuple[Field, int]]) -> None:
        """A row of links at the top of a theme sheet, one to each indicator's section below."""
        ws.write_string(row, 0, "Go to an indicator:", self.f.get(bold=True, valign="top"))
        link = self.f.get(font_color="#0563C1", underline=1, text_wrap=True, valign="top", font_size=9)
        for n, (f, start) in enumerate(sections):
            r, c = row + n // LINKS_PER_ROW, 1 + (n % LINKS_PER_ROW) * LINK_SPAN
            ws.merge_range(r, c, r, c + LINK_SPAN - 1, "", link)
            ws.write_url(r, c, f"internal:'{ws.name}'!A{start + 1}", link, string=_short_label(f, 0),
                         tip=xlsx.cell_text(f.label)[:255])
            ws.set_row(r, 26)

    def _theme_overview(self, ws: Worksheet, row: int, theme, fields: list[Field], part: int) -> int:
        """Authorities by indicators, figures only, each marked against London; then London, hubs and the spread."""
        ws.write_string(row, 0, "All authorities side by side" + (" (continued)" if part else ""), self.f.subtitle)
        self._paragraph(ws, row + 1, "Letters after each figure: B better than London, S similar, W worse; H higher, "
                        "L lower where neither is better; * small number (denominator below "
                        f"{self.spec.small_denominator}), not compared. Counts are not compared.", 11,
                        sum(BLOCK_WIDTHS[:12]))
        authorities = sorted(self.d.register, key=lambda a: (a.hub, a.name))
        headers = ["Authority", "Hub"] + [_short_label(f, 60) for f in fields]
        first = row + 2
        self._table(ws, first, 0, len(authorities), headers, f"Overview_{theme.id}_{part + 1}")
        ws.set_row(first, _header_height(headers[2:], min(BLOCK_WIDTHS[2:12])))
        for i, a in enumerate(authorities, start=first + 1):
            ws.write_string(i, 0, a.name, self.f.text)
            ws.write_string(i, 1, a.hub, self.f.text)
            for col, f in enumerate(fields, start=2):
                r = self.cell[(a.la_code, f.id)]
                self.write_figure(ws, i, col, f, r.value, r.status, bool(r.suppressed),
                                  self.value_format(f, r.vs_london, letter=True))
        return self._summary_rows(ws, first + len(authorities) + 2, 2, fields) + 2

    def _summary_rows(self, ws: Worksheet, row: int, col: int, fields: list[Field]) -> int:
        """London, each hub, inner and outer London, then the spread of authorities."""
        ws.write_string(row, 0, "London and groups (sums of counts, not averages)", self.f.get(bold=True))
        row += 1
        for kind, group, label in self.c.group_labels():
            bold = kind == "London"
            ws.write_string(row, 0, label, self.f.get(bold=bold))
            ws.write_string(row, 1, kind if kind != "Inner/Outer" else "Inner or outer", self.f.get(italic=True, font_color="#595959"))
            for j, f in enumerate(fields):
                g = self.group[(kind, group, f.id)]
                self.write_figure(ws, row, col + j, f, g.value, _group_status(g),
                                  bool(g.suppressed), self.value_format(f, bold=bold), text=g.text)
            row += 1
        for key, label in SPREAD_LABELS:
            ws.write_string(row, 0, label, self.f.get(top=1) if key == "lowest" else self.f.text)
            for j, f in enumerate(fields):
                value = self.spread.get(f.id, {}).get(key, math.nan)
                hide = self.hides(f, value)
                self.write_figure(ws, row, col + j, f, value, MISSING, hide,
                                  self.f.get(num_format=number_format_for(f), top=1) if key == "lowest" else self.value_format(f))
            row += 1
        return row

    def _indicator_block(self, ws: Worksheet, row: int, theme, f: Field) -> int:
        """One indicator: all authorities grouped by hub on the left; a sorted bar chart and the groups on the right."""
        ratio = bool(f.derived and f.parsed_expression.ratio)
        ws.write_string(row, 0, xlsx.cell_text(f.label), self.f.get(bold=True, font_size=12))
        self._paragraph(ws, row + 1, _describe(f, self.spec), 11, sum(BLOCK_WIDTHS[:12]))
        first = row + 2
        headers = ["Authority", "Hub"] + _block_headers(f, ratio, has_england(self.c), self._previous_period) \
            + ["Data quality"]
        authorities = sorted(self.d.register, key=lambda a: (a.hub, a.name))
        self._table(ws, first, 0, len(authorities), headers, f"{theme.id}_{f.id}")
        ws.set_row(first, 30)
        for i, a in enumerate(authorities, start=first + 1):
            r = self.cell[(a.la_code, f.id)]
            status = r.status
            for col, h in enumerate(headers):
                self._block_cell(ws, i, col, h, f, r, status)
        right = len(BLOCK_WIDTHS)
        charted = f.numeric and self._indicator_chart(ws, first, right, theme, f)
        groups_row = first + (CHART_HEIGHT // ROW_PX + 2 if charted else 0)
        end = self._block_groups(ws, groups_row, right, theme, f, ratio)
        return max(end, first + len(authorities) + 1) + 2

    def _block_cell(self, ws: Worksheet, i: int, col: int, header: str, f: Field, r, status: str) -> None:
        hidden = bool(r.suppressed)
        if header == "Authority":
            ws.write_string(i, col, r.name, self.f.text)
        elif header == "Hub":
            ws.write_string(i, col, r.hub, self.f.text)
        elif header in ("Value", "Answer"):
            self.write_figure(ws, i, col, f, r.value, status, hidden, self.value_format(f), text=r.text)
        elif header in ("Lower 95%", "Upper 95%"):
            value = r.lower if header == "Lower 95%" else r.upper
            xlsx.write_value(ws, i, col, SUPPRESSED if hidden else value, self.gap_format if hidden else self.value_format(f))
        elif header in ("Numerator", "Denominator"):
            value = r.numerator if header == "Numerator" else r.denominator
            xlsx.write_value(ws, i, col, SUPPRESSED if hidden else value, self.gap_format if hidden else self.f.unit("count"))
        elif header == "Rank":
            xlsx.write_value(ws, i, col, None if pd.isna(r.rank) else int(r.rank), self.f.get(num_format="0", align="center"))
        elif header == "Quartile":
            xlsx.write_value(ws, i, col, None if pd.isna(r.quartile) else f"Q{int(r.quartile)}", self.f.get(align="center"))
        elif header == "Compared with London":
            ws.write_string(i, col, r.vs_london, self.verdict_format(r.vs_london))
        elif header == "Compared with hub":
            ws.write_string(i, col, r.vs_hub, self.verdict_format(r.vs_hub))
        elif header == "Compared with England":
            ws.write_string(i, col, r.vs_england, self.verdict_format(r.vs_england))
        elif header.startswith("Previous ("):
            xlsx.write_value(ws, i, col, None if hidden else _number_or_none(r.previous), self.value_format(f))
        elif header == "Change":
            xlsx.write_value(ws, i, col, None if hidden else _number_or_none(r.change), self.change_format(f))
        elif header == "Change since previous":
            ws.write_string(i, col, r.trend, self.verdict_format(r.trend))
        elif header == "Data quality":
            ws.write_string(i, col, _quality_words(status), self.f.text)

    def _authorities_cell(self, ws: Worksheet, row: int, col: int, g) -> None:
        """How many authorities a group figure rests on; 'published' for a published comparator such as England."""
        if g is not None and g.group_type in COMPARATOR_GROUPS:
            ws.write_string(row, col, "published", self.f.get(italic=True, align="right"))
        else:
            ws.write_number(row, col, int(g.authorities) if g is not None else 0, self.f.get(num_format=COUNT_OF_THINGS))

    def _block_groups(self, ws: Worksheet, row: int, col: int, theme, f: Field, ratio: bool) -> int:
        """London, the hubs, inner and outer London, and the spread, as a table beside the authorities."""
        headers = ["London and groups", "Value"]
        if ratio:
            headers += ["Lower 95%", "Upper 95%", "Numerator", "Denominator"]
        headers += ["Authorities"]
        groups = self.c.group_labels()
        spread = self.spread.get(f.id) if f.numeric else None
        rows = len(groups) + (3 if spread else 0)
        self._table(ws, row, col, rows, headers, f"{theme.id}_{f.id}_groups")
        i = row
        for kind, group, label in groups:
            i += 1
            g = self.group[(kind, group, f.id)]
            bold = kind == "London"
            ws.write_string(i, col, label, self.f.get(bold=bold))
            self.write_figure(ws, i, col + 1, f, g.value, _group_status(g), bool(g.suppressed),
                              self.value_format(f, bold=bold), text=g.text)
            for j, key in enumerate(["lower", "upper", "numerator", "denominator"] if ratio else [], start=col + 2):
                fmt = self.f.unit("count") if key in ("numerator", "denominator") else self.value_format(f)
                xlsx.write_value(ws, i, j, SUPPRESSED if g.suppressed else getattr(g, key), self.gap_format if g.suppressed else fmt)
            self._authorities_cell(ws, i, col + len(headers) - 1, g)
        if spread:
            for key, label in (("median", "Median authority"), ("q1", "25th percentile"), ("q3", "75th percentile")):
                i += 1
                ws.write_string(i, col, label, self.f.get(italic=True))
                hide = self.hides(f, spread[key])
                self.write_figure(ws, i, col + 1, f, spread[key], MISSING, hide, self.value_format(f))
                ws.write_number(i, col + len(headers) - 1, int(spread["n"]), self.f.get(num_format=COUNT_OF_THINGS))
        return i + 1

    # --- Charts ----------------------------------------------------------------------------------

    def _start_chart_data(self) -> None:
        cd = self.chart_data
        cd.write_string(0, 0, "Chart data: the figures behind each chart, as the chart shows them", self.f.title)
        cd.write_string(1, 0, "Each block is one chart. Authorities are sorted as in the chart.", self.f.get(italic=True, font_color="#404040"))
        cd.set_column(0, 0, 26)
        cd.set_column(1, 12, 14)
        self.chart_data_row = 3
        self._print(cd)  # hidden, with no print area: neither Excel nor LibreOffice prints it

    def _chart_block_header(self, title: str) -> int:
        self.chart_data.write_string(self.chart_data_row, 0, xlsx.cell_text(title), self.f.subtitle)
        return self.chart_data_row + 1

    def _indicator_chart(self, ws: Worksheet, first_row: int, col: int, theme, f: Field) -> bool:
        """Authorities as bars sorted by value, coloured and named by their comparison with London;
        London as a line; each authority's hub as a marker; intervals as error bars."""
        shown = {a.la_code for a in self.d.register}
        rows = sorted((r for r in self.field_rows[f.id] if not _blank(r.value) and not r.suppressed
                       and r.la_code in shown), key=lambda r: -r.value)
        if not rows:
            return False
        ratio = bool(f.derived and f.parsed_expression.ratio)
        london, hidden_london, line_name = self._reference_line(f)
        verdicts = _series_verdicts(f, rows)
        cd, name = self.chart_data, self.chart_data_name
        start = self._chart_block_header(f"{f.id}: {f.label}")
        headers = ["Authority", "Hub"] + [SERIES_NAMES[v] for v in verdicts] + [line_name, "Authority's hub",
                                                                                  "Above (to upper 95%)", "Below (to lower 95%)"]
        england = self.group.get((ENGLAND, ENGLAND, f.id))
        england = None if england is None or pd.isna(england.value) else float(england.value)
        headers += ["England (published)"] if england is not None else []
        for j, h in enumerate(headers):
            cd.write_string(start, j, h, self.f.header)
        n = len(rows)
        fmt = self.value_format(f)
        for i, r in enumerate(rows, start=start + 1):
            cd.write_string(i, 0, r.name)
            cd.write_string(i, 1, r.hub)
            for j, v in enumerate(verdicts, start=2):
                if _verdict_series(r.vs_london, verdicts) == v:
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
        self.chart_data_row = start + n + 3
        last = start + n
        categories = [name, start + 1, 0, last, 0]
        chart = self.wb.add_chart({"type": "column"})
        for j, v in enumerate(verdicts, start=2):
            series = {
                "name": SERIES_NAMES[v], "categories": categories, "values": [name, start + 1, j, last, j],
                "fill": {"color": SERIES_COLOURS[v]}, "border": {"color": "#404040", "width": 0.5},
                "gap": 40, "overlap": 100,
            }
            if ratio:
                series["y_error_bars"] = {
                    "type": "custom", "direction": "both", "end_style": 1,
                    "plus_values": f"='{name}'!${_col(4 + len(verdicts))}${start + 2}:${_col(4 + len(verdicts))}${last + 1}",
                    "minus_values": f"='{name}'!${_col(5 + len(verdicts))}${start + 2}:${_col(5 + len(verdicts))}${last + 1}",
                    "line": {"color": "#404040", "width": 0.75},
                }
            chart.add_series(series)
        lines = self.wb.add_chart({"type": "line"})
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
        unit = _axis_unit(f)
        chart.set_title({"name": _wrap_title(f.label), "name_font": {"size": 10, "bold": True}, "overlay": False})
        chart.set_x_axis({"name": "Authority (sorted from highest to lowest)", "name_font": {"size": 9},
                          "num_font": {"size": 7, "rotation": -60}, "interval_unit": 1, "label_position": "low"})
        chart.set_y_axis({"name": unit, "name_font": {"size": 9}, "num_font": {"size": 8},
                          "num_format": xlsx.number_format(f.unit) if f.unit != "count" or not is_score(f) else "0",
                          "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}, "min": _axis_min(rows, f)})
        chart.set_legend({"position": "bottom", "font": {"size": 8}})
        chart.set_size({"width": CHART_WIDTH, "height": CHART_HEIGHT})
        ws.insert_chart(first_row, col, chart, {"description": _alt_text(f, rows, london, hidden_london, verdicts,
                                                                         line_name),
                                                "object_position": 3})
        self.charts += 1
        return True

    def _reference_line(self, f: Field) -> tuple[float, bool, str]:
        """The chart's dashed line: London's figure for a rate, percentage or score; for a count (a volume,
        whose London figure is a total far above any one authority), the median authority."""
        if f.derived or is_score(f):
            london = self.group[("London", "London", f.id)]
            return london.value, bool(london.suppressed), "London"
        median = self.spread.get(f.id, {}).get("median", math.nan)
        hidden = self.hides(f, median)
        return median, hidden, "London median (middle authority)"

    # --- Trends ----------------------------------------------------------------------------------

    def trends(self, ws: Worksheet) -> None:
        t = self.d.trends
        periods = self.d.periods
        headline = [f for f in self.spec.indicators if f.headline and f.numeric]
        first = self._title(ws, f"Trends: {periods[0]} to {periods[-1]}",
                            "Direction of travel compares each period with the one before. A rate or percentage has "
                            "improved or worsened only where its 95% intervals in the two periods do not overlap (as "
                            "Fingertips judges it); otherwise 'no significant change'. 'Higher' and 'lower' where "
                            "neither is better, and for counts and scores, which have no interval. London, hub, inner "
                            "and outer changes are like for like: over the authorities whose figure is in use in both "
                            "periods.", (9, 118))
        groups = [(k, g, label) for k, g, label in self.c.group_labels() if k in ("London", "Hub")]
        # London and hubs over time, one table and one line chart per headline indicator.
        ws.write_string(first, 0, "London and each hub over time", self.f.subtitle)
        row = first + 1
        values = dict(zip(zip(t.area_type, t.area, t.field_id, t.period), t.value)) if not t.empty else {}
        col_chart = len(periods) + 2
        ws.set_column(0, 0, 44)
        ws.set_column(1, max(len(periods), 2), 11)
        breaks: list[int] = []
        for f in headline:
            self._paragraph(ws, row, f.label, len(periods), 26 + 11 * len(periods), italic=False, bold=True,
                            font_color="#000000")
            table_first = row + 1
            self._table(ws, table_first, 0, len(groups), ["Area"] + periods, f"Trend_{f.id}")
            for i, (kind, group, label) in enumerate(groups, start=table_first + 1):
                ws.write_string(i, 0, label, self.f.get(bold=kind == "London"))
                for j, p in enumerate(periods, start=1):
                    xlsx.write_value(ws, i, j, values.get((kind, group, f.id, p), math.nan), self.value_format(f))
            last = table_first + len(groups)
            chart = self.wb.add_chart({"type": "line"})
            for i, (kind, group, label) in enumerate(groups, start=table_first + 1):
                chart.add_series({
                    "name": [ws.name, i, 0], "categories": [ws.name, table_first, 1, table_first, len(periods)],
                    "values": [ws.name, i, 1, i, len(periods)],
                    "line": {"width": 3, "color": "#000000"} if kind == "London" else {"width": 1.25},
                    "marker": {"type": "circle", "size": 5 if kind == "London" else 4},
                })
            title = _wrap_title(f"{f.label}: London and hubs")
            chart.set_title({"name": title, "name_font": {"size": 10}})
            chart.set_x_axis({"name": "Period", "name_font": {"size": 9}})
            chart.set_y_axis({"name": _axis_unit(f), "name_font": {"size": 9}, "num_format": xlsx.number_format(f.unit),
                              "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}})
            chart.set_legend({"position": "right", "font": {"size": 8}})
            chart.set_size({"width": 620, "height": 300})
            london_values = [values.get(("London", "London", f.id, p), math.nan) for p in periods]
            description = (f"Line chart of {f.label} over the periods {', '.join(periods)} for London (thick black line) "
                           f"and each hub. London: " + ", ".join(f"{p} {_fmt(v, f)}" for p, v in zip(periods, london_values)) + ".")
            ws.insert_chart(row, col_chart, chart, {"description": description[:2000], "object_position": 3})
            self.charts += 1
            row = max(last + 2, row + 300 // ROW_PX + 1)
            if headline.index(f) % 3 == 2:  # three charts to a printed page at the scale the sheet prints
                breaks.append(row)
        breaks.append(row + 1)
        row = self._london_changes(ws, row + 1, t)
        breaks.append(row)
        ws.set_h_pagebreaks(sorted(set(breaks)))
        self._direction_table(ws, row, t)
        ws.freeze_panes(1, 1)
        self._print(ws)

    def trend_figures(self, ws: Worksheet) -> None:
        first = self._title(ws, f"Trend figures: {self.d.periods[-2]} to {self.d.periods[-1]}",
                            "Every group's figures in both periods over the same authorities, its change and direction. "
                            "The Trends sheet shows London's and each group's direction on one page.", (7, 118))
        self._like_for_like_table(ws, first + 1, self.d.trends)
        xlsx.print_heading_only(ws, self.d.header, self.f, first, 7)

    def _london_changes(self, ws: Worksheet, row: int, t: pd.DataFrame) -> int:
        """One row per indicator: London's change like for like, then each group's direction as a letter."""
        before, now = self.d.periods[-2], self.d.periods[-1]
        latest = t[(t.period == now) & (t.area_type != "Authority")] if not t.empty else t
        rows = {(r["area_type"], r["area"], r["field_id"]): r for r in latest.to_dict("records")}
        fields = [f for f in self.spec.indicators if f.numeric]
        groups = [(k, g, label) for k, g, label in self.c.group_labels() if k != "London" and k not in COMPARATOR_GROUPS]
        ws.write_string(row, 0, f"London's change from {before} to {now}, like for like, and each group's direction",
                        self.f.subtitle)
        london = rows.get(("London", "London", fields[0].id), {}) if fields else {}
        self._paragraph(ws, row + 1, (
            f"London's change compares the same authorities in both periods; left out because they returned in one "
            f"period only: {london.get('left_out') or 'none'}. Each group's letter is its own like-for-like direction: "
            "I improving · W worsening (significant at 95%) · = no significant change · H higher · L lower · "
            "* small number. Every group's figures are on the sheet 'Trend figures'."), 7, 80)
        first = row + 2
        headers = ["Indicator", f"London {before}", f"London {now}", "London"] + [label for _, _, label in groups]
        self._table(ws, first, 0, len(fields), headers, "London_changes")
        ws.set_row(first, 6 * max(len(h) for h in headers[3:]) + 12)
        rotated = self.f.get(bold=True, rotation=90, bg_color="#D9E1F2", border=1, align="center", valign="bottom")
        for j, label in enumerate(headers[3:], start=3):
            ws.write_string(first, j, label, rotated)
        for i, f in enumerate(fields, start=first + 1):
            r = rows.get(("London", "London", f.id), {})
            ws.write_string(i, 0, xlsx.cell_text(_short_label(f, 0)), self.f.text)
            hidden = self.hides(f, r.get("previous")) or self.hides(f, r.get("current_like"))
            for col, key in ((1, "previous"), (2, "current_like")):
                if hidden:
                    ws.write_string(i, col, SUPPRESSED, self.gap_format)
                else:
                    xlsx.write_value(ws, i, col, _number_or_none(r.get(key)), self.value_format(f))
            for j, (kind, group) in enumerate([("London", "London")] + [(k, g) for k, g, _ in groups], start=3):
                words = rows.get((kind, group, f.id), {}).get("direction", "no comparison")
                ws.write_string(i, j, DIRECTION_LETTERS.get(words, ""), self.verdict_format(words, align="center"))
        return first + len(fields) + 3

    def _like_for_like_table(self, ws: Worksheet, row: int, t: pd.DataFrame) -> int:
        """London's, each hub's, inner and outer London's change since the period before, like for like."""
        before, now = self.d.periods[-2], self.d.periods[-1]
        groups = self.c.group_labels()
        latest = t[(t.period == now) & (t.area_type != "Authority")] if not t.empty else t
        rows = {(r["area_type"], r["area"], r["field_id"]): r for r in latest.to_dict("records")}
        fields = [f for f in self.spec.indicators if f.numeric]
        ws.write_string(row, 0, f"London and groups: change from {before} to {now}, like for like", self.f.subtitle)
        london = rows.get(("London", "London", fields[0].id), {}) if fields else {}
        note = (f"Each change compares the same authorities in both periods. London: {len(self.c.returned)} returns "
                f"in use for {now}; authorities left out of the changes because they returned in one period only: "
                f"{london.get('left_out') or 'none'}. 'Authorities' counts those whose figure is in both periods.")
        self._paragraph(ws, row + 1, note, 7, 118)
        first = row + 2
        headers = ["Area", "Reference", f"{before} (same authorities)", f"{now} (same authorities)", "Change",
                   "Direction", "Authorities", "Left out (returned in one period only)"]
        body = [(k, g, label, f) for k, g, label in groups for f in fields]
        self._table(ws, first, 0, len(body), headers, "Group_changes")
        ws.set_row(first, 30)
        for i, (kind, group, label, f) in enumerate(body, start=first + 1):
            r = rows.get((kind, group, f.id), {})
            ws.write_string(i, 0, label, self.f.get(bold=kind == "London"))
            ws.write_string(i, 1, f.id, self.f.text)
            hidden = self.hides(f, r.get("previous")) or self.hides(f, r.get("current_like"))
            for col, key in ((2, "previous"), (3, "current_like"), (4, "change")):
                if hidden:
                    ws.write_string(i, col, SUPPRESSED, self.gap_format)
                else:
                    xlsx.write_value(ws, i, col, _number_or_none(r.get(key)),
                                     self.change_format(f) if key == "change" else self.value_format(f))
            words = r.get("direction", "no comparison")
            ws.write_string(i, 5, words, self.verdict_format(words))
            ws.write_number(i, 6, int(r.get("authorities", 0) or 0), self.f.get(num_format=COUNT_OF_THINGS))
            xlsx.write_value(ws, i, 7, r.get("left_out", ""), self.f.text)
        return first + len(body) + 3

    def _direction_table(self, ws: Worksheet, row: int, t: pd.DataFrame) -> None:
        fields = [f for f in self.spec.indicators if f.derived]
        latest = t[(t.period == self.d.periods[-1])] if not t.empty else t
        ws.write_string(row, 0, f"Each authority's direction of travel, {self.d.periods[-2]} to {self.d.periods[-1]}",
                        self.f.subtitle)
        ws.write_string(row + 1, 0, "I improving · W worsening (both significant at 95%) · = no significant change · "
                        "H higher · L lower (where neither is better, or a count) · * small number, not compared · "
                        "blank: no comparison. Headings are the indicators' short names (see Definitions).",
                        self.f.get(italic=True, font_color="#404040"))
        first = row + 2
        areas = [("Authority", a.la_code, a.name, a.hub) for a in sorted(self.d.register, key=lambda a: (a.hub, a.name))]
        areas = [(k, g, label, "") for k, g, label in self.c.group_labels() if k not in COMPARATOR_GROUPS] + areas
        headers = ["Area", "Hub"] + [f.short for f in fields]
        self._table(ws, first, 0, len(areas), headers, "Direction_of_travel")
        ws.set_row(first, 6 * max(len(f.short) for f in fields) + 12 if fields else 30)
        ws.set_column(1 + len(self.d.periods), 1 + len(fields), 4.5)
        direction = dict(zip(zip(latest.area_type, latest.area, latest.field_id), latest.direction)) if not latest.empty else {}
        for i, (kind, area, label, hub) in enumerate(areas, start=first + 1):
            ws.write_string(i, 0, label, self.f.get(bold=kind != "Authority"))
            ws.write_string(i, 1, hub, self.f.text)
            for j, f in enumerate(fields, start=2):
                words = direction.get((kind, area, f.id), "no comparison")
                ws.write_string(i, j, DIRECTION_LETTERS.get(words, ""), self.verdict_format(words, align="center"))
        for j in range(2, 2 + len(fields)):
            ws.write_string(first, j, fields[j - 2].short, self.f.get(bold=True, rotation=90, bg_color="#D9E1F2", border=1,
                                                                     align="center"))

    # --- Data quality ----------------------------------------------------------------------------

    def quality(self, ws: Worksheet) -> None:
        fields = self.spec.indicators
        first = self._title(ws, f"Data quality: {self.d.period}", (
            "P provided · E estimated · N not available (the borough said so) · M missing (left blank in a return "
            "in use) · R rejected: awaiting a corrected return · - no return. Nothing is ever filled in for a gap. "
            "Column headings are indicator references; see the Definitions sheet."), (7, 90))
        a = self.c.authorities
        status = dict(zip(zip(a.la_code, a.field_id), a.status))
        authorities = list(self.d.register)
        headers = ["Authority", "Hub", "Return", "Provided", "Estimated", "Not available", "Missing",
                   "% provided"] + [f.short for f in fields]
        self._table(ws, first, 0, len(authorities), headers, "Completeness")
        ws.set_row(first, 6 * max([len(f.short) for f in fields] + [12]) + 12)
        ws.set_column(0, 0, 24)
        ws.set_column(1, 1, 12)
        ws.set_column(2, 2, 20)
        ws.set_column(3, 7, 9)
        ws.set_column(8, 7 + len(fields), 3.2)
        codes_format = {code: self.f.get(align="center", font_size=9, bg_color=fill, font_color=font) for code, (fill, font) in
                        {"P": ("#FFFFFF", "#006100"), "E": ("#FFEB9C", "#5C4A00"), "N": ("#D9D9D9", "#262626"),
                         "M": ("#FFC7CE", "#9C0006"), "R": ("#F4B183", "#5C1A00"), "-": ("#F2F2F2", "#404040")}.items()}
        returned, rejected = set(self.c.returned), set(self.c.rejected)
        for i, auth in enumerate(authorities, start=first + 1):
            ws.write_string(i, 0, auth.name, self.f.text)
            ws.write_string(i, 1, auth.hub, self.f.text)
            ws.write_string(i, 2, "In use" if auth.la_code in returned else _quality_words(
                REJECTED if auth.la_code in rejected else NO_RETURN), self.f.wrap)
            mine = [status.get((auth.la_code, f.id), MISSING) for f in fields]
            counts = {s: sum(1 for m in mine if m == s) for s in (PROVIDED, ESTIMATED, NOT_AVAILABLE, MISSING)}
            counts[PROVIDED] += sum(1 for m in mine if m == "suppressed")
            for j, s in enumerate((PROVIDED, ESTIMATED, NOT_AVAILABLE, MISSING), start=3):
                ws.write_number(i, j, counts[s], self.f.get(num_format=COUNT_OF_THINGS))
            ws.write_number(i, 7, (counts[PROVIDED] + counts[ESTIMATED]) / len(fields) * 100 if fields else 0,
                            self.f.get(num_format='0"%"'))
            for j, s in enumerate(mine, start=8):
                code = STATUS_CODES.get(s, "M")
                ws.write_string(i, j, code, codes_format[code])
        for j, f in enumerate(fields, start=8):
            ws.write_string(first, j, f.short, self.f.get(bold=True, rotation=90, bg_color="#D9E1F2", border=1, align="center"))
        row = first + len(authorities) + 3
        row = self._ratings_table(ws, row)
        if not self.d.suppress:  # the messages quote boroughs' figures: the officer's, not for a shared pack
            self._warnings_table(ws, row + 2)
        ws.freeze_panes(first + 1, 1)
        self._print(ws, (first, first))

    def _ratings_table(self, ws: Worksheet, row: int) -> int:
        ratings = list(self.spec.ratings)
        ws.write_string(row, 0, "Data-quality ratings boroughs gave their figures", self.f.subtitle)
        a = self.c.authorities[self.c.authorities.returned]
        headers = ["Authority", "Hub"] + ratings + ["No rating"]
        first = row + 1
        returned = [x for x in self.d.register if x.la_code in set(self.c.returned)]
        self._table(ws, first, 0, len(returned), headers, "Ratings")
        for i, auth in enumerate(returned, start=first + 1):
            mine = a[a.la_code == auth.la_code].rating.fillna("")
            ws.write_string(i, 0, auth.name, self.f.text)
            ws.write_string(i, 1, auth.hub, self.f.text)
            for j, rating in enumerate(ratings, start=2):
                ws.write_number(i, j, int((mine == rating).sum()), self.f.get(num_format=COUNT_OF_THINGS))
            ws.write_number(i, 2 + len(ratings), int((mine == "").sum()), self.f.get(num_format=COUNT_OF_THINGS))
        return first + max(len(returned), 1) + 1

    def _warnings_table(self, ws: Worksheet, row: int) -> None:
        issues = self.d.issues
        ws.write_string(row, 0, "Returns in use with warnings: what was flagged", self.f.subtitle)
        first = row + 1
        headers = ["Code", "Authority", "Severity", "Indicator", "Sheet", "Cell", "What was flagged", "File"]
        names = {a.la_code: a.name for a in self.d.register}
        self._table(ws, first, 0, len(issues), headers, "Warnings")
        for i, r in enumerate(issues.itertuples(index=False), start=first + 1):
            for col, value in enumerate([r.la_code, names.get(r.la_code, ""), r.severity, r.field_id, r.sheet, r.cell,
                                         r.message, r.file]):
                xlsx.write_value(ws, i, col, value, self.f.text)

    # --- Challenges and gaps -----------------------------------------------------------------------

    def challenges(self, ws: Worksheet) -> None:
        section = next((s for s in self.spec.sections if s.kind == "table"), None)
        ch = self.d.challenges
        first = self._title(ws, f"Challenges and gaps: {self.d.period}",
                            "Every entry in the returns' logs. Use the filter buttons to pick an agency, a category or an authority.",
                            (5, 95))
        if section is None:
            ws.write_string(first, 0, "This collection has no challenges log.", self.f.get(italic=True, font_color="#404040"))
            return
        names = {a.la_code: a for a in self.d.register}
        first = self._challenges_summary(ws, first, section, ch)
        headers = ["Code", "Authority", "Hub", "Entry"] + [f.label for f in section.fields] + ["File"]
        widths = [7, 22, 12, 6] + [min(max(12, f.max_length / 40 if f.unit == "text" else 24), 60) for f in section.fields] + [26]
        self._table(ws, first, 0, len(ch), headers, "Challenges_and_gaps", widths=widths)
        ws.set_row(first, 32)
        for i, r in enumerate(ch.itertuples(index=False), start=first + 1):
            a = names.get(r.la_code)
            ws.write_string(i, 0, str(r.la_code), self.f.text)
            ws.write_string(i, 1, a.name if a else "", self.f.text)
            ws.write_string(i, 2, a.hub if a else "", self.f.text)
            ws.write_number(i, 3, int(r.row_number), self.f.get(num_format=COUNT_OF_THINGS))
            for j, f in enumerate(section.fields, start=4):
                xlsx.write_value(ws, i, j, getattr(r, f.id), self.f.wrap)
            xlsx.write_value(ws, i, 4 + len(section.fields), r.file, self.f.text)
            xlsx.fit_row(ws, i, ((getattr(r, f.id), widths[j]) for j, f in enumerate(section.fields, start=4)))
        ws.freeze_panes(first + 1, 2)
        self._print(ws, (first, first))

    def _challenges_summary(self, ws: Worksheet, row: int, section, ch: pd.DataFrame) -> int:
        """How many entries each agency logged in each category, above the list; returns the list's first row."""
        choices = [f for f in section.fields if f.unit == "choice"][:2]
        if len(choices) < 2:
            return row
        by, across = choices
        ws.write_string(row, 1, f"Entries by {by.label.lower()} and {across.label.lower()}", self.f.subtitle)
        first = row + 1
        headers = [by.label] + list(across.options) + ["Total"]
        self._table(ws, first, 1, len(by.options), headers, "Challenges_summary")
        rotated = self.f.get(bold=True, rotation=90, bg_color="#D9E1F2", border=1, align="center", valign="bottom",
                             text_wrap=True)
        for j, option in enumerate(list(across.options) + ["Total"], start=2):
            ws.write_string(first, j, option, rotated)
        ws.set_row(first, 6 * max(len(o) for o in [*across.options, "Total"]) + 12)
        count = self.f.get(num_format=COUNT_OF_THINGS, align="center")
        for i, option in enumerate(by.options, start=first + 1):
            mine = ch[ch[by.id] == option] if not ch.empty and by.id in ch else ch.iloc[0:0]
            ws.write_string(i, 1, option, self.f.text)
            for j, other in enumerate(across.options, start=2):
                ws.write_number(i, j, int((mine[across.id] == other).sum()) if not mine.empty else 0, count)
            ws.write_number(i, 2 + len(across.options), len(mine), count)
        return first + len(by.options) + 3

    # --- Profiles --------------------------------------------------------------------------------

    def profiles(self) -> None:
        """The borough profiles' rows for every authority; the profiles module owns its layout."""
        from .profiles import add_profiles_sheet

        add_profiles_sheet(self.wb, self.c, self.f)

    # --- Definitions -----------------------------------------------------------------------------

    def definitions(self, ws: Worksheet) -> None:
        fields = [f for f in self.spec.form_fields]
        first = self._title(ws, f"Definitions: {self.spec.title} (spec version {self.spec.version})")
        headers = ["Reference", "Indicator", "Definition", "Unit", "Worked out as", "Agency", "Theme", "Polarity",
                   "Headline", "National indicator", "Source"]
        widths = [16, 34, 50, 12, 22, 18, 24, 14, 9, 11, 44]
        self._table(ws, first, 0, len(fields), headers, "Definitions", widths=widths)
        polarity = {"higher_is_better": "Higher is better", "lower_is_better": "Lower is better", "neither": "Neither"}
        for i, f in enumerate(fields, start=first + 1):
            row = [f.id, f.label, f.definition, UNIT_LABELS.get(f.unit, f.unit), f.expression or "",
                   self.spec.agency_titles.get(f.agency or "", f.agency or ""),
                   self.spec.theme_titles.get(f.theme or "", f.theme or ""), polarity[f.polarity],
                   "Yes" if f.headline else "", f.national_indicator or "", f.source]
            for col, value in enumerate(row):
                ws.write_string(i, col, xlsx.cell_text(value), self.f.wrap)
            xlsx.fit_row(ws, i, zip(row, widths))
        ws.freeze_panes(first + 1, 1)
        self._print(ws, (first, first))

    # --- Data ------------------------------------------------------------------------------------

    def data(self, ws: Worksheet) -> None:
        fields = {f.id: f for f in self.spec.form_fields if f.unit not in ("text", "date")}
        frame = self.d.data
        frame = frame[frame.field_id.isin(fields)] if not frame.empty else frame
        order = {code: i for i, code in enumerate(fields)}
        frame = frame.assign(_order=frame.field_id.map(order)).sort_values(["la_code", "_order"]) if not frame.empty else frame
        names = {a.la_code: a.name for a in self.d.register}
        first = self._title(ws, f"Data: every figure in use, {self.d.period}",
                            "One row per figure. Rates and percentages are worked out again from the counts. "
                            "Sheet and cell say where in the borough's file each figure was typed.", (5, 112))
        headers = ["Code", "Authority", "Period", "Reference", "Indicator", "Value", "Unit", "Rating", "Comment",
                   "Source file", "Sheet", "Cell"]
        self._table(ws, first, 0, len(frame), headers, "Data", widths=[7, 22, 9, 16, 46, 12, 12, 12, 40, 26, 14, 7])
        text = self.f.text
        unit_formats = {u: self.f.unit(u) for u in ("count", "percentage", "rate_per_10000", "number")}
        score_format = self.f.get(num_format="0")
        gap = self.gap_format
        columns = ("la_code", "period", "field_id", "value", "number", "rating", "comment", "file", "sheet", "cell")
        rows = [SimpleNamespace(**dict(zip(columns, row))) for row in zip(*(frame[c].tolist() for c in columns))]
        for i, r in enumerate(rows, start=first + 1):
            f = fields[r.field_id]
            ws.write_string(i, 0, str(r.la_code), text)
            ws.write_string(i, 1, names.get(r.la_code, ""), text)
            ws.write_string(i, 2, str(r.period), text)
            ws.write_string(i, 3, f.id, text)
            ws.write_string(i, 4, xlsx.cell_text(f.label), text)
            if r.value == SUPPRESSED:
                ws.write_string(i, 5, SUPPRESSED, gap)
            elif f.numeric and not pd.isna(r.number):
                ws.write_number(i, 5, float(r.number), score_format if is_score(f) else unit_formats[f.unit])
            else:
                xlsx.write_value(ws, i, 5, r.value, text)
            ws.write_string(i, 6, UNIT_LABELS.get(f.unit, f.unit), text)
            xlsx.write_value(ws, i, 7, r.rating, text)
            xlsx.write_value(ws, i, 8, r.comment, text)
            xlsx.write_value(ws, i, 9, r.file, text)
            xlsx.write_value(ws, i, 10, r.sheet, text)
            xlsx.write_value(ws, i, 11, r.cell, text)
        ws.freeze_panes(first + 1, 2)
        xlsx.print_heading_only(ws, self.d.header, self.f, first - 1, len(headers) - 1)


# --- small pure helpers ----------------------------------------------------------------------------

def number_format_for(f: Field) -> str:
    """The unit's format; a bounded score (0-3) is a plain number, not a count of children."""
    return "0" if is_score(f) else xlsx.number_format(f.unit)


def _is_count(f: Field) -> bool:
    return f.unit == "count" and not f.derived and not is_score(f)


def _with_suffix(num_format: str, suffix: str) -> str:
    """A number format that writes words after the figure: `0.0"%"` and ' (worse)' give `0.0"% (worse)"`."""
    if num_format.endswith('"'):
        return num_format[:-1] + suffix.replace('"', "") + '"'
    return f'{num_format}"{suffix}"'


def _block_headers(f: Field, ratio: bool, england: bool = False, previous: str | None = None) -> list[str]:
    """The columns of one indicator's table: the value, last period's beside it, and only the comparisons
    the spec makes for it."""
    if not f.numeric:
        return ["Answer"]
    headers = ["Value"] + ([f"Previous ({previous})", "Change", "Change since previous"] if previous else [])
    if ratio:
        headers += ["Lower 95%", "Upper 95%", "Numerator", "Denominator"]
    headers += [h for h, c in (("Rank", "rank"), ("Quartile", "quartile")) if c in f.comparisons]
    if "significance" in f.comparisons:
        headers += ["Compared with London", "Compared with hub"] + (["Compared with England"] if england else [])
    return headers


def _theme_sheet_title(theme_id: str) -> str:
    return theme_id.replace("_", " ").capitalize()


def _shown_fields(fields: list[Field]) -> list[Field]:
    """The indicators a reader compares: rates, percentages and counts that stand alone.

    Counts that are only a numerator or denominator appear inside their rate's table instead.
    """
    parts = {n for f in fields if f.derived for n in f.parsed_expression.names}
    return [f for f in fields if f.derived or f.id not in parts]


def _short_label(f: Field, limit: int = 70) -> str:
    """The indicator's own short words (from the spec, unique to it), with its unit where they do not say it."""
    label = f.label if len(f.label) <= limit else f.short
    unit = {"percentage": (" (%)", "%"), "rate_per_10000": (" (per 10,000)", "per 10,000")}.get(f.unit)
    return f"{label}{unit[0]}" if unit and unit[1] not in label else label


def _header_height(headers: list[str], width: float) -> float:
    lines = max((math.ceil(len(h) * 1.25 / max(width - 1, 1)) for h in headers), default=1)
    return min(15 * lines + 6, 170)


def _describe(f: Field, spec: Spec) -> str:
    polarity = {"higher_is_better": "Higher is better.", "lower_is_better": "Lower is better.",
                "neither": "Neither higher nor lower is better."}[f.polarity]
    parts = [f"{f.id}" + (f" ({f.national_indicator})" if f.national_indicator else ""),
             UNIT_LABELS.get(f.unit, f.unit) + ".", polarity]
    if f.derived and f.parsed_expression.ratio:
        r = f.parsed_expression.ratio
        method = "Wilson score" if f.unit == "percentage" else "Byar's method"
        parts.append(f"Worked out from the counts: {spec.fields[r.numerator].label} / {spec.fields[r.denominator].label}"
                     f"; 95% interval by {method}.")
    elif is_score(f):
        parts.append("A score, not a count: London and groups show the median; ranked, never tested for "
                     "significance.")
    elif f.is_count:
        rates = [g.id for g in spec.form_fields if g.derived and f.id in g.parsed_expression.names]
        parts.append("A count: a volume, shown with London's total but never ranked or compared"
                     + (f"; compare its rate ({', '.join(rates)})." if rates else "."))
    parts.append(f.definition)
    return " ".join(p for p in parts if p)


def _gap_words(status: str) -> str:
    return {NO_RETURN: "no return", REJECTED: REJECTED, NOT_AVAILABLE: "not available", MISSING: "missing"}.get(status, "")


def _quality_words(status: str) -> str:
    return {NO_RETURN: "No return", REJECTED: "Rejected: awaiting a corrected return", PROVIDED: "Provided",
            ESTIMATED: "Estimated", NOT_AVAILABLE: "Not available", MISSING: "Missing (left blank)",
            "suppressed": "Provided"}.get(status, status)


def _series_verdicts(f: Field, rows: list) -> list[str]:
    if "significance" not in f.comparisons:
        return ["not compared"]
    verdicts = ["better", "similar", "worse"] if f.polarity != "neither" else ["higher", "similar", "lower"]
    return verdicts + [SMALL_NUMBER] if any(r.vs_london == SMALL_NUMBER for r in rows) else verdicts


def _verdict_series(verdict: str, verdicts: list[str]) -> str:
    if verdict in verdicts:
        return verdict
    return "similar" if "similar" in verdicts else verdicts[0]


def _axis_unit(f: Field) -> str:
    return {"percentage": "Percentage", "rate_per_10000": "Rate per 10,000 children aged 0-17",
            "count": "Score (median for groups)" if is_score(f) else "Number", "number": "Number"}.get(f.unit, f.unit)


def _axis_min(rows: list, f: Field) -> float | None:
    low = min(r.value for r in rows)
    return 0 if low >= 0 else None


def _wrap_title(text: str, width: int = 70) -> str:
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


def _fmt(value: float, f: Field) -> str:
    if value is None or pd.isna(value):
        return "not available"
    if f.unit == "percentage":
        return f"{value:.1f}%"
    if f.unit == "count" and not is_score(f):
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _alt_text(f: Field, rows: list, london: float, hidden_london: bool, verdicts: list[str],
              line_name: str = "London") -> str:
    top, bottom = rows[0], rows[-1]
    text = (f"Column chart of {f.label} for {len(rows)} authorities, sorted from highest to lowest. "
            f"Highest: {top.name} ({_fmt(top.value, f)}); lowest: {bottom.name} ({_fmt(bottom.value, f)}). ")
    if not hidden_london and not pd.isna(london):
        text += f"{line_name}, drawn as a dashed line: {_fmt(london, f)}. "
    text += "A diamond marks each authority's hub figure. "
    if verdicts != ["not compared"]:
        counts = {v: sum(1 for r in rows if _verdict_series(r.vs_london, verdicts) == v) for v in verdicts}
        text += ("Bars are coloured by comparison with London using 95% confidence intervals (shown as error bars): "
                 + ", ".join(f"{counts[v]} {v}" for v in verdicts) + ".")
    return text[:2000]


def _group_status(g) -> str:
    """A group figure is there when authorities gave it, or when it is a published comparator's."""
    return PROVIDED if g.authorities or (g.group_type in COMPARATOR_GROUPS and not pd.isna(g.value)) else MISSING


def _number_or_none(value: Any) -> float | None:
    return None if _blank(value) or pd.isna(value) else float(value)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _col(index: int) -> str:
    from xlsxwriter.utility import xl_col_to_name

    return xl_col_to_name(index)


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        h = xlsx.cell_text(h)[:255] or "Column"
        key = h.lower()
        if key in seen:
            seen[key] += 1
            h = f"{h} ({seen[key]})"
        else:
            seen[key] = 1
        out.append(h)
    return out


def _how_to_read() -> str:
    return (
        "Rates and percentages are worked out from the counts each borough entered. London, hub, inner and outer "
        "London figures add up the counts of the authorities that returned (sums of numerators over sums of "
        "denominators), never an average of percentages. Each authority's rate or percentage has a 95% confidence "
        "interval (Wilson score for percentages, Byar's method for rates, as OHID's Fingertips does): it is called "
        "better or worse than London only where the interval excludes London's figure, so a small authority is not "
        "flagged on chance alone. Where neither higher nor lower is better, the words are 'higher' and 'lower'. "
        "Colours always come with those words. Rank 1 is the best authority (or the highest where neither is "
        "better); quartile Q1 is the best quarter."
    )
