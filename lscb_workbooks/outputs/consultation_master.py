"""The consultation's master workbook: what boards think of each proposed indicator, and what is missing.

For the steering group agreeing the dataset: for every proposed indicator the
votes, the share in favour, the median scores, the comments, and a suggested
verdict from the thresholds in the spec (`verdicts`); the gaps boroughs named,
grouped; and the general comments. Everything is read from the store and the spec.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from ..spec.models import Field, Section, Spec, Verdicts
from ..spec.register import Register
from ..store.db import Store
from . import palette, xlsx
from .builder import Column
from .survey_master import (NONE_YET, SCORE, SHARE, SurveyData, SurveyWorkbook, commonest, gather_survey, same_words, short,
                            table_answers)

KEEP, CONTESTED, DROP, NO_VOTES = "Consensus to keep", "Contested", "Drop", "No votes yet"
VERDICTS = (KEEP, CONTESTED, DROP, NO_VOTES)
VERDICT_COLOURS = {KEEP: palette.KEEP_AS_IT_IS, CONTESTED: palette.CONTESTED, DROP: palette.DROP,
                   NO_VOTES: palette.NO_VOTES}
ROW_PX = 20
PAGE_PX = 860  # the height of one printed page of the Votes sheet, in pixels at the scale it prints
LABEL_WIDTH = 60
VERDICT_WIDTH = max(len(v) for v in VERDICTS) + 3


def write_consultation_master(store: Store, spec: Spec, register: Register, period: str, out_path: Path,
                              produced_at: datetime | None = None) -> Path:
    """Write the consultation master workbook for `period`, replacing `out_path` only when it is complete."""
    data = gather_survey(store, spec, register, str(period), produced_at or datetime.now())
    return xlsx.save_atomically(lambda workbook: ConsultationWorkbook(workbook, data).render(), Path(out_path))


@dataclass(frozen=True)
class Verdict:
    """What the votes on one indicator come to."""

    votes: int
    in_favour: float | None
    against: float | None
    words: str


def suggested_verdict(counts: dict[str, int], verdicts: Verdicts) -> Verdict:
    """Consensus to keep when the share in favour reaches `keep_share`; drop when the share against
    reaches `drop_share`; otherwise contested. Shares are of the votes cast on the indicator."""
    votes = sum(counts.values())
    if not votes:
        return Verdict(0, None, None, NO_VOTES)
    favour = sum(counts.get(c, 0) for c in verdicts.in_favour) / votes
    against = sum(counts.get(c, 0) for c in verdicts.against) / votes
    if favour >= verdicts.keep_share:
        return Verdict(votes, favour, against, KEEP)
    if against >= verdicts.drop_share:
        return Verdict(votes, favour, against, DROP)
    return Verdict(votes, favour, against, CONTESTED)


def indicator_summary(spec: Spec, section: Section, answers: pd.DataFrame) -> pd.DataFrame:
    """One row per fixed row of the section, in the template's order: votes for each choice, shares, the
    suggested verdict, the median of each score, the commonest answer of each tally, and comments given."""
    vote = spec.fields[spec.verdicts.vote]
    scores = [f for f in section.fields if f.summary == "score"]
    tallies = [f for f in section.fields if f.summary == "tally"]
    lists = [f for f in section.fields if f.summary == "list"]
    rows = []
    for fixed in _in_group_order(section):
        mine = answers[answers.row_id == fixed.id] if not answers.empty else answers
        counts = {o: int((mine[vote.id] == o).sum()) if not mine.empty else 0 for o in vote.options}
        verdict = suggested_verdict(counts, spec.verdicts)
        row = {"id": fixed.id, "label": fixed.label, "short": fixed.short_label or fixed.label,
               "group": fixed.group, "unit": fixed.unit,
               "answered": mine.la_code.nunique() if not mine.empty else 0, "votes": verdict.votes,
               **{f"vote:{o}": n for o, n in counts.items()}, "in_favour": verdict.in_favour,
               "against": verdict.against, "verdict": verdict.words}
        for f in scores:
            numbers = pd.to_numeric(mine[f.id], errors="coerce").dropna() if not mine.empty else pd.Series(dtype=float)
            row[f"median:{f.id}"] = float(numbers.median()) if len(numbers) else None
        for f in tallies:
            given = Counter(mine[f.id].dropna()) if not mine.empty else Counter()
            order = {o: i for i, o in enumerate(f.options)}
            best = max(given, key=lambda o: (given[o], -order.get(o, len(order))), default=None)
            row[f"commonest:{f.id}"] = f"{best} ({given[best]})" if best is not None else None
        row["comments"] = int(sum(mine[f.id].notna().sum() for f in lists)) if not mine.empty else 0
        rows.append(row)
    return pd.DataFrame(rows)


def _in_group_order(section: Section) -> list:
    """Fixed rows under their groups, groups in order of first appearance, as the template shows them."""
    groups: dict[str, list] = {}
    for fixed in section.rows:
        groups.setdefault(fixed.group, []).append(fixed)
    return [fixed for members in groups.values() for fixed in members]


def grouped_gaps(frame: pd.DataFrame, group: Field | None, item: Field, data: SurveyData) -> pd.DataFrame:
    """Gaps named the same way (ignoring case and spacing) within a group merged: who named them, and why."""
    columns = ["group", "item", "authorities", "named_by", "rows"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    keyed = frame.assign(_group=frame[group.id].fillna("") if group else "", _key=frame[item.id].map(same_words))
    rows = []
    for (group_value, _), members in keyed.groupby(["_group", "_key"], sort=False):
        spelling = commonest(members[item.id])
        names = [data.name_of(code) for code in dict.fromkeys(members.la_code)]
        rows.append({"group": group_value, "item": spelling, "authorities": len(names),
                     "named_by": ", ".join(names), "rows": members})
    result = pd.DataFrame(rows, columns=columns)
    order = {o: i for i, o in enumerate(group.options)} if group else {}
    result["_order"] = result.group.map(lambda g: order.get(g, len(order)))
    result = result.sort_values(["_order", "authorities", "item"], ascending=[True, False, True])
    return result.drop(columns="_order").reset_index(drop=True)


class ConsultationWorkbook(SurveyWorkbook):
    title = "Consultation on the draft dataset: master workbook"

    def __init__(self, workbook, data: SurveyData) -> None:
        super().__init__(workbook, data)
        spec = self.spec
        self.proposed = next(s for s in spec.sections if s.kind == "table" and s.fixed)
        self.vote = spec.fields[spec.verdicts.vote]
        self.answers = table_answers(data, self.proposed)
        self.summary = indicator_summary(spec, self.proposed, self.answers)
        self.gap_sections = [s for s in spec.sections if s.kind == "table" and not s.fixed
                             and any(f.summary == "item" for f in s.fields)]
        v = spec.verdicts
        self.about = (
            f"For each proposed indicator, 'share in favour' is the share of votes for "
            f"{' or '.join(repr(c) for c in v.in_favour)}; 'share against' the share for "
            f"{' or '.join(repr(c) for c in v.against)}. The suggested verdict is '{KEEP}' when the share in favour "
            f"is {v.keep_share:.0%} or more, '{DROP}' when the share against is {v.drop_share:.0%} or more, and "
            f"'{CONTESTED}' otherwise. It is a suggestion for the steering group, not a decision. Medians are of the "
            "scores given (1 low to 5 high). Only returns in use count; the Returns tracker says which.")

    def facts(self) -> list[tuple[str, object]]:
        counts = self.summary.verdict.value_counts() if not self.summary.empty else {}
        return super().facts() + [("Indicators proposed", len(self.proposed.rows))] + [
            (f"Indicators: {v.lower()}", int(counts.get(v, 0))) for v in VERDICTS]

    def plan_sheets(self) -> None:
        add = self.plan.add
        add("Verdicts", "Every proposed indicator: votes, share in favour, median scores and the suggested verdict "
                        "(filterable).", self.verdicts_sheet)
        add("Votes", "How many indicators each verdict applies to, and the votes on each indicator, by theme "
                     "(charts).", self.votes_sheet)
        add("Comments", "Every comment made on a proposed indicator, with the vote it came with.", self.comments_sheet)
        for section in self.gap_sections:
            add(section.title, f"The {section.title.lower()} boroughs named, grouped, with who named each and why.",
                lambda ws, s=section: self.gaps_sheet(ws, s))
        self.plan_form_sheets()
        lead = [("row_id", "Ref", 12), ("label", "Indicator", 40)]
        labels = {r.id: r.label for r in self.proposed.rows}
        add(f"All {self.proposed.title.lower()}", "Every answer on every proposed indicator, each traced to its file and row.",
            lambda ws: self.rows_sheet(ws, self.proposed, self.answers.assign(label=self.answers.row_id.map(labels)),
                                       lead))
        for section in self.gap_sections:
            add(f"All {section.title.lower()}", "Every row of every return in use, each traced to its file and row.",
                lambda ws, s=section: self.rows_sheet(ws, s, table_answers(self.d, s), []))

    def verdict_format(self, words: str, **extra):
        return self.f.get(**VERDICT_COLOURS[words].cell(), bold=True, valign="top", **extra)

    def vote_colour(self, option: str) -> palette.Colour:
        """A vote's colour: the first choice in favour reads as keep, any other in favour as keep with
        changes, a choice against as drop; the same in the table headers and the charts."""
        v = self.spec.verdicts
        if option in v.against:
            return palette.DROP
        if option in v.in_favour:
            return palette.KEEP_AS_IT_IS if option == v.in_favour[0] else palette.KEEP_WITH_CHANGES
        return palette.NOT_COMPARED

    def colour_vote_headers(self, ws: Worksheet, row: int, first_col: int, options: list[str]) -> None:
        """Each vote's header in its colour, the legend for the charts that use the same colours."""
        for j, option in enumerate(options, start=first_col):
            ws.write_string(row, j, option, self.f.get(**self.vote_colour(option).cell(), bold=True, text_wrap=True,
                                                        valign="top", border=1))

    # --- Verdicts ------------------------------------------------------------------------------

    def score_fields(self) -> list[Field]:
        return [f for f in self.proposed.fields if f.summary == "score"]

    def tally_fields(self) -> list[Field]:
        return [f for f in self.proposed.fields if f.summary == "tally"]

    def verdicts_sheet(self, ws: Worksheet) -> None:
        s = self.summary
        first = self.heading(ws, "Proposed indicators: votes and suggested verdicts", self.about, (9, 160))
        options = list(self.vote.options)
        returned = len(self.d.returned)
        number = self.number_column
        columns = [Column("Ref", 22, "id"), Column("Indicator", 50, "label", wrap=True),
                   Column("Theme", 34, "group", wrap=True), Column("Unit", 14, "unit"),
                   number("No view given", 10, lambda r: returned - r["votes"]), number("Votes", 8, "votes")]
        columns += [number(o, 10, f"vote:{o}") for o in options]
        columns += [number("Share in favour", 10, "in_favour", SHARE), number("Share against", 10, "against", SHARE)]
        columns += [number(f"Median {f.label.split(' (')[0].lower()}", 11, f"median:{f.id}", SCORE)
                    for f in self.score_fields()]
        columns += [Column(f"Commonest: {f.label.lower()}", 26, f"commonest:{f.id}", wrap=True)
                    for f in self.tally_fields()]
        columns += [number("Comments", 10, "comments"),
                    Column("Suggested verdict", 20, "verdict", style=lambda r: self.verdict_format(r["verdict"]))]
        self.table(ws, first, columns, s.to_dict("records"), "Verdicts", fit_header=True, empty_note=NONE_YET)
        self.colour_vote_headers(ws, first, 6, options)
        ws.freeze_panes(first + 1, 2)
        self.print_layout(ws, (first, first))

    # --- Votes ---------------------------------------------------------------------------------

    def votes_sheet(self, ws: Worksheet) -> None:
        s = self.summary
        options = list(self.vote.options)
        first = self.heading(ws, "Votes on the proposed indicators",
                             "First, how many indicators each suggested verdict applies to. Then, for each theme, the "
                             "votes cast on each of its indicators: each bar is one indicator, split by vote.", (5, 110))
        ws.set_column(0, 0, LABEL_WIDTH)
        ws.set_column(1, len(options), 12)
        ws.set_column(len(options) + 1, len(options) + 1, VERDICT_WIDTH)
        counts = s.verdict.value_counts() if not s.empty else pd.Series(dtype=int)
        columns = [Column("Suggested verdict", value=lambda words: words, style=self.verdict_format),
                   self.number_column("Indicators", None, lambda words: int(counts.get(words, 0)))]
        self.table(ws, first, columns, VERDICTS, "Verdict_counts")
        self.bar_chart(ws, ws.name, (first, len(options) + 3), (first + 1, first + len(VERDICTS), 0),
                       [("Indicators", 1)], "Proposed indicators by suggested verdict", "Suggested verdict",
                       "Number of indicators",
                       "Bar chart of how many proposed indicators each suggested verdict applies to: "
                       + "; ".join(f"{w} {int(counts.get(w, 0))}" for w in VERDICTS) + ".", size=(520, 240),
                       point_colours=[VERDICT_COLOURS[w].fill for w in VERDICTS])
        row = first + max(len(VERDICTS) + 2, 14)
        breaks = []
        for group, rows in s.groupby("group", sort=False):
            breaks.append(row)
            row = self._group_votes(ws, row, str(group) or "Proposed indicators", rows, options)
        ws.set_h_pagebreaks(breaks)
        self.print_layout(ws)

    def _group_votes(self, ws: Worksheet, row: int, group: str, rows: pd.DataFrame, options: list[str]) -> int:
        ws.write_string(row, 0, xlsx.cell_text(group), self.f.subtitle)
        first = row + 1
        columns = [Column("Indicator", LABEL_WIDTH, "short", wrap=True)] \
            + [self.number_column(o, 12, f"vote:{o}") for o in options] \
            + [Column("Suggested verdict", VERDICT_WIDTH, "verdict", style=lambda r: self.verdict_format(r["verdict"]))]
        self.table(ws, first, columns, rows.to_dict("records"), f"Votes_{group[:20]}", fit_header=True,
                   empty_note=NONE_YET)
        self.colour_vote_headers(ws, first, 1, options)
        last = first + len(rows)
        height = min(100 + 34 * len(rows), PAGE_PX)
        most = rows.sort_values("votes", ascending=False).head(3)
        self.bar_chart(ws, ws.name, (first, len(options) + 3), (first + 1, last, 0),
                       [(o, j) for j, o in enumerate(options, start=1)], short(f"Votes: {group}", 150),
                       "Indicator", "Votes",
                       f"Stacked bar chart of the votes ({', '.join(options)}) on each of the {len(rows)} indicators of "
                       f"the theme '{group}'. Most votes: " + "; ".join(
                           f"{r['short']} ({r['verdict'].lower()})" for r in most.to_dict("records")) + ".",
                       stacked=True, size=(680, height), colours=[self.vote_colour(o).fill for o in options])
        lines = [xlsx.wrapped_lines(label, LABEL_WIDTH) for label in rows.short]
        table_px = sum(round(xlsx.row_points(n) * 4 / 3) if n > 1 else ROW_PX for n in lines) + 2 * ROW_PX
        return first + len(rows) + max(0, math.ceil((height - table_px) / ROW_PX)) + 3

    # --- Comments ------------------------------------------------------------------------------

    def comments_sheet(self, ws: Worksheet) -> None:
        lists = [f for f in self.proposed.fields if f.summary == "list"]
        a = self.answers
        given = a[a[[f.id for f in lists]].notna().any(axis=1)] if not a.empty and lists else a.iloc[0:0]
        order = {fixed.id: i for i, fixed in enumerate(_in_group_order(self.proposed))}
        given = given.sort_values(["row_id", "la_code"], key=lambda c: c.map(order) if c.name == "row_id" else c)
        labels = {r.id: r.label for r in self.proposed.rows}
        first = self.heading(ws, "Comments on the proposed indicators",
                             f"{len(given)} comments, in the order of the indicators, with the vote each came with.",
                             (4, 100))
        columns = [Column("Ref", 22, "row_id", wrap=True),
                   Column("Indicator", 40, lambda r: labels.get(r["row_id"], ""), wrap=True),
                   Column("Authority", 20, "name", wrap=True), Column("Hub", 12, "hub", wrap=True),
                   Column(self.vote.label, 18, self.vote.id, wrap=True)]
        columns += [Column(f.label, 70, f.id, wrap=True) for f in lists]
        self.table(ws, first, columns, given.to_dict("records"), "Comments", fit_header=True, empty_note=NONE_YET)
        ws.freeze_panes(first + 1, 2)
        self.print_layout(ws, (first, first))

    # --- Gaps ----------------------------------------------------------------------------------

    def gaps_sheet(self, ws: Worksheet, section: Section) -> None:
        group = next((f for f in section.fields if f.summary == "group"), None)
        item = next(f for f in section.fields if f.summary == "item")
        lists = [f for f in section.fields if f.summary == "list"]
        frame = table_answers(self.d, section)
        gaps = grouped_gaps(frame, group, item, self.d)
        first = self.heading(ws, section.title,
                             f"{len(frame)} gaps named by {frame.la_code.nunique() if not frame.empty else 0} "
                             "authorities. Gaps named in the same words (ignoring case and spacing) are counted once, "
                             "with every authority that named them.", (4, 120))

        def reasons(f: Field) -> Callable[[dict], str]:
            """What each authority that named the gap said in one of its columns, one authority a line."""
            return lambda r: "\n".join(f"{self.d.name_of(m['la_code'])}: {m[f.id]}"
                                       for m in r["rows"].to_dict("records") if not xlsx.is_blank(m.get(f.id)))

        columns = ([Column(group.label, 30, "group", wrap=True)] if group else []) \
            + [Column(item.label, 36, "item", wrap=True), self.number_column("Authorities", 11, "authorities"),
               Column("Named by", 30, "named_by", wrap=True)] \
            + [Column(f.label, 60, reasons(f), wrap=True) for f in lists]
        self.table(ws, first, columns, gaps.to_dict("records"), f"Gaps_{section.id}", fit_header=True,
                   empty_note=NONE_YET)
        if group is not None and not gaps.empty:
            self._gaps_by_group(ws, first + len(gaps) + 3, gaps, group, ws.name)
        ws.freeze_panes(first + 1, 0)
        self.print_layout(ws, (first, first))

    def _gaps_by_group(self, ws: Worksheet, row: int, gaps: pd.DataFrame, group: Field, sheet: str) -> None:
        ws.write_string(row, 0, f"Gaps by {group.label.lower()}", self.f.subtitle)
        first = row + 1
        counts = [(g, int(gaps[gaps.group == g].authorities.sum()), int((gaps.group == g).sum()))
                  for g in group.options if (gaps.group == g).any()]
        columns = [Column(group.label, 30, lambda c: c[0], wrap=True),
                   self.number_column("Times named", 36, lambda c: c[1]),  # the widths the gaps table above set
                   self.number_column("Different gaps", 11, lambda c: c[2])]
        self.table(ws, first, columns, counts, f"Gaps_by_{group.id}", fit_header=True, empty_note=NONE_YET)
        self.bar_chart(ws, sheet, (first, 4), (first + 1, first + len(counts), 0), [("Times named", 1)],
                       f"Gaps named, by {group.label.lower()}", group.label, "Times a gap was named",
                       "Bar chart of how many times boroughs named a gap in each area: "
                       + "; ".join(f"{short(g, 40)} {n}" for g, n, _ in counts) + ".", size=(620, 120 + 40 * len(counts)))
