"""What the mapping and consultation master workbooks share: the returns, the answers, and how to show them.

Both are built from the store and the spec only. Which columns are summarised,
and how, comes from each field's `summary` in the spec: `item` names what a
row is about, `group` groups rows, `score` is summarised by median and mean,
`tally` is counted (optionally split by another column), `list` is listed in
full. Text a borough typed is always written as text, never as a formula.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ..spec.models import Field, Section, Spec, split_value_id
from ..spec.register import Register
from ..store.db import Store
from ..store.returns import is_a_return, return_standing
from . import palette, xlsx
from ..wording import plural
from .builder import Column, SheetPlan, WorkbookBuilder, stamp

IN_USE = ("accepted", "accepted_with_warnings")
STATUS_WORDS = {"accepted": "Accepted", "accepted_with_warnings": "Accepted with warnings",
                "rejected": "Rejected", "unreadable": "Could not be read"}
NOT_RECEIVED = "Not received"
WHOLE = "0"
SHARE = '0%'
SCORE = "0.0"
LONDON = "London"
NONE_YET = "None received yet"


@dataclass
class SurveyData:
    """Everything a survey's master workbook shows, gathered from the store before any writing."""

    spec: Spec
    register: Register
    period: str
    produced_at: datetime
    values: pd.DataFrame
    tracker: pd.DataFrame
    files_received: int

    @property
    def header(self) -> str:
        return f"{self.spec.title} · {self.period}"

    @property
    def returned(self) -> list[str]:
        """Codes of the authorities whose return is in use, in register order."""
        return [r.la_code for r in self.tracker.itertuples() if r.in_use]

    def hub_of(self, la_code: str) -> str:
        authority = self.register.by_code(la_code)
        return authority.hub if authority else ""

    def name_of(self, la_code: str) -> str:
        authority = self.register.by_code(la_code)
        return authority.name if authority else la_code


def gather_survey(store: Store, spec: Spec, register: Register, period: str, produced_at: datetime) -> SurveyData:
    submissions = store.submissions(spec.id, period)
    live = submissions[is_a_return(submissions)] if not submissions.empty else submissions
    return SurveyData(spec=spec, register=register, period=period, produced_at=produced_at,
                      values=store.values_in_use(spec.id, period), tracker=_tracker(live, register),
                      files_received=len(live))


def _tracker(live: pd.DataFrame, register: Register) -> pd.DataFrame:
    """One row per authority: its return in use, else its latest return that could not be used, else nothing."""
    rows = []
    for a in register:
        row = return_standing(live, a.la_code)
        rows.append({"la_code": a.la_code, "name": a.name, "hub": a.hub,
                     "status": STATUS_WORDS.get(row.get("status"), NOT_RECEIVED),
                     "received_at": row.get("received_at") or "", "file": row.get("file") or "",
                     "errors": row.get("errors"), "warnings": row.get("warnings"), "message": row.get("message") or "",
                     "in_use": row.get("status") in IN_USE})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- answers as frames


def same_words(text: Any) -> str:
    """A key under which answers count as the same: case, spacing and punctuation at the ends ignored."""
    return re.sub(r"\s+", " ", str(text)).strip(" .;,-").casefold()


def table_answers(data: SurveyData, section: Section) -> pd.DataFrame:
    """One row per row of the section used in any return: authority, hub, row number (and fixed row id),
    the cell of its first answer, and one column per field (numbers for numeric fields, else text)."""
    own = data.values[data.values.section_id == section.id] if not data.values.empty else data.values
    columns = ["la_code", "name", "hub", "row_number", "row_id", "sheet", "row", "file"] + [f.id for f in section.fields]
    if own.empty:
        return pd.DataFrame(columns=columns)
    fields = {f.id: f for f in section.fields}
    records: dict[tuple[str, int], dict[str, Any]] = {}
    for v in own.itertuples(index=False):
        row_id, field_id = split_value_id(v.field_id)
        f = fields.get(field_id)
        if f is None:
            continue
        key = (v.la_code, int(v.row_number))
        record = records.setdefault(key, {"la_code": v.la_code, "name": data.name_of(v.la_code),
                                          "hub": data.hub_of(v.la_code), "row_number": int(v.row_number),
                                          "row_id": row_id or "", "sheet": v.sheet,
                                          "row": int(re.sub(r"\D", "", v.cell) or 0), "file": v.file})
        record[field_id] = v.number if f.numeric and not _missing(v.number) else (None if _missing(v.value) else v.value)
    order = {code: i for i, code in enumerate(a.la_code for a in data.register)}
    frame = pd.DataFrame(list(records.values()), columns=columns)
    return frame.sort_values(["la_code", "row_number"], key=lambda s: s.map(order) if s.name == "la_code" else s,
                             ignore_index=True)


