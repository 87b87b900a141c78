"""The report's chapters, each written from what was collected, in the order the project plan names them."""

from __future__ import annotations

from collections import Counter

import pandas as pd

from ...spec.models import Field, Section as SpecSection, Spec
from ..consultation_master import grouped_gaps, indicator_summary
from ..survey_master import form_answers, short, table_answers, tally
from . import charts
from .document import Chart, Report, Section, Source, Table
from .evidence import Evidence, GoodPractice, Pilot, Survey, answered
from .recommendations import (RULES, Recommendation, challenge_recommendations, gap_recommendations,
                              indicator_recommendations)

CHAPTERS = (("datasets", "Datasets"), ("it_infrastructure", "IT infrastructure"),
            ("information_sharing", "Information sharing"), ("good_practice", "Good practice"),
            ("childrens_involvement", "Children's involvement"), ("interface", "Interface with other datasets"),
            ("gaps_challenges", "Gaps & challenges"), ("recommendations", "Recommendations"))
TOP = 12  # rows of a tally shown in a table
QUOTES = 8  # free-text answers quoted per question
ROBUST, ESTIMATED, NOT_AVAILABLE = "Robust", "Estimated", "Not available"


def draft_report(evidence: Evidence) -> Report:
    writer = _Drafter(evidence)
    chapters = [writer.chapter(key, title) for key, title in CHAPTERS]
    return Report(
        title="Pan-London safeguarding dataset: final report",
        subtitle=(f"Drafted {evidence.produced_at:%d %B %Y} from the project's collections, for the steering group "
                  "to edit. Every table and figure names the collection, period and number of boards it rests on."),
        summary=writer.summary(chapters), chapters=chapters, appendices=writer.appendices())


