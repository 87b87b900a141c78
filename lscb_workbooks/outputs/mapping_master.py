"""The mapping survey's master workbook: what safeguarding data London's boards already use.

For the steering group drafting the dataset: which data items each authority
collects, how useful, feasible and robust boroughs find them (across London
and by hub), what blocks them, which IT systems hold them, and the good
practice boards offer. Everything is read from the store and the spec.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from ..spec.models import Field, Section, Spec
from ..spec.register import Register
from ..store.db import Store
from . import xlsx
from .builder import Column
from .survey_master import (LONDON, NONE_YET, SCORE, SurveyData, SurveyWorkbook, commonest, gather_survey, same_words,
                            score_summary, short, table_answers)

MARK = "✓"
TOP_ITEMS = 15


def write_mapping_master(store: Store, spec: Spec, register: Register, period: str, out_path: Path,
                         produced_at: datetime | None = None) -> Path:
    """Write the mapping master workbook for `period`, replacing `out_path` only when it is complete."""
    data = gather_survey(store, spec, register, str(period), produced_at or datetime.now())
    return xlsx.save_atomically(lambda workbook: MappingWorkbook(workbook, data).render(), Path(out_path))


def item_matrix(frame: pd.DataFrame, item: Field, authorities: list[str]) -> pd.DataFrame:
    """One row per data item (answers counting as the same merged), which authorities listed it, most listed first."""
    if frame.empty:
        return pd.DataFrame(columns=["key", "item", "authorities", *authorities])
    keyed = frame.assign(key=frame[item.id].map(same_words))
    rows = []
    for key, members in keyed.groupby("key", sort=False):
        listed = set(members.la_code)
        spelling = commonest(members[item.id])
        rows.append({"key": key, "item": spelling, "authorities": len(listed),
                     **{code: code in listed for code in authorities}})
    matrix = pd.DataFrame(rows)
    return matrix.sort_values(["authorities", "item"], ascending=[False, True], ignore_index=True)


class MappingWorkbook(SurveyWorkbook):
    title = "Data mapping: master workbook"
    about = ("Each return lists the data items a board already uses. Items that boroughs named in the same words "
             "(ignoring case and spacing) are counted as one. Scores run from 1 (low) to 5 (high): London and hub "
             "figures are the median and mean over every item rated. Only returns in use count; the Returns tracker "
             "says which.")

    def __init__(self, workbook, data: SurveyData) -> None:
        super().__init__(workbook, data)
        self.section: Section | None = next((s for s in self.spec.sections if s.kind == "table" and not s.fixed), None)
        self.rows = table_answers(data, self.section) if self.section else pd.DataFrame()
        self.item = next((f for f in self.section.fields if f.summary == "item"), None) if self.section else None
        self.scores = [f for f in self.section.fields if f.summary == "score"] if self.section else []

    def facts(self) -> list[tuple[str, object]]:
        facts = super().facts()
        if self.section is not None:
            facts.append(("Rows listed in the returns", len(self.rows)))
        if self.item is not None and not self.rows.empty:
            facts.append(("Different data items named", int(self.rows[self.item.id].map(same_words).nunique())))
        return facts

    def plan_sheets(self) -> None:
        add = self.plan.add
        if self.item is not None:
            add("Who collects what", "Every data item named, and which authorities use it (grouped by hub).",
                self.matrix)
        if self.scores:
            add("Scores", "Usefulness, feasibility and robustness across London and by hub, and for each data item.",
                self.scores_sheet)
        for f in (self.section.fields if self.section else []):
            if f.summary == "tally":
                add(f.label, f"How often each answer to '{f.label}' was given, with a chart.",
                    lambda ws, f=f: self.tally_sheet(ws, f, self.rows, ws.name, "rows"))
        self.plan_form_sheets()
        if self.section is not None:
            add(f"All {self.section.title.lower()}", "Every row of every return in use, each traced to its file and row "
                                             "(filterable, for pivot tables).",
                lambda ws: self.rows_sheet(ws, self.section, self.rows, []))

    # --- Who collects what ---------------------------------------------------------------------

    def authorities_by_hub(self) -> list[str]:
        """Codes of the authorities that returned, grouped by hub (hubs in name order), then by name."""
        returned = set(self.d.returned)
        chosen = [a for a in self.d.register if a.la_code in returned]
        return [a.la_code for a in sorted(chosen, key=lambda a: (a.hub, a.name))]

    def matrix(self, ws: Worksheet) -> None:
        codes = self.authorities_by_hub()
        matrix = item_matrix(self.rows, self.item, codes)
        first = self.heading(ws, "Who collects what",
                             f"One row per data item named, most widely used first; {MARK} marks each authority that "
                             "listed it. Authorities are grouped by hub (the row above the names).", (2, 60)) + 1
        mark = self.f.get(align="center", valign="top", font_color="#1F4E79", bold=True)
        columns = [Column("Data item", 44, "item", wrap=True), self.number_column("Authorities", 11, "authorities")]
        columns += [Column(self.d.name_of(c), 3.6, lambda r, c=c: MARK if r[c] else "", style=mark, rotate=True)
                    for c in codes]
        names = [c.header for c in columns[2:]]
        self.table(ws, first, columns, matrix.to_dict("records"), "Who_collects_what", empty_note=NONE_YET,
                   header_height=8 * max(map(len, names)) + 12 if names else None)  # whole names, in bold
        self._hub_labels(ws, first - 1, codes)
        ws.freeze_panes(first + 1, 2)
        self.print_layout(ws, (first - 1, first))

    def _hub_labels(self, ws: Worksheet, row: int, codes: list[str]) -> None:
        """Each hub's name above its authorities' columns."""
        fmt = self.f.get(bold=True, align="center", font_size=8, bg_color="#F2F2F2", border=1, text_wrap=True)
        start = 0
        ws.write_string(row, 1, "Hub", self.f.get(bold=True, align="right", font_size=8))
        while start < len(codes):
            hub = self.d.hub_of(codes[start])
            end = start
            while end + 1 < len(codes) and self.d.hub_of(codes[end + 1]) == hub:
                end += 1
            if end > start:
                ws.merge_range(row, 2 + start, row, 2 + end, hub, fmt)
            else:
                ws.write_string(row, 2 + start, hub, fmt)
            start = end + 1
        ws.set_row(row, 24)

    # --- Scores --------------------------------------------------------------------------------

    def scores_sheet(self, ws: Worksheet) -> None:
        scale = f"{self.scores[0].lower_bound:g} (low) to {self.scores[0].upper_bound:g} (high)"
        first = self.heading(ws, "Usefulness, feasibility and robustness",
                             f"Scores from {scale}, over every data item rated in the returns in use. The median is "
                             "the middle score; the mean shows small differences the median hides.", (8, 100))
        areas = [{"area": area, "rows": rows, **score_summary(rows, self.scores)} for area, rows in self._areas()]
        columns = [Column("Area", 40, "area"),
                   self.number_column("Authorities", 11, lambda r: r["rows"].la_code.nunique()),
                   self.number_column("Items rated", 11, lambda r: len(r["rows"]))] + self._score_columns()
        self.table(ws, first, columns, areas, "Scores_by_area", fit_header=True, empty_note=NONE_YET)
        last = first + len(areas)
        if not self.rows.empty:
            london = score_summary(self.rows, self.scores)
            self.bar_chart(
                ws, ws.name, (last + 2, 0), (first + 1, last, 0),
                [(f"{f.label}: mean", 4 + 2 * j) for j, f in enumerate(self.scores)],
                "Mean scores: London and each hub", "Area (London, then each hub)", f"Mean score, {scale}",
                "Column chart of the mean score for " + ", ".join(f.label for f in self.scores)
                + " in London and each hub. London: " + "; ".join(
                    f"{f.label} {london[f'{f.id}:mean']:.1f}" for f in self.scores) + ".",
                horizontal=False, size=(760, 380), y_range=(0, self.scores[0].upper_bound))
        row = last + 23
        self._scores_by_item(ws, row)
        self.print_layout(ws)

    def _score_columns(self) -> list[Column]:
        """Each score's median and mean, from a record holding `score_summary`'s figures."""
        return [self.number_column(f"{f.label}: {w}", 12, f"{f.id}:{w}", SCORE) for f in self.scores
                for w in ("median", "mean")]

    def _areas(self) -> list[tuple[str, pd.DataFrame]]:
        areas = [(LONDON, self.rows)]
        for hub in self.d.register.hubs:
            areas.append((f"{hub} hub", self.rows[self.rows.hub == hub] if not self.rows.empty else self.rows))
        return areas

    def _scores_by_item(self, ws: Worksheet, row: int) -> None:
        matrix = item_matrix(self.rows, self.item, []) if self.item else pd.DataFrame()
        ws.write_string(row, 0, "Scores for each data item", self.f.subtitle)
        first = row + 1
        keys = self.rows[self.item.id].map(same_words) if not self.rows.empty else pd.Series(dtype=str)
        items = [{**r, **score_summary(self.rows[keys == r["key"]], self.scores)} for r in matrix.to_dict("records")]
        columns = [Column("Data item", 40, "item", wrap=True), self.number_column("Authorities", 11, "authorities")] \
            + self._score_columns()
        self.table(ws, first, columns, items, "Scores_by_item", fit_header=True, empty_note=NONE_YET)
        top = min(len(matrix), TOP_ITEMS)
        if top:
            chart_col = 3 + 2 * len(self.scores)
            self.bar_chart(
                ws, ws.name, (first, chart_col), (first + 1, first + top, 0),
                [(f"{f.label}: mean", 3 + 2 * j) for j, f in enumerate(self.scores)],
                f"Mean scores of the {top} most widely used data items", "Data item (most widely used first)",
                "Mean score", f"Bar chart of the mean {', '.join(f.label for f in self.scores)} of the {top} data items "
                "listed by most authorities: " + "; ".join(short(r['item'], 40) for r in matrix.head(top).to_dict("records")) + ".",
                size=(720, 120 + 44 * top), y_range=(0, self.scores[0].upper_bound))