def form_answers(data: SurveyData, f: Field) -> pd.DataFrame:
    """Each authority's answer to one form field, in register order: la_code, name, hub, value, cell."""
    own = data.values[data.values.field_id == f.id] if not data.values.empty else data.values
    answers = {v.la_code: v for v in own.itertuples(index=False)}
    rows = []
    for code in data.returned:
        v = answers.get(code)
        value = None if v is None else (v.number if f.numeric and not _missing(v.number) else v.value)
        rows.append({"la_code": code, "name": data.name_of(code), "hub": data.hub_of(code),
                     "value": None if _missing(value) else value, "sheet": getattr(v, "sheet", ""),
                     "cell": getattr(v, "cell", "")})
    return pd.DataFrame(rows, columns=["la_code", "name", "hub", "value", "sheet", "cell"])


NOT_SAID = "Not said"


def tally(frame: pd.DataFrame, f: Field, split: Field | None = None) -> pd.DataFrame:
    """How often each answer was given, and by how many authorities, most often first (choices in spec
    order on a tie); with a split, how many of each were given each answer of the other column, and how
    many did not say, so that the split adds up to the times given."""
    columns = ["answer", "times", "authorities"] + (list(split.options) + [NOT_SAID] if split else [])
    given = frame[frame[f.id].notna()] if f.id in frame else frame.iloc[0:0]
    if given.empty:
        return pd.DataFrame(columns=columns)
    keys = given[f.id].map(same_words)
    rows = []
    for key, members in given.groupby(keys, sort=False):
        row = {"answer": commonest(members[f.id]), "times": len(members), "authorities": members.la_code.nunique()}
        if split is not None:
            row.update({o: int((members[split.id] == o).sum()) for o in split.options})
            row[NOT_SAID] = len(members) - sum(row[o] for o in split.options)
        rows.append(row)
    result = pd.DataFrame(rows, columns=columns)
    rank = {same_words(o): i for i, o in enumerate(f.options)}
    result["_rank"] = result.answer.map(lambda a: rank.get(same_words(a), len(rank)))
    result = result.sort_values(["authorities", "times", "_rank", "answer"], ascending=[False, False, True, True])
    return result.drop(columns="_rank").reset_index(drop=True)


def apart_from_nothing(counts: pd.DataFrame, f: Field) -> tuple[pd.DataFrame, pd.Series | None]:
    """The answers that name something, and the row of the answer that says there is nothing (such as
    'None' for a block), which is shown apart and never ranked among them."""
    if f.nothing_choice is None or counts.empty:
        return counts, None
    nothing = counts.answer.map(same_words) == same_words(f.nothing_choice)
    rest = counts[~nothing].reset_index(drop=True)
    return rest, (counts[nothing].iloc[0] if nothing.any() else None)


def commonest(texts: pd.Series) -> str:
    """The spelling most boroughs used, for answers that count as the same; on a tie, the one with
    more capitals (names of systems and agencies are usually typed properly by someone), then the first."""
    counts = Counter(" ".join(str(t).split()) for t in texts)
    return max(counts, key=lambda text: (counts[text], sum(c.isupper() for c in text)))


def _missing(value: Any) -> bool:
    return xlsx.is_blank(value)


def score_summary(frame: pd.DataFrame, scores: list[Field]) -> dict[str, float | None]:
    """Median and mean of each score over the rows given, and how many rows gave it."""
    out: dict[str, float | None] = {}
    for f in scores:
        numbers = pd.to_numeric(frame[f.id], errors="coerce").dropna() if f.id in frame else pd.Series(dtype=float)
        out[f"{f.id}:n"] = float(len(numbers))
        out[f"{f.id}:median"] = float(numbers.median()) if len(numbers) else None
        out[f"{f.id}:mean"] = float(numbers.mean()) if len(numbers) else None
    return out


def sheet_title(text: str) -> str:
    """A sheet name from a label: up to 31 characters, cut at a word, without a trailing question mark."""
    words, title = str(text).rstrip("?:. ").split(), ""
    for word in words:
        if len(f"{title} {word}".strip()) > xlsx.SHEET_NAME_LIMIT:
            break
        title = f"{title} {word}".strip()
    if title != " ".join(words):
        kept = title.split()
        while len(kept) > 1 and kept[-1].lower() in DANGLING:
            kept.pop()
        title = " ".join(kept)
    return (title or str(text)[: xlsx.SHEET_NAME_LIMIT]).rstrip(" ,;:-(")