class _Drafter:
    def __init__(self, evidence: Evidence) -> None:
        self.e = evidence
        self.spec = evidence.dataset_spec
        self.availability = availability(self.spec, evidence.pilot) if evidence.pilot else pd.DataFrame()
        self.verdicts = _verdicts(evidence.consultation)
        self.gaps = _named_gaps(evidence.consultation)
        self.drafted: list[Recommendation] = []

    def chapter(self, key: str, title: str) -> Section:
        section = Section(title)
        getattr(self, key)(section)
        return section

    # --- Datasets ----------------------------------------------------------------------------------

    def datasets(self, s: Section) -> None:
        spec, model = self.spec, self.spec.conceptual_model
        s.say("The rationale. " + (spec.description or spec.title))
        spec_source = _spec_source(spec)
        if model is not None:
            s.say(f"The dataset rests on a conceptual model of safeguarding: {len(model.themes)} themes, each split "
                  f"into {len(model.age_groups)} age groups. {model.cells - len(model.gaps)} of its {model.cells} "
                  f"cells hold at least one indicator; the {len(model.gaps)} empty cells are gaps (chapter 7).")
            rows = [[t.title] + [str(len(model.cell(t.id, a.id)) or "gap") for a in model.age_groups]
                    for t in model.themes]
            s.add(Table("The conceptual model: indicators in each theme and age group",
                        ["Theme"] + [a.title for a in model.age_groups], rows, [spec_source],
                        [3] + [1] * len(model.age_groups)))
        s.say(f"The signed-off dataset has {len(spec.measures)} indicators that boards are compared on, worked out "
              f"from {sum(1 for f in spec.form_fields if not f.derived)} figures each board returns. Rates and "
              "percentages are worked out from the counts boards enter, never typed in.")
        s.add(Table("The indicators, with their definitions and sources",
                    ["Ref", "Indicator", "Agency", "Definition", "Source"],
                    [[f.id, f.label, spec.agency_titles.get(f.agency or "", f.agency or ""), short(f.definition, 160),
                      short(f.source, 90)] for f in spec.measures], [spec_source], [1.3, 2.4, 1.4, 3.2, 2.4]))
        if self.e.pilot is None:
            s.say("No pilot returns were in the stores given, so availability and data quality are not reported.",
                  "note")
        else:
            self._availability(s, self.e.pilot)
            self._implementation(s, self.e.pilot)

    def _availability(self, s: Section, pilot: Pilot) -> None:
        a = self.availability
        source = pilot.source()
        boards = int(a.boards.max()) if not a.empty else 0
        robust = int((a.robust * 2 > a.boards).sum()) if boards else 0
        s.say(f"Availability and data quality. In {pilot.latest}, {boards} boards' returns were in use. "
              f"{robust} of {len(a)} indicators were supplied with every figure rated robust by most of them; "
              f"{int((a.supplied * 2 < a.boards).sum())} were supplied by fewer than half.")
        s.add(Table(f"Availability and data quality of each indicator, {pilot.latest}",
                    ["Ref", "Indicator", "Boards", "Supplied", "Robust", "Estimated", "Not available", "Missing"],
                    [[r.id, short(r.label, 70), r.boards, r.supplied, r.robust, r.estimated, r.not_available,
                      r.missing] for r in a.itertuples(index=False)], [source], [1.4, 4, 1, 1, 1, 1, 1, 1]))
        parts = {"Robust": a.robust, "Estimated": a.estimated, "Not available": a.not_available,
                 "Missing": a.missing}
        s.add(Chart(f"How each indicator was supplied, {pilot.latest} (boards)",
                    charts.stacked_bar_chart(list(a.id), {k: [int(x) for x in v] for k, v in parts.items()},
                                             [charts.GREEN, charts.AMBER, charts.RED, charts.GREY],
                                             f"Indicators supplied, {pilot.latest}", "Boards"),
                    [source], "Stacked bars: for each indicator, how many boards supplied it robustly, as an "
                              "estimate, said it was not available, or left it missing."))

    def _implementation(self, s: Section, pilot: Pilot) -> None:
        s.say("How to implement it. Each period the project officer runs one round: 'lscb templates' writes a locked "
              "workbook for every board, with the definitions beside each box and the checks built in; coordinators "
              "fill it in offline and email it back; 'lscb collate' takes in the inbox, keeps every file, checks each "
              "return and writes the master workbook, feedback for each board and the profiles; 'lscb status' and "
              "'lscb emails' chase what is missing. The pilot ran like this:")
        rows = []
        for period in pilot.periods:
            subs = pilot.submissions[period]
            files = subs[~subs.status.isin(["ignored"])] if not subs.empty else subs
            rows.append([period, len(files), int((files.status == "accepted").sum()),
                         int((files.status == "accepted_with_warnings").sum()),
                         int((files.status == "rejected").sum()), len(pilot.returned(period))])
        s.add(Table("The pilot rounds: files received and returns in use",
                    ["Period", "Files", "Accepted", "With warnings", "Rejected", "Boards in use"], rows,
                    pilot.sources()))

    # --- chapters from the mapping survey ---------------------------------------------------------------

    def it_infrastructure(self, s: Section) -> None:
        s.say("What the mapping survey found about the IT systems safeguarding data comes from, and how the "
              "systems link.")
        self._mapping_chapter(s, "it_infrastructure")

    def information_sharing(self, s: Section) -> None:
        s.say("Whether agreements let partners share the data with the board, and what gets in the way, as boards "
              "reported it in the mapping survey; blocks are shown as perceived (expected but untested) and "
              "actual (met).")
        self._mapping_chapter(s, "information_sharing")

    def childrens_involvement(self, s: Section) -> None:
        s.say("How children's and young people's own views inform the board's monitoring, from the mapping survey.")
        self._mapping_chapter(s, "childrens_involvement")

    def good_practice(self, s: Section) -> None:
        s.say("Good practice other boards could learn from: what London's boards told the mapping survey, and the "
              "examples any LSCB in the UK sent in.")
        self._mapping_chapter(s, "good_practice")
        self._good_practice_returns(s, self.e.good_practice)

    def _good_practice_returns(self, s: Section, gp: GoodPractice | None) -> None:
        if gp is None or gp.examples.empty:
            s.say("No good-practice returns were in the stores given.", "note")
            return
        table = next(sec for sec in gp.spec.sections if sec.kind == "table")
        shown = [f for f in table.fields if f.summary in ("item", "tally", "list")][:3]
        s.say(f"{len(gp.examples)} examples came from {gp.boards} boards, in and beyond London; every one is listed.")
        s.add(Table("Examples of good practice sent in", ["Board"] + [f.label for f in shown],
                    [[r["board"]] + [short(r.get(f.id) or "", 300) for f in shown]
                     for r in gp.examples.to_dict("records")], [gp.source()], [1.6] + [2.2] * len(shown)))

    def _mapping_chapter(self, s: Section, chapter: str) -> None:
        survey = self.e.mapping
        if survey is None:
            s.say("No mapping survey returns were in the stores given.", "note")
            return
        for section in survey.spec.sections:
            for f in section.fields:
                if f.chapter == chapter:
                    self._survey_field(s, survey, section, f)

    def _survey_field(self, s: Section, survey: Survey, section: SpecSection, f: Field) -> None:
        if section.kind == "table":
            frame = table_answers(survey.data, section)
            what = "data items"
        else:
            frame = form_answers(survey.data, f).rename(columns={"value": f.id})
            what = "boards"
        source = survey.source(answered(frame, f))
        if f.summary == "list":
            given = frame[frame[f.id].notna()] if not frame.empty else frame
            shown = given.head(QUOTES)
            more = f" ({len(shown)} shown; every answer is in the {survey.spec.id} master workbook)" \
                if len(given) > len(shown) else ""
            s.say(f"{f.label}: {len(given)} board{'s' if len(given) != 1 else ''} answered{more}.")
            s.add(Table(f"What boards said: {f.label.lower()}", ["Board", "What they said"],
                        [[row.name, short(getattr(row, f.id), 400)] for row in shown.itertuples(index=False)],
                        [source], [1, 4]))
            return
        split = next((g for g in section.fields if g.id == f.split_by), None)
        counted = tally(frame, f, split).head(TOP)
        headers = ["Answer", f"Times given ({what})", "Boards"] + (list(split.options) if split else [])
        rows = [[r["answer"], int(r["times"]), int(r["authorities"])] + ([int(r[o]) for o in split.options]
                                                                          if split else [])
                for _, r in counted.iterrows()]
        top = f" The commonest: {counted.iloc[0]['answer']} ({int(counted.iloc[0]['times'])})." if rows else ""
        s.say(f"{f.label}: {source.answering} boards answered.{top}")
        s.add(Table(f"{f.label}" + (f", {split.label.lower()}" if split else ""), headers, rows, [source]))
        if rows:
            s.add(Chart(f"{f.label} ({what})",
                        charts.bar_chart(*zip(*sorted(((r[0], r[1]) for r in rows), key=lambda x: -x[1])), f.label,
                                         f"Times given ({what})"),
                        [source], f"Bar chart of the answers to '{f.label}', most given first."))

    # --- Interface with other datasets ----------------------------------------------------------------

    def interface(self, s: Section) -> None:
        spec = self.spec
        national = [f for f in spec.measures if f.national_indicator]
        published = [f for f in spec.measures if f.published]
        s.say(f"Each indicator keeps its source, so that boards can match it with national collections. "
              f"{len(national)} of the {len(spec.measures)} indicators have a National Indicator number, and "
              f"{len(published)} are published nationally in the DfE's open data (their statutory return is named "
              "below); the rest are drawn from local systems as their sources say.")
        s.add(Table("Each indicator's source and national equivalent",
                    ["Ref", "Indicator", "National indicator", "Published nationally in", "Source"],
                    [[f.id, f.label, f.national_indicator or "none", f.published.source if f.published else "not found",
                      short(f.source, 140)] for f in spec.measures], [_spec_source(spec)], [1.3, 2.6, 1.1, 2, 3.2]))
        self._mapping_chapter(s, "interface")

    # --- Gaps & challenges ------------------------------------------------------------------------------

    def gaps_challenges(self, s: Section) -> None:
        self._challenges(s, self.e.pilot)
        model = self.spec.conceptual_model
        if model is not None:
            s.say(f"The conceptual model has {len(model.gaps)} empty cells, where no indicator covers those "
                  "children under that theme.")
            s.add(Table("Gaps in the conceptual model", ["Theme", "Age group"],
                        [[t.title, a.title] for t, a in model.gaps], [_spec_source(self.spec)], [3, 1.5]))
        survey = self.e.consultation
        if survey is None:
            s.say("No consultation returns were in the stores given.", "note")
            return
        gaps = self.gaps
        source = survey.source(int(gaps.attrs.get("boards", 0)))
        s.say(f"Boards named {len(gaps)} different gaps in the draft during the consultation.")
        s.add(Table("Gaps boards named in the consultation, most named first", ["Gap", "Theme", "Boards", "Named by"],
                    [[g.item, g.group, int(g.authorities), short(g.named_by, 160)]
                     for g in gaps.head(20).itertuples(index=False)], [source], [2.5, 2.5, 0.8, 3.5]))

    def _challenges(self, s: Section, pilot: Pilot | None) -> None:
        if pilot is None:
            s.say("No pilot returns were in the stores given, so no challenges logs.", "note")
            return
        frame, agency, category = challenges(pilot)
        boards = frame.la_code.nunique() if not frame.empty else 0
        periods = ", ".join(pilot.periods)
        source = Source("Pilot dataset returns: challenges logs", pilot.spec.id, periods, boards,
                        len(set().union(*[set(pilot.returned(p)) for p in pilot.periods])), len(pilot.register))
        s.say(f"In the pilot ({periods}) {boards} boards logged {len(frame)} challenges in collecting the figures.")
        if frame.empty:
            return
        table = pd.crosstab(frame[agency], frame[category])
        s.add(Table("Challenges logged, by agency and category", ["Agency"] + list(table.columns) + ["Total"],
                    [[index] + [int(v) for v in row] + [int(row.sum())] for index, row in table.iterrows()], [source],
                    [2.2] + [1.0] * len(table.columns) + [0.8]))
        totals = frame[category].value_counts()
        s.add(Chart("Challenges logged, by category",
                    charts.bar_chart(list(totals.index), [int(v) for v in totals.values], "Challenges by category",
                                     "Challenges logged"), [source],
                    "Bar chart of the challenges the pilot boards logged, by category, most first."))

    # --- Recommendations -----------------------------------------------------------------------------

    def recommendations(self, s: Section) -> None:
        s.say("These recommendations were drafted from the evidence by the rules below, for the project officer and "
              "the steering group to edit. Each cites what it rests on.")
        for rule in RULES:
            s.say(rule, "bullet")
        pilot_source = f"pilot {self.e.pilot.latest}" if self.e.pilot else "no pilot"
        consultation_source = (f"consultation {self.e.consultation.data.period}" if self.e.consultation
                               else "no consultation")
        recs = []
        if not self.availability.empty:
            recs += indicator_recommendations(self.availability, self.verdicts, pilot_source, consultation_source)
        recs += gap_recommendations(self.gaps, consultation_source) if self.e.consultation else []
        if self.e.pilot is not None:
            frame, agency, category = challenges(self.e.pilot)
            recs += challenge_recommendations(frame, agency, category, pilot_source)
        self.drafted = recs
        counts = Counter(r.action for r in recs)
        s.say("In all: " + "; ".join(f"{action.lower()}: {n}" for action, n in counts.items()) + ".")
        sources = [x.source() for x in (self.e.pilot, self.e.consultation) if x is not None]
        s.add(Table("Recommendations and the evidence for each", ["#", "Subject", "Recommendation", "Evidence"],
                    [[i, r.subject, r.action, r.evidence] for i, r in enumerate(recs, start=1)], sources,
                    [0.5, 3, 2, 4.5]))

    # --- summary and appendices -------------------------------------------------------------------------

    def summary(self, chapters: list[Section]) -> Section:
        s = Section("Summary")
        e = self.e
        asked = len(e.register)
        for name, survey in (("mapping survey", e.mapping), ("consultation", e.consultation)):
            if survey is not None:
                s.say(f"The {name} ({survey.data.period}) had returns in use from {survey.returns} of {asked} boards.",
                      "bullet")
        if e.pilot is not None:
            s.say("The pilot: " + "; ".join(f"{len(e.pilot.returned(p))} of {asked} boards in {p}"
                                            for p in e.pilot.periods) + ".", "bullet")
        if e.good_practice is not None:
            s.say(f"Good practice: {len(e.good_practice.examples)} examples from {e.good_practice.boards} boards.",
                  "bullet")
        model = self.spec.conceptual_model
        s.say(f"The dataset (version {self.spec.version}) has {len(self.spec.measures)} indicators"
              + (f"; {len(model.gaps)} of the conceptual model's {model.cells} cells are gaps." if model else "."),
              "bullet")
        counts = Counter(r.action for r in self.drafted)
        if counts:
            s.say("Recommendations drafted: " + "; ".join(f"{a.lower()} {n}" for a, n in counts.items()) + ".",
                  "bullet")
        s.say("The chapters follow the project plan: " + ", ".join(c.title for c in chapters) + ".")
        return s

    def appendices(self) -> list[Section]:
        return [self._hub(hub) for hub in self.e.register.hubs]

    def _hub(self, hub: str) -> Section:
        s = Section(f"Hub {hub}")
        members = list(self.e.register.in_hub(hub))
        e = self.e
        s.say(f"The hub's {len(members)} boards, and what each returned.")
        headers = ["Board"]
        sources = []
        for name, survey in (("Mapping", e.mapping), ("Consultation", e.consultation)):
            if survey is not None:
                headers.append(name)
                sources.append(survey.source())
        if e.pilot is not None:
            headers += [f"Pilot {p}" for p in e.pilot.periods] + [f"Indicators supplied {e.pilot.latest}"]
            sources += e.pilot.sources()
        per_board = supplied_per_board(self.spec, e.pilot) if e.pilot else {}
        rows = []
        for a in members:
            row = [a.name]
            for survey in (e.mapping, e.consultation):
                if survey is not None:
                    row.append("returned" if a.la_code in survey.data.returned else "not returned")
            if e.pilot is not None:
                row += ["returned" if a.la_code in e.pilot.returned(p) else "not returned" for p in e.pilot.periods]
                row.append(f"{per_board.get(a.la_code, 0)} of {len(self.spec.measures)}")
            rows.append(row)
        s.add(Table(f"Hub {hub}: returns by board", headers, rows, sources))
        return s


