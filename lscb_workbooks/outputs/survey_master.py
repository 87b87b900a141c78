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
from dataclasses import dataclass, field as dataclass_field
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

IN_USE = ("accepted", "accepted_with_warnings")
STATUS_WORDS = {"accepted": "Accepted", "accepted_with_warnings": "Accepted with warnings",
                "rejected": "Rejected", "unreadable": "Could not be read"}
NOT_RECEIVED = "Not received"
WHOLE = "0"
SHARE = '0%'
SCORE = "0.0"
LONDON = "London"


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


@dataclass
class Plan:
    """The sheets in workbook order: name, what each holds (for Contents), and how to draw it."""

    entries: list[tuple[str, str, Callable[[Worksheet], None]]] = dataclass_field(default_factory=list)
    taken: set[str] = dataclass_field(default_factory=set)

    def add(self, title: str, about: str, draw: Callable[[Worksheet], None]) -> None:
        self.entries.append((xlsx.sheet_name(sheet_title(title), self.taken), about, draw))


class SurveyWorkbook:
    """Contents, returns tracker, and the building blocks of every other sheet; subclasses plan the rest."""

    title = "Master workbook"
    about = ""

    def __init__(self, workbook: xlsxwriter.Workbook, data: SurveyData) -> None:
        self.wb = workbook
        self.d = data
        self.spec = data.spec
        self.f = xlsx.Formats(workbook)
        self.tables: set[str] = set()
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

    def table(self, ws: Worksheet, first_row: int, rows: int, headers: list[str], name: str,
              widths: list[float] | None = None, first_col: int = 0, header_format=None) -> None:
        """A real Excel table with a header row (and at least one data row, which Excel needs)."""
        table = re.sub(r"[^A-Za-z0-9_]", "_", name)
        table = table if re.match(r"[A-Za-z_]", table) else "T_" + table
        base, n = table, 2
        while table.lower() in self.tables:
            table, n = f"{base}_{n}", n + 1
        self.tables.add(table.lower())
        ws.add_table(first_row, first_col, first_row + max(rows, 1), first_col + len(headers) - 1, {
            "name": table, "style": "Table Style Light 9", "autofilter": True,
            "columns": [{"header": h, "header_format": header_format or self.f.header} for h in _unique(headers)],
        })
        for i, width in enumerate(widths or []):
            ws.set_column(first_col + i, first_col + i, width)
        if widths and header_format is None:
            tallest = max(xlsx.wrapped_lines(str(h), w) for h, w in zip(headers, widths))
            ws.set_row(first_row, max(20, 15 * tallest + 6))
        if rows == 0:
            ws.write_string(first_row + 1, first_col, "None received yet", self.f.note)

    def heading(self, ws: Worksheet, title: str, note: str | None = None, span: tuple[int, float] = (6, 120)) -> int:
        """Title, period and date, and an optional note across columns 0..span[0] (span[1] characters wide);
        returns the first free row after a gap."""
        ws.write_string(0, 0, xlsx.cell_text(title), self.f.title)
        ws.set_row(0, 24)
        ws.write_string(1, 0, f"Period {self.d.period}. Produced {self.d.produced_at:%d %B %Y %H:%M}.",
                        self.f.get(italic=True, font_color="#404040"))
        row = 2
        if note:
            self.paragraph(ws, row, note, *span)
            row += 1
        return row + 1

    def paragraph(self, ws: Worksheet, row: int, text: str, last_col: int, chars: float, **style: Any) -> None:
        xlsx.write_paragraph(ws, self.f, row, text, last_col, chars, **style)

    def print_setup(self, ws: Worksheet, repeat: tuple[int, int] | None = None) -> None:
        xlsx.set_print_layout(ws, self.d.header, repeat_rows=repeat)

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
        ws.set_column(0, 0, 42)
        ws.set_column(1, 1, 100)
        ws.write_string(0, 0, xlsx.cell_text(self.title), self.f.title)
        ws.set_row(0, 24)
        ws.write_string(1, 0, xlsx.cell_text(self.spec.title), self.f.subtitle)
        row = 3
        for label, value in self.facts():
            ws.write_string(row, 0, label, self.f.get(bold=True, valign="top"))
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(row, 1, value, self.f.get(num_format=WHOLE, align="left"))
            else:
                ws.write_string(row, 1, xlsx.cell_text(value), self.f.wrap)
                ws.set_row(row, 15 * xlsx.wrapped_lines(str(value), 100) + 3)
            row += 1
        missing = self.d.tracker[self.d.tracker.status == NOT_RECEIVED].name.tolist()
        if missing:
            text = ", ".join(missing)
            ws.write_string(row, 0, "Still missing", self.f.get(bold=True, valign="top"))
            ws.write_string(row, 1, xlsx.cell_text(text), self.f.wrap)
            ws.set_row(row, 15 * xlsx.wrapped_lines(text, 100) + 3)
            row += 1
        row += 1
        ws.write_string(row, 0, "How to read it", self.f.subtitle)
        self.paragraph(ws, row + 1, self.about, 1, 134, italic=False, font_color="#000000")
        row += 3
        ws.write_string(row, 0, "Sheets", self.f.subtitle)
        first = row + 1
        self.table(ws, first, len(self.plan.entries), ["Sheet", "What it holds"], "Contents_sheets")
        for i, (name, about, _) in enumerate(self.plan.entries, start=first + 1):
            ws.write_url(i, 0, f"internal:'{name}'!A1", self.f.link, string=name, tip=f"Go to {name}")
            ws.write_string(i, 1, xlsx.cell_text(about), self.f.text)
        self.print_setup(ws)

    def tracker(self, ws: Worksheet) -> None:
        t = self.d.tracker
        first = self.heading(ws, f"Returns tracker: {self.d.period}",
                             "Every authority in the register. Only returns in use (accepted) are counted in the "
                             "other sheets; the message says what was wrong with any other.", (8, 200))
        headers = ["Code", "Authority", "Hub", "Status", "Received", "File", "Errors", "Warnings", "What happened"]
        self.table(ws, first, len(t), headers, "Returns_tracker", widths=[7, 24, 13, 21, 17, 34, 8, 9, 70])
        for i, r in enumerate(t.itertuples(index=False), start=first + 1):
            for col, value in enumerate((r.la_code, r.name, r.hub)):
                self.text(ws, i, col, value)
            state = palette.RETURN_STATE.get(r.status, palette.NOT_COMPARED)
            ws.write_string(i, 3, r.status, self.f.get(**state.cell(), bold=r.status != "Accepted", valign="top"))
            self.text(ws, i, 4, str(r.received_at)[:16].replace("T", " "))
            self.text(ws, i, 5, r.file, wrap=True)
            for col, n in ((6, r.errors), (7, r.warnings)):
                xlsx.write_value(ws, i, col, None if _missing(n) else int(n), self.f.get(num_format=WHOLE, valign="top"))
            self.text(ws, i, 8, r.message, wrap=True)
            lines = max(xlsx.wrapped_lines(r.message or "", 70), xlsx.wrapped_lines(r.file or "", 34))
            if lines > 1:
                ws.set_row(i, 15 * lines + 3)
        ws.freeze_panes(first + 1, 2)
        self.print_setup(ws, (first, first))

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
        self.table(ws, first, len(answered), ["Authority", "Hub", "Answer", "Cell in the return"],
                   f"Answers_{f.id}", widths=[22, 13, 100, 24])
        for i, r in enumerate(answered.itertuples(index=False), start=first + 1):
            self.text(ws, i, 0, r.name)
            self.text(ws, i, 1, r.hub)
            self.text(ws, i, 2, r.value, wrap=True)
            self.text(ws, i, 3, f"{r.sheet}!{r.cell}")
            ws.set_row(i, 15 * xlsx.wrapped_lines(str(r.value), 100) + 3)
        ws.freeze_panes(first + 1, 1)
        self.print_setup(ws, (first, first))

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
            note += (f" '{f.nothing_choice}' was given {times} time{'' if times == 1 else 's'} by {authorities} "
                     f"authorit{'y' if authorities == 1 else 'ies'}: it says there is nothing to count, so it is not "
                     "listed or charted among the answers.")
        first = self.heading(ws, f.label, note, (3, 74))
        headers = ["Answer", "Times given", "Authorities", "Share of authorities"] + parts
        self.table(ws, first, len(counts), headers, f"Tally_{f.id}", widths=[40, 11, 11, 12] + [11] * len(parts))
        returned = max(len(self.d.returned), 1)
        for i, r in enumerate(counts.to_dict("records"), start=first + 1):
            self.text(ws, i, 0, r["answer"], wrap=True)
            self.number(ws, i, 1, r["times"])
            self.number(ws, i, 2, r["authorities"])
            self.number(ws, i, 3, r["authorities"] / returned, SHARE)
            for j, part in enumerate(parts, start=4):
                self.number(ws, i, j, r[part])
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
        self.print_setup(ws, (first, first))

    def rows_sheet(self, ws: Worksheet, section: Section, frame: pd.DataFrame, lead: list[tuple[str, str, float]]) -> None:
        """Every row of a table from every return in use, filterable, each traced to its file and row."""
        first = self.heading(ws, f"All {section.title.lower()}",
                             f"{len(frame)} rows from {frame.la_code.nunique() if not frame.empty else 0} returns. "
                             "'Row in return' is the row of the sheet it was typed on.", (6, 90))
        fields = section.fields
        headers = ["Code", "Authority", "Hub"] + [h for _, h, _ in lead] + [f.label for f in fields] \
            + ["Sheet", "Row in return", "File"]
        widths = [7, 20, 12] + [w for _, _, w in lead] + [_column_width(f) for f in fields] + [16, 8, 30]
        self.table(ws, first, len(frame), headers, f"All_{section.id}", widths=widths)
        for i, r in enumerate(frame.to_dict("records"), start=first + 1):
            values = [r["la_code"], r["name"], r["hub"]] + [r.get(key) for key, _, _ in lead] \
                + [r.get(f.id) for f in fields] + [r["sheet"], r["row"], r["file"]]
            for col, value in enumerate(values):
                if isinstance(value, (int, float)) and not isinstance(value, bool) and not _missing(value):
                    self.number(ws, i, col, value)
                else:
                    self.text(ws, i, col, value, wrap=True)
            longest = max([xlsx.wrapped_lines(v, w) for v, w in zip(values, widths) if isinstance(v, str)] + [1])
            if longest > 1:
                ws.set_row(i, 15 * longest + 3)
        ws.freeze_panes(first + 1, 2)
        xlsx.print_heading_only(ws, self.d.header, self.f, first - 1, len(headers) - 1)


def _column_width(f: Field) -> float:
    if f.unit == "text":
        return 40.0 if f.max_length > 200 else 28.0
    if f.unit == "choice":
        return float(min(max(len(o) for o in f.options) + 2, 26))
    return 11.0


def _unique(headers: list[str]) -> list[str]:
    """Excel table headers must differ; a repeat gets a number."""
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        text = str(h)[:255] or "Column"
        key = text.lower()
        seen[key] = seen.get(key, 0) + 1
        out.append(text if seen[key] == 1 else f"{text} ({seen[key]})")
    return out