DANGLING = {"a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with", "your"}


def short(text: str, limit: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,;:(") + "…"


# ---------------------------------------------------------------- the workbook


class Plan(SheetPlan):
    """The sheets in workbook order; a sheet's name is made from its title's first words."""

    def add(self, title: str, about: str, draw: Callable[[Worksheet], None] | None = None) -> str:
        return super().add(sheet_title(title), about, draw)


class SurveyWorkbook(WorkbookBuilder):
    """Contents, returns tracker, and the building blocks of every other sheet; subclasses plan the rest."""

    title = "Master workbook"
    about = ""

    def __init__(self, workbook: xlsxwriter.Workbook, data: SurveyData) -> None:
        super().__init__(workbook, header=data.header, stamp=stamp(data.period, data.produced_at))
        self.d = data
        self.spec = data.spec
        self.plan = Plan()

    def plan_sheets(self) -> None:
        raise NotImplementedError

    def render(self) -> None:
        self.wb.set_properties({"title": f"{self.title}, {self.d.period}", "subject": self.spec.title,
                                "comments": "Made by lscb-workbooks from the returns in the store."})
        self.plan.add("Contents", "This page: what the workbook holds and how many returns it rests on.", self.contents)
        self.plan.add("Returns tracker", "Every authority: whether its return arrived, and what was wrong with it.",
                      self.tracker)
        self.plan_sheets()
        sheets = [(self.wb.add_worksheet(name), draw) for name, _, draw in self.plan.entries]
        for ws, draw in sheets:
            draw(ws)
        sheets[0][0].activate()

    # --- building blocks ----------------------------------------------------------------------

    def text(self, ws: Worksheet, row: int, col: int, value: Any, wrap: bool = False) -> None:
        xlsx.write_value(ws, row, col, value, self.f.wrap if wrap else self.f.text)

    def number(self, ws: Worksheet, row: int, col: int, value: Any, num_format: str = WHOLE) -> None:
        """A number, or a dash in words when there is none to show."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            ws.write_string(row, col, "–", self.f.get(align="center", font_color="#595959", valign="top"))
        else:
            ws.write_number(row, col, float(value), self.f.get(num_format=num_format, valign="top"))

    def bar_chart(self, ws: Worksheet, sheet: str, anchor: tuple[int, int], categories: tuple[int, int, int],
                  series: list[tuple[str, int]], title: str, x_title: str, y_title: str, description: str,
                  horizontal: bool = True, stacked: bool = False, size: tuple[int, int] | None = None,
                  y_range: tuple[float, float] | None = None, colours: list[str] | None = None,
                  point_colours: list[str] | None = None) -> None:
        """A native bar or column chart over a table already on a sheet, with titles and alt text.

        `categories` is (first row, last row, column); each series is (name, column) over the same rows.
        `colours` gives each series the colour of its category (from the palette), so that a chart and
        the table beside it agree; without them, neutral colours in turn. `point_colours` colours each
        bar of a single series by its own category. Every category is labelled.
        """
        colours = colours or [palette.NEUTRAL_SERIES[i % len(palette.NEUTRAL_SERIES)] for i in range(len(series))]
        first, last, col = categories
        kind = "bar" if horizontal else "column"
        chart = self.wb.add_chart({"type": kind, **({"subtype": "stacked"} if stacked else {})})
        for i, (name, value_col) in enumerate(series):
            chart.add_series({
                "name": name, "categories": [sheet, first, col, last, col],
                "values": [sheet, first, value_col, last, value_col],
                "fill": {"color": colours[i]}, "border": {"color": "#404040", "width": 0.5}, "gap": 60,
                **({"overlap": 100} if stacked else {}),
                **({"points": [{"fill": {"color": c}} for c in point_colours]} if point_colours else {}),
            })
        chart.set_title({"name": title, "name_font": {"size": 11}, "overlay": False})
        category_axis = {"name": x_title, "name_font": {"size": 9}, "num_font": {"size": 8}, "interval_unit": 1}
        value_axis = {"name": y_title, "name_font": {"size": 9}, "num_font": {"size": 8},
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}}
        value_axis.update(min=y_range[0] if y_range else 0)
        if y_range:
            value_axis.update(max=y_range[1])
        if horizontal:
            category_axis["reverse"] = True
            chart.set_x_axis(value_axis)
            chart.set_y_axis(category_axis)
        else:
            chart.set_x_axis(category_axis)
            chart.set_y_axis(value_axis)
        chart.set_legend({"position": "bottom", "font": {"size": 8}} if len(series) > 1 else {"none": True})
        rows = last - first + 1
        width, height = size or (720, max(300, min(1400, 90 + 22 * rows * (1 if stacked or len(series) == 1 else len(series)))))
        chart.set_size({"width": width, "height": height})
        ws.insert_chart(anchor[0], anchor[1], chart, {"description": description[:2000], "object_position": 3})

    # --- Contents and the returns tracker -------------------------------------------------------

    def facts(self) -> list[tuple[str, Any]]:
        """What the Contents sheet says about the returns; subclasses add their own."""
        t = self.d.tracker
        return [("Period", self.d.period), ("Date produced", self.d.produced_at.strftime("%d %B %Y, %H:%M")),
                ("Spec version", self.spec.version), ("Authorities in the register", len(self.d.register)),
                ("Files received for the period", self.d.files_received),
                ("Returns in use (accepted)", int(t.in_use.sum())),
                ("Returns rejected (not in use)", int((t.status == "Rejected").sum())),
                ("Authorities with nothing received", int((t.status == NOT_RECEIVED).sum()))]

    def contents(self, ws: Worksheet) -> None:
        missing = self.d.tracker[self.d.tracker.status == NOT_RECEIVED].name.tolist()
        row = self.contents_top(ws, self.title, self.spec.title, self.facts(), missing, (42, 100)) + 1
        ws.write_string(row, 0, "How to read it", self.f.subtitle)
        self.paragraph(ws, row + 1, self.about, 1, 134, italic=False, font_color="#000000")
        row += 3
        ws.write_string(row, 0, "Sheets", self.f.subtitle)
        self.sheet_links(ws, row + 1, [(name, about) for name, about, _ in self.plan.entries])
        self.print_layout(ws)

    def tracker(self, ws: Worksheet) -> None:
        t = self.d.tracker
        first = self.heading(ws, f"Returns tracker: {self.d.period}",
                             "Every authority in the register. Only returns in use (accepted) are counted in the "
                             "other sheets; the message says what was wrong with any other.", (8, 200))
        count = self.f.get(num_format=WHOLE, valign="top")

        columns = [
            Column("Code", 7, "la_code"), Column("Authority", 24, "name"), Column("Hub", 13, "hub"),
            Column("Status", 21, "status", style=lambda r: self.return_state(r.status)),
            Column("Received", 17, lambda r: str(r.received_at)[:16].replace("T", " ")),
            Column("File", 34, "file", wrap=True),
            Column("Errors", 8, lambda r: None if _missing(r.errors) else int(r.errors), style=count),
            Column("Warnings", 9, lambda r: None if _missing(r.warnings) else int(r.warnings), style=count),
            Column("What happened", 70, "message", wrap=True),
        ]
        self.table(ws, first, columns, t.itertuples(index=False), "Returns_tracker", fit_header=True,
                   empty_note=NONE_YET)
        ws.freeze_panes(first + 1, 2)
        self.print_layout(ws, (first, first))

    def number_column(self, header: str, width: float | None, value: str | Callable[[Any], Any],
                      num_format: str = WHOLE) -> Column:
        """A column of numbers, with a dash where there is none to show."""
        column = Column(header, width, value)
        return Column(header, width, write=lambda ws, row, col, r: self.number(ws, row, col, column.value_of(r),
                                                                                num_format))

    # --- sheets every survey can have ----------------------------------------------------------

    def plan_form_sheets(self) -> None:
        """A sheet for each form question the spec asks to summarise: counted (tally) or listed in full (list)."""
        for f in self.spec.form_fields:
            if f.summary == "tally":
                self.plan.add(f.label, f"How the authorities answered '{f.label}', with a chart.",
                              lambda ws, f=f: self.form_tally(ws, f))
            elif f.summary == "list":
                self.plan.add(f.label, f"Every authority's answer to '{f.label}', in full.",
                              lambda ws, f=f: self.answers_sheet(ws, f))

    def form_tally(self, ws: Worksheet, f: Field) -> None:
        answers = form_answers(self.d, f).rename(columns={"value": f.id})
        self.tally_sheet(ws, f, answers, ws.name, "authorities")

    def answers_sheet(self, ws: Worksheet, f: Field) -> None:
        """Each authority's answer to one question of the form, in full, for reading."""
        answers = form_answers(self.d, f)
        answered = answers[answers.value.notna()]
        first = self.heading(ws, f.label, f"{len(answered)} of {len(answers)} returns in use answered this. "
                             + (f.definition or ""), (2, 135))
        columns = [Column("Authority", 22, "name"), Column("Hub", 13, "hub"),
                   Column("Answer", 100, "value", wrap=True),
                   Column("Cell in the return", 24, lambda r: f"{r.sheet}!{r.cell}")]
        self.table(ws, first, columns, answered.itertuples(index=False), f"Answers_{f.id}", fit_header=True,
                   empty_note=NONE_YET)
        ws.freeze_panes(first + 1, 1)
        self.print_layout(ws, (first, first))

    def tally_sheet(self, ws: Worksheet, f: Field, frame: pd.DataFrame, sheet: str, what: str) -> None:
        """How often each answer was given, with a bar chart beside the table."""
        split = self.spec.fields.get(f.split_by) if f.split_by else None
        counts, nothing = apart_from_nothing(tally(frame, f, split), f)
        given = int(frame[f.id].notna().sum()) if f.id in frame else 0
        parts = list(split.options) + [NOT_SAID] if split else []
        note = (f"{given} {what} answered '{f.label}' across London. 'Authorities' counts the authorities giving "
                "each answer at least once." + (f" Split by '{split.label}'; '{NOT_SAID}' where that was left "
                                                "blank, so the split adds up to the times given." if split else ""))
        if f.nothing_choice is not None:
            times = int(nothing.times) if nothing is not None else 0
            authorities = int(nothing.authorities) if nothing is not None else 0
            note += (f" '{f.nothing_choice}' was given {plural(times, 'time')} by {plural(authorities, 'authority')}"
                     ": it says there is nothing to count, so it is not "
                     "listed or charted among the answers.")
        first = self.heading(ws, f.label, note, (3, 74))
        returned = max(len(self.d.returned), 1)
        columns = [Column("Answer", 40, "answer", wrap=True), self.number_column("Times given", 11, "times"),
                   self.number_column("Authorities", 11, "authorities"),
                   self.number_column("Share of authorities", 12, lambda r: r["authorities"] / returned, SHARE)]
        columns += [self.number_column(part, 11, part) for part in parts]
        self.table(ws, first, columns, counts.to_dict("records"), f"Tally_{f.id}", fit_header=True,
                   empty_note=NONE_YET)
        if not counts.empty:
            last = first + len(counts)
            chart_col = 5 + len(parts)
            series = [(o, 4 + j) for j, o in enumerate(parts)] if split else [("Authorities", 2)]
            top = "; ".join(f"{r.answer} ({r.authorities})" for r in counts.head(5).itertuples())
            self.bar_chart(ws, sheet, (first, chart_col), (first + 1, last, 0), series, short(f.label, 150),
                           "Answer", "Times given" if split else "Authorities giving this answer",
                           f"Bar chart of the answers to '{f.label}', most often first. Top answers with the number "
                           f"of authorities: {top}.", stacked=bool(split),
                           size=(720, max(300, 110 + 26 * len(counts))))
        ws.freeze_panes(first + 1, 0)
        self.print_layout(ws, (first, first))

    def rows_sheet(self, ws: Worksheet, section: Section, frame: pd.DataFrame, lead: list[tuple[str, str, float]]) -> None:
        """Every row of a table from every return in use, filterable, each traced to its file and row."""
        first = self.heading(ws, f"All {section.title.lower()}",
                             f"{len(frame)} rows from {frame.la_code.nunique() if not frame.empty else 0} returns. "
                             "'Row in return' is the row of the sheet it was typed on.", (6, 90))
        fields = section.fields
        def cell(key: str, header: str, width: float, wrap: bool = True) -> Column:
            def write(ws: Worksheet, row: int, col: int, r: dict) -> None:
                value = r.get(key)
                if isinstance(value, (int, float)) and not isinstance(value, bool) and not _missing(value):
                    self.number(ws, row, col, value)
                else:
                    self.text(ws, row, col, value, wrap=True)
            return Column(header, width, key, wrap=wrap, write=write)

        columns = [cell("la_code", "Code", 7), cell("name", "Authority", 20), cell("hub", "Hub", 12)] \
            + [cell(key, header, width) for key, header, width in lead] \
            + [cell(f.id, f.label, _column_width(f)) for f in fields] \
            + [cell("sheet", "Sheet", 16), cell("row", "Row in return", 8), cell("file", "File", 30)]
        self.table(ws, first, columns, frame.to_dict("records"), f"All_{section.id}", fit_header=True,
                   empty_note=NONE_YET)
        ws.freeze_panes(first + 1, 2)
        xlsx.print_heading_only(ws, self.d.header, self.f, first - 1, len(columns) - 1)


def _column_width(f: Field) -> float:
    if f.unit == "text":
        return 40.0 if f.max_length > 200 else 28.0
    if f.unit == "choice":
        return float(min(max(len(o) for o in f.options) + 2, 26))
    return 11.0
