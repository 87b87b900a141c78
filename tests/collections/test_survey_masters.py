"""The mapping and consultation master workbooks, read back as a reader's program would, and printed."""

from __future__ import annotations

import csv
import re
import statistics
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook

from lscb_workbooks.collate import collate
from lscb_workbooks.demo.coordinator import Entries, fill_template
from lscb_workbooks.outputs.consultation_master import CONTESTED, DROP, KEEP, NO_VOTES, suggested_verdict
from lscb_workbooks.outputs.survey_master import same_words
from lscb_workbooks.spec.models import Verdicts
from spreadsheet_program import convert, requires_libreoffice

from survey_rounds import COLLECTIONS


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def table_rows(ws, name: str) -> list[dict[str, object]]:
    """The rows of an Excel table on a sheet, by its header row."""
    ref = ws.tables[name].ref
    first, last = ref.split(":")
    top, bottom = int(re.sub(r"\D", "", first)), int(re.sub(r"\D", "", last))
    cells = list(ws.iter_rows(min_row=top, max_row=bottom, values_only=True))
    headers = cells[0]
    return [dict(zip(headers, r)) for r in cells[1:]]


@pytest.fixture(scope="module")
def masters(rounds):
    return {c: load_workbook(rounds[c].report.master) for c in COLLECTIONS}


