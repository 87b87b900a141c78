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

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from ..spec.models import Field, Section, Spec, Verdicts
from ..spec.register import Register
from ..store.db import Store
from . import palette, xlsx
from .survey_master import (SCORE, SHARE, SurveyData, SurveyWorkbook, commonest, gather_survey, same_words, short,
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
        headers = (["Ref", "Indicator", "Theme", "Unit", "No view given", "Votes"] + options
                   + ["Share in favour", "Share against"] + [f"Median {f.label.split(' (')[0].lower()}" for f in self.score_fields()]
                   + [f"Commonest: {f.label.lower()}" for f in self.tally_fields()] + ["Comments", "Suggested verdict"])
        widths = ([22, 50, 34, 14, 10, 8] + [10] * len(options) + [10, 10] + [11] * len(self.score_fields())
                  + [26] * len(self.tally_fields()) + [10, 20])
        self.table(ws, first, len(s), headers, "Verdicts", widths=widths)
        self.colour_vote_headers(ws, first, 6, options)
        returned = len(self.d.returned)
        for i, r in enumerate(s.to_dict("records"), start=first + 1):
            col = 0
            for value in (r["id"], r["label"], r["group"], r["unit"]):
                self.text(ws, i, col, value, wrap=col in (1, 2))
                col += 1
            for value in [returned - r["votes"], r["votes"]] + [r[f"vote:{o}"] for o in options]:
                self.number(ws, i, col, value)
                col += 1
            for key in ("in_favour", "against"):
                self.number(ws, i, col, r[key], SHARE)
                col += 1
            for f in self.score_fields():
                self.number(ws, i, col, r[f"median:{f.id}"], SCORE)
                col += 1
            for f in self.tally_fields():
                self.text(ws, i, col, r[f"commonest:{f.id}"], wrap=True)
                col += 1
            self.number(ws, i, col, r["comments"])
            ws.write_string(i, col + 1, r["verdict"], self.verdict_format(r["verdict"]))
            ws.set_row(i, 15 * max(xlsx.wrapped_lines(r["label"], 50), xlsx.wrapped_lines(r["group"], 34)) + 3)
        ws.freeze_panes(first + 1, 2)
        self.print_setup(ws, (first, first))

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
        self.table(ws, first, len(VERDICTS), ["Suggested verdict", "Indicators"], "Verdict_counts")
        counts = s.verdict.value_counts() if not s.empty else pd.Series(dtype=int)
        for i, words in enumerate(VERDICTS, start=first + 1):
            ws.write_string(i, 0, words, self.verdict_format(words))
            self.number(ws, i, 1, int(counts.get(words, 0)))
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
        self.print_setup(ws)

    def _group_votes(self, ws: Worksheet, row: int, group: str, rows: pd.DataFrame, options: list[str]) -> int:
        ws.write_string(row, 0, xlsx.cell_text(group), self.f.subtitle)
        first = row + 1
        headers = ["Indicator"] + options + ["Suggested verdict"]
        self.table(ws, first, len(rows), headers, f"Votes_{group[:20]}")
        xlsx.fit_row(ws, first, zip(headers, [LABEL_WIDTH] + [12] * len(options) + [VERDICT_WIDTH]))
        self.colour_vote_headers(ws, first, 1, options)
        for i, r in enumerate(rows.to_dict("records"), start=first + 1):
            self.text(ws, i, 0, r["short"], wrap=True)
            for j, o in enumerate(options, start=1):
                self.number(ws, i, j, r[f"vote:{o}"])
            ws.write_string(i, len(options) + 1, r["verdict"], self.verdict_format(r["verdict"]))
            ws.set_row(i, 15 * xlsx.wrapped_lines(r["short"], LABEL_WIDTH) + 3)
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
        table_px = sum(round((15 * xlsx.wrapped_lines(label, LABEL_WIDTH) + 3) * 4 / 3) for label in rows.short) + 2 * ROW_PX
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
        headers = ["Ref", "Indicator", "Authority", "Hub", self.vote.label] + [f.label for f in lists]
        self.table(ws, first, len(given), headers, "Comments", widths=[22, 40, 20, 12, 18] + [70] * len(lists))
        for i, r in enumerate(given.to_dict("records"), start=first + 1):
            values = [r["row_id"], labels.get(r["row_id"], ""), r["name"], r["hub"], r.get(self.vote.id)]
            for col, value in enumerate(values + [r.get(f.id) for f in lists]):
                self.text(ws, i, col, value, wrap=True)
            ws.set_row(i, 15 * max([xlsx.wrapped_lines(str(r.get(f.id) or ""), 70) for f in lists]
                                   + [xlsx.wrapped_lines(values[1], 40)]) + 3)
        ws.freeze_panes(first + 1, 2)
        self.print_setup(ws, (first, first))

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
        headers = ([group.label] if group else []) + [item.label, "Authorities", "Named by"] + [f.label for f in lists]
        widths = ([30] if group else []) + [36, 11, 30] + [60] * len(lists)
        self.table(ws, first, len(gaps), headers, f"Gaps_{section.id}", widths=widths)
        for i, r in enumerate(gaps.to_dict("records"), start=first + 1):
            col = 0
            if group:
                self.text(ws, i, col, r["group"], wrap=True)
                col += 1
            self.text(ws, i, col, r["item"], wrap=True)
            self.number(ws, i, col + 1, r["authorities"])
            self.text(ws, i, col + 2, r["named_by"], wrap=True)
            said = []
            for j, f in enumerate(lists, start=col + 3):
                reasons = [f"{self.d.name_of(m['la_code'])}: {m[f.id]}" for m in r["rows"].to_dict("records")
                           if not xlsx.is_blank(m.get(f.id))]
                said.append("\n".join(reasons))
                self.text(ws, i, j, said[-1], wrap=True)
            ws.set_row(i, 15 * max([xlsx.wrapped_lines(text, 60) for text in said] + [xlsx.wrapped_lines(r["named_by"], 30),
                                                                          xlsx.wrapped_lines(r["group"], 30)]) + 3)
        if group is not None and not gaps.empty:
            self._gaps_by_group(ws, first + len(gaps) + 3, gaps, group, ws.name)
        ws.freeze_panes(first + 1, 0)
        self.print_setup(ws, (first, first))

    def _gaps_by_group(self, ws: Worksheet, row: int, gaps: pd.DataFrame, group: Field, sheet: str) -> None:
        ws.write_string(row, 0, f"Gaps by {group.label.lower()}", self.f.subtitle)
        first = row + 1
        counts = [(g, int(gaps[gaps.group == g].authorities.sum()), int((gaps.group == g).sum()))
                  for g in group.options if (gaps.group == g).any()]
        headers = [group.label, "Times named", "Different gaps"]
        self.table(ws, first, len(counts), headers, f"Gaps_by_{group.id}")
        xlsx.fit_row(ws, first, zip(headers, [30, 36, 11]))  # the widths the gaps table above set
        for i, (g, named, different) in enumerate(counts, start=first + 1):
            self.text(ws, i, 0, g, wrap=True)
            self.number(ws, i, 1, named)
            self.number(ws, i, 2, different)
            ws.set_row(i, 15 * xlsx.wrapped_lines(g, 30) + 3)
        self.bar_chart(ws, sheet, (first, 4), (first + 1, first + len(counts), 0), [("Times named", 1)],
                       f"Gaps named, by {group.label.lower()}", group.label, "Times a gap was named",
                       "Bar chart of how many times boroughs named a gap in each area: "
                       + "; ".join(f"{short(g, 40)} {n}" for g, n, _ in counts) + ".", size=(620, 120 + 40 * len(counts)))