# ---------------------------------------------------------------- figures worked out from the evidence


def availability(spec: Spec, pilot: Pilot, period: str | None = None) -> pd.DataFrame:
    """For each indicator: boards returning, how many supplied it (every figure it needs given), how many
    rated every figure robust, estimated (any estimated), not available (any), or left it missing."""
    period = period or pilot.latest
    values = pilot.values[period]
    form = values[values.row_number.isna()] if not values.empty else values
    boards = pilot.returned(period)
    cells = {(v.la_code, v.field_id): v for v in form.itertuples(index=False)}
    rows = []
    for f in spec.measures:
        inputs = sorted(f.parsed_expression.names) if f.parsed_expression else [f.id]
        counts = Counter(_supplied_as(spec, [cells.get((code, i)) for i in inputs]) for code in boards)
        rows.append({"id": f.id, "label": f.label, "boards": len(boards),
                     "supplied": counts[ROBUST] + counts[ESTIMATED], "robust": counts[ROBUST],
                     "estimated": counts[ESTIMATED], "not_available": counts[NOT_AVAILABLE],
                     "missing": counts["missing"]})
    return pd.DataFrame(rows, columns=["id", "label", "boards", "supplied", "robust", "estimated", "not_available",
                                       "missing"])


def _supplied_as(spec: Spec, cells: list) -> str:
    if any(c is not None and c.rating == spec.not_available_rating for c in cells):
        return NOT_AVAILABLE
    if any(c is None or pd.isna(c.value) or c.value in ("", None) for c in cells):
        return "missing"
    return ROBUST if all(c.rating in ("", ROBUST) for c in cells) else ESTIMATED