# ---------------------------------------------------------------- what every master does


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_outputs_for_a_survey_are_its_own_master_and_no_profiles(collection, rounds):
    report = rounds[collection].report
    assert report.master == report.out_dir / "master.xlsx" and report.master.exists()
    assert report.profiles == [] and not (report.out_dir / "profiles").exists()
    assert {"values.csv", "submissions.csv", "issues.csv"} <= {p.name for p in report.out_dir.iterdir()}


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_every_sheet_prints_landscape_fitted_to_width_with_tables_that_have_headers(collection, masters):
    book = masters[collection]
    assert book.sheetnames[:2] == ["Contents", "Returns tracker"]
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.tables, f"{ws.title} has no Excel table"
        for table in ws.tables.values():
            assert table.headerRowCount != 0, f"{table.name} on {ws.title}"
    contents = table_rows(book["Contents"], "Contents_sheets")
    assert [r["Sheet"] for r in contents] == book.sheetnames


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_charts_have_titles_axis_titles_and_alt_text(collection, rounds):
    with zipfile.ZipFile(rounds[collection].report.master) as package:
        charts = [n for n in package.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
        assert len(charts) >= 5
        for name in charts:
            xml = package.read(name).decode()
            assert xml.count("<c:title>") >= 3, f"{name}: a chart title and both axis titles"
        drawings = [package.read(n).decode() for n in package.namelist() if n.startswith("xl/drawings/drawing")]
        descriptions = [d for xml in drawings for d in re.findall(r'<xdr:cNvPr [^>]*descr="([^"]*)"', xml)]
        assert len(descriptions) == len(charts) and all(len(d) > 40 for d in descriptions)


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_nothing_in_a_survey_master_is_a_formula(collection, rounds):
    with zipfile.ZipFile(rounds[collection].report.master) as package:
        for name in (n for n in package.namelist() if n.startswith("xl/worksheets/sheet")):
            assert "<f>" not in package.read(name).decode(), name


def test_the_tracker_names_every_authority_and_who_is_missing(masters, rounds, register):
    tracker = table_rows(masters["mapping"]["Returns tracker"], "Returns_tracker")
    assert [r["Code"] for r in tracker] == [a.la_code for a in register]
    returned = set(rounds["mapping"].returns)
    assert {r["Code"] for r in tracker if r["Status"] == "Accepted"} == returned
    assert all(r["Status"] == "Not received" for r in tracker if r["Code"] not in returned)


# ---------------------------------------------------------------- the mapping master


def test_who_collects_what_marks_exactly_the_authorities_that_listed_each_item(masters, rounds, register):
    values = rows(rounds["mapping"].out / "values.csv")
    listed: dict[str, set[str]] = {}
    for v in values:
        if v["field_id"] == "item":
            listed.setdefault(same_words(v["value"]), set()).add(register.by_code(v["la_code"]).name)
    matrix = table_rows(masters["mapping"]["Who collects what"], "Who_collects_what")
    assert len(matrix) == len(listed)
    for r in matrix:
        marked = {name for name, mark in r.items() if mark == "✓"}
        assert marked == listed[same_words(r["Data item"])], r["Data item"]
        assert r["Authorities"] == len(marked)
    assert [r["Authorities"] for r in matrix] == sorted((r["Authorities"] for r in matrix), reverse=True)


def test_scores_across_london_and_by_hub_are_the_median_and_mean_of_every_item_rated(masters, rounds, register):
    values = rows(rounds["mapping"].out / "values.csv")
    scores = {f: [float(v["value"]) for v in values if v["field_id"] == f and v["value"]]
              for f in ("usefulness", "feasibility", "robustness")}
    by_area = {r["Area"]: r for r in table_rows(masters["mapping"]["Scores"], "Scores_by_area")}
    london = by_area["London"]
    for f, numbers in scores.items():
        label = f.capitalize() + " (1-5)"
        assert london[f"{label}: median"] == statistics.median(numbers)
        assert london[f"{label}: mean"] == pytest.approx(statistics.fmean(numbers))
    assert london["Authorities"] == len(rounds["mapping"].returns)
    hub = register.by_code("302").hub
    in_hub = {a.la_code for a in register if a.hub == hub}
    hub_numbers = [float(v["value"]) for v in values if v["field_id"] == "usefulness" and v["la_code"] in in_hub]
    assert by_area[f"{hub} hub"]["Usefulness (1-5): mean"] == pytest.approx(statistics.fmean(hub_numbers))


def test_blocks_are_counted_and_split_into_perceived_actual_and_not_said(masters, rounds):
    values = rows(rounds["mapping"].out / "values.csv")
    answers = {(v["la_code"], v["row_number"]): {} for v in values if v["row_number"]}
    for v in values:
        if v["row_number"]:
            answers[(v["la_code"], v["row_number"])][v["field_id"]] = v["value"]
    ws = masters["mapping"]["Main block to getting it"]
    tally = {r["Answer"]: r for r in table_rows(ws, "Tally_block")}
    expected = Counter(a["block"] for a in answers.values() if a.get("block"))
    assert "None" not in tally, "saying there is no block is not a block, so it is never ranked among them"
    assert {k: r["Times given"] for k, r in tally.items()} == {k: n for k, n in expected.items() if k != "None"}
    for block, r in tally.items():
        assert r["Actual"] == sum(1 for a in answers.values() if a.get("block") == block and a.get("block_kind") == "Actual")
        assert r["Perceived"] + r["Actual"] + r["Not said"] == r["Times given"]
    counts = [r["Authorities"] for r in tally.values()]
    assert counts == sorted(counts, reverse=True), "most cited first"
    note = " ".join(str(c.value) for row in ws.iter_rows(max_row=4) for c in row if c.value)
    assert f"'None' was given {expected['None']} time" in note


def test_a_chart_labels_every_category_in_its_table_colours(rounds):
    with zipfile.ZipFile(rounds["mapping"].report.master) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert charts and all("<c:tickLblSkip val=\"1\"/>" in c for c in charts if "<c:catAx>" in c)
    with zipfile.ZipFile(rounds["consultation"].report.master) as z:
        votes = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    stacked = [c for c in votes if "Keep as it is" in c]
    assert stacked
    for chart in stacked:
        fills = re.findall(r'<c:ser>.*?<a:srgbClr val="([0-9A-F]{6})"', chart, flags=re.S)
        assert fills[:3] == ["92D050", "C5E0B4", "C00000"], "keep green, keep with changes pale green, drop red"


def test_it_systems_named_in_different_cases_count_as_one(rounds, survey_templates, survey_key, register, tmp_path):
    typed = rounds["mapping"].typed
    for la_code, system in (("302", "CareFirst"), ("201", "carefirst "), ("308", "Liquidlogic")):
        if la_code not in survey_templates["mapping"]:
            continue
        entries = Entries(values=dict(typed[la_code].values) if la_code in typed else {},
                          tables={"items": [{"item": "Referrals", "agency": "Police", "collection_method": "Survey",
                                             "it_system": system, "usefulness": 4, "feasibility": 4, "robustness": 3,
                                             "notes": "=HYPERLINK(\"http://example.org\",\"see our protocol\")"}]})
        fill_template(survey_templates["mapping"][la_code], entries, tmp_path / "inbox" / f"{la_code}.xlsx")
    report = collate(tmp_path / "inbox", tmp_path / "out", collection="mapping", key=survey_key, register=register)
    book = load_workbook(report.master)
    systems = {r["Answer"]: r["Authorities"] for r in table_rows(book["IT system it comes from"], "Tally_it_system")}
    assert systems == {"CareFirst": 2}
    data = table_rows(book["All data items your board uses"], "All_items")
    assert {r["Notes"] for r in data} == {"=HYPERLINK(\"http://example.org\",\"see our protocol\")"}


def test_good_practice_lists_every_authority_that_offered_some(masters, rounds):
    offered = {la: e.values["GOOD_PRACTICE"] for la, e in rounds["mapping"].typed.items() if "GOOD_PRACTICE" in e.values}
    assert offered
    listed = table_rows(masters["mapping"]["Good practice to share"], "Answers_GOOD_PRACTICE")
    assert sorted(r["Answer"] for r in listed) == sorted(offered.values())


# ---------------------------------------------------------------- the consultation master


@pytest.mark.parametrize("votes, verdict", [
    ({}, NO_VOTES),
    ({"Keep as it is": 6, "Keep with changes": 3, "Drop": 1}, KEEP),
    ({"Keep as it is": 3, "Keep with changes": 0, "Drop": 1}, KEEP),
    ({"Keep as it is": 2, "Keep with changes": 1, "Drop": 2}, CONTESTED),
    ({"Keep as it is": 1, "Drop": 1}, DROP),
    ({"Keep with changes": 1, "Drop": 3}, DROP),
])
def test_the_suggested_verdict_follows_the_thresholds(votes, verdict):
    rules = Verdicts(vote="decision", in_favour=["Keep as it is", "Keep with changes"], against=["Drop"],
                     keep_share=0.75, drop_share=0.5)
    assert suggested_verdict(votes, rules).words == verdict


def test_every_proposed_indicator_has_its_votes_shares_medians_and_verdict(masters, rounds, surveys):
    spec = surveys["consultation"]
    section = next(s for s in spec.sections if s.fixed)
    values = rows(rounds["consultation"].out / "values.csv")
    answers: dict[str, dict[str, list[str]]] = {}
    for v in values:
        if "." in v["field_id"] and v["value"]:
            row_id, column = v["field_id"].split(".")
            answers.setdefault(row_id, {}).setdefault(column, []).append(v["value"])
    verdicts = table_rows(masters["consultation"]["Verdicts"], "Verdicts")
    assert [r["Ref"] for r in verdicts] == [r.id for r in section.rows]
    seen = Counter()
    for r in verdicts:
        mine = answers.get(r["Ref"], {})
        votes = Counter(mine.get("decision", []))
        assert (r["Keep as it is"], r["Keep with changes"], r["Drop"]) == (
            votes["Keep as it is"], votes["Keep with changes"], votes["Drop"])
        expected = suggested_verdict(dict(votes), spec.verdicts)
        assert r["Suggested verdict"] == expected.words
        assert r["Share in favour"] == pytest.approx(expected.in_favour)
        priorities = [float(p) for p in mine.get("priority", [])]
        assert r["Median priority"] == (statistics.median(priorities) if priorities else "–")
        assert r["Comments"] == len(mine.get("comment", []))
        assert r["No view given"] + r["Votes"] == len(rounds["consultation"].returns)
        seen[r["Suggested verdict"]] += 1
    assert seen[KEEP] and seen[CONTESTED] and seen[DROP], "the synthetic round has every kind of verdict"
    summary = {r["Suggested verdict"]: r["Indicators"] for r in table_rows(masters["consultation"]["Votes"], "Verdict_counts")}
    assert summary == {v: seen[v] for v in (KEEP, CONTESTED, DROP, NO_VOTES)}


def test_gaps_named_the_same_way_are_grouped_with_who_named_them(survey_templates, survey_key, register, tmp_path):
    named = {"302": ["Young carers identified", "Trafficked children"], "201": ["young carers  identified"],
             "308": ["Young carers identified"]}
    theme = "Stay safe: have security, stability and are cared for"
    for la_code, gaps in named.items():
        if la_code not in survey_templates["consultation"]:
            continue
        entries = Entries(values={"RESPONDENT_NAME": "A", "RESPONDENT_ROLE": "B"},
                          tables={"gaps": [{"theme": theme, "gap": g, "why": f"Because of {la_code}"} for g in gaps]})
        fill_template(survey_templates["consultation"][la_code], entries, tmp_path / "inbox" / f"{la_code}.xlsx")
    report = collate(tmp_path / "inbox", tmp_path / "out", collection="consultation", key=survey_key, register=register)
    book = load_workbook(report.master)
    gaps = table_rows(book["Gaps in the draft"], "Gaps_gaps")
    carers = next(g for g in gaps if same_words(g["Missing indicator or data item"]) == "young carers identified")
    names = {register.by_code(c).name for c in named if c in survey_templates["consultation"] and
             any(same_words(g) == "young carers identified" for g in named[c])}
    assert carers["Authorities"] == len(names) and set(carers["Named by"].split(", ")) == names
    assert carers["Where it belongs"] == theme
    assert "Because of 302" in carers["Why it matters"]
    assert [g["Authorities"] for g in gaps] == sorted((g["Authorities"] for g in gaps), reverse=True)


# ---------------------------------------------------------------- printed by a real spreadsheet program


@requires_libreoffice
@pytest.mark.libreoffice
@pytest.mark.parametrize("collection", COLLECTIONS)
def test_libreoffice_prints_the_master_to_pdf(collection, rounds, tmp_path):
    pdf = convert(rounds[collection].report.master, "pdf", tmp_path / "pdf", profile=tmp_path / "profile")[0]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 50_000
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages >= len(load_workbook(rounds[collection].report.master).sheetnames)