def supplied_per_board(spec: Spec, pilot: Pilot) -> dict[str, int]:
    values = pilot.values[pilot.latest]
    form = values[values.row_number.isna()] if not values.empty else values
    cells = {(v.la_code, v.field_id): v for v in form.itertuples(index=False)}
    out = {}
    for code in pilot.returned(pilot.latest):
        out[code] = sum(1 for f in spec.measures
                        if _supplied_as(spec, [cells.get((code, i)) for i in (sorted(f.parsed_expression.names)
                                                                               if f.parsed_expression else [f.id])])
                        in (ROBUST, ESTIMATED))
    return out


def challenges(pilot: Pilot) -> tuple[pd.DataFrame, str, str]:
    """Every challenge logged in the pilot's returns in use, one row each, with its agency and category columns."""
    section = next((s for s in pilot.spec.sections if s.kind == "table" and not s.fixed), None)
    if section is None:
        return pd.DataFrame(columns=["la_code"]), "agency", "category"
    choices = [f for f in section.fields if f.unit == "choice"]
    agency, category = (choices + choices)[0].id, (choices + choices)[1].id
    frames = []
    for period in pilot.periods:
        values = pilot.values[period]
        own = values[values.section_id == section.id]
        if own.empty:
            continue
        wide = own.pivot_table(index=["la_code", "row_number"], columns="field_id", values="value",
                               aggfunc="first").reset_index()
        frames.append(wide.assign(period=period))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["la_code", agency, category])
    for column in (agency, category):
        if column not in frame:
            frame[column] = None
    return frame.dropna(subset=[agency, category]), agency, category


def _verdicts(survey: Survey | None) -> dict[str, dict]:
    if survey is None:
        return {}
    section = next(s for s in survey.spec.sections if s.kind == "table" and s.fixed)
    summary = indicator_summary(survey.spec, section, table_answers(survey.data, section))
    return {r["id"]: r for r in summary.to_dict("records")}


def _named_gaps(survey: Survey | None) -> pd.DataFrame:
    if survey is None:
        return pd.DataFrame(columns=["group", "item", "authorities", "named_by"])
    section = next(s for s in survey.spec.sections if s.kind == "table" and not s.fixed
                   and any(f.summary == "item" for f in s.fields))
    item = next(f for f in section.fields if f.summary == "item")
    group = next((f for f in section.fields if f.summary == "group"), None)
    frame = table_answers(survey.data, section)
    gaps = grouped_gaps(frame, group, item, survey.data)
    gaps.attrs["boards"] = frame.la_code.nunique() if not frame.empty else 0
    return gaps


def _spec_source(spec: Spec) -> Source:
    return Source(f"{spec.title}, spec version {spec.version}", spec.id, "as signed off")

