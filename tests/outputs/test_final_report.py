"""The final report read back as Word would show it: chapters in the plan's order, each with figures that
match the stores they cite, every table and chart with its source; and it converts to PDF in LibreOffice."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from datetime import datetime

import docx
import pandas as pd
import pytest
from click.testing import CliRunner

from lscb_workbooks.cli import main
from lscb_workbooks.config import signing_key
from lscb_workbooks.demo.project import run_survey_round
from lscb_workbooks.outputs.final_report.build import write_final_report
from lscb_workbooks.outputs.survey_master import same_words
from lscb_workbooks.spec.load import load_spec
from lscb_workbooks.spec.periods import parse_period
from lscb_workbooks.store.db import Store
from spreadsheet_program import convert, requires_libreoffice

CHAPTERS = ["Datasets", "IT infrastructure", "Information sharing", "Good practice", "Children's involvement",
            "Interface with other datasets", "Gaps & challenges", "Recommendations"]
PERIOD = parse_period("2026-27")


@pytest.fixture(scope="module")
def stores(synthetic_store_file, register, tmp_path_factory):
    """A mapping and a consultation round on real templates for eleven boards, and the synthetic pilot store."""
    folder = tmp_path_factory.mktemp("project")
    key = signing_key(folder / "signing.key")
    sample = list(register)[::3]
    found = {}
    for collection in ("mapping", "consultation"):
        report = run_survey_round(load_spec(collection), sample, PERIOD, folder / collection, key, register)
        found[collection] = report.store_path
    found["dataset"] = shutil.copyfile(synthetic_store_file[0], folder / "pilot.sqlite")
    found["facts"] = synthetic_store_file[1]
    return found


@pytest.fixture(scope="module")
def written(stores, register, tmp_path_factory):
    out = tmp_path_factory.mktemp("final-report")
    result = write_final_report([stores["mapping"], stores["consultation"], stores["dataset"]], out, register,
                                load_spec("dataset"), produced_at=datetime(2027, 7, 1, 10))
    return result


@pytest.fixture(scope="module")
def document(written):
    return docx.Document(written.path)


def headings(document, level: int) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == f"Heading {level}"]


def chapter_blocks(document) -> dict[str, list]:
    """The paragraphs and tables under each top-level heading, in document order."""
    body, blocks, current = document.element.body, {}, None
    paragraphs = {p._p: p for p in document.paragraphs}
    tables = {t._tbl: t for t in document.tables}
    for child in body.iterchildren():
        if child in paragraphs:
            p = paragraphs[child]
            if p.style.name == "Heading 1":
                current = p.text
                blocks[current] = []
                continue
            if current:
                blocks[current].append(p)
        elif child in tables and current:
            blocks[current].append(tables[child])
    return blocks


def table_after(blocks: list, caption_start: str) -> tuple[list[list[str]], str]:
    """The rows of the table whose caption starts so, and the source line under it."""
    for i, block in enumerate(blocks):
        if hasattr(block, "text") and re.match(rf"Table [\w.]+: {re.escape(caption_start)}", block.text):
            table = blocks[i + 1]
            rows = [[c.text for c in row.cells] for row in table.rows]
            return rows, blocks[i + 2].text
    raise KeyError(caption_start)


def test_draft_marked_on_the_title_and_every_page(document):
    assert document.paragraphs[0].text == "DRAFT"
    assert document.sections[0].header.paragraphs[0].text.startswith("DRAFT")
    assert document.core_properties.title.startswith("DRAFT")


def test_summary_then_the_eight_chapters_in_the_plans_order_then_an_appendix_per_hub(document, register):
    titles = headings(document, 1)
    assert titles[0] == "Summary"
    assert titles[1:9] == [f"{n}. {c}" for n, c in enumerate(CHAPTERS, start=1)]
    assert [t.split(": ", 1)[1] for t in titles[9:]] == [f"Hub {h}" for h in register.hubs]


def test_every_chapter_has_a_table_or_chart_and_every_one_cites_its_source(document):
    blocks = chapter_blocks(document)
    for title in [f"{n}. {c}" for n, c in enumerate(CHAPTERS, start=1)]:
        parts = blocks[title]
        captions = [b for b in parts if hasattr(b, "text") and re.match(r"(Table|Figure) \d+\.\d+: ", b.text)]
        assert captions, f"{title} has no table or chart"
        for caption in captions:
            after = parts[parts.index(caption) + (2 if caption.text.startswith("Table") else 1)]
            assert after.text.startswith("Source: "), f"{caption.text} has no source"
    pictures = document.inline_shapes
    assert len(pictures) >= 5


def test_availability_matches_the_pilot_store_and_cites_its_boards(document, stores):
    facts = stores["facts"]
    store = Store(stores["dataset"])
    try:
        values = store.values_in_use("dataset", facts.latest)
        in_use = store.submissions("dataset", facts.latest)
    finally:
        store.close()
    boards = values.la_code.nunique()
    rows, source = table_after(chapter_blocks(document)["1. Datasets"], "Availability and data quality")
    header, body = rows[0], rows[1:]
    assert header == ["Ref", "Indicator", "Boards", "Supplied", "Robust", "Estimated", "Not available", "Missing"]
    spec = load_spec("dataset")
    assert [r[0] for r in body] == [f.id for f in spec.measures]
    assert all(int(r[2]) == boards for r in body)
    assert all(int(r[4]) + int(r[5]) == int(r[3]) for r in body)
    assert all(int(r[3]) + int(r[6]) + int(r[7]) == boards for r in body)
    for la_code, field_id in facts.not_available:
        uses = [r for r in body if r[0] == field_id or field_id in (spec.fields[r[0]].expression or "")]
        assert all(int(r[6]) >= 1 for r in uses)
    returns = in_use[in_use.status.isin(["accepted", "accepted_with_warnings"])].la_code.nunique()
    assert source == (f"Source: Pilot dataset returns (collection 'dataset'), {facts.latest}: {boards} boards answering, "
                      f"of {returns} returns in use (33 boards asked).")


def test_it_systems_are_counted_as_the_mapping_store_holds_them(document, stores):
    spec = load_spec("mapping")
    store = Store(stores["mapping"])
    try:
        values = store.values_in_use("mapping")
    finally:
        store.close()
    given = values[(values.field_id == "it_system") & values.value.notna()]
    counted = Counter(same_words(v) for v in given.value)
    rows, source = table_after(chapter_blocks(document)["2. IT infrastructure"], spec.fields["it_system"].label)
    assert {same_words(r[0]): int(r[1]) for r in rows[1:]} == dict(counted.most_common(len(rows) - 1))
    assert f"{given.la_code.nunique()} boards answering, of 11 returns in use (33 boards asked)" in source


def test_named_gaps_and_challenges_match_their_stores(document, stores):
    blocks = chapter_blocks(document)["7. Gaps & challenges"]
    store = Store(stores["consultation"])
    try:
        values = store.values_in_use("consultation")
    finally:
        store.close()
    gaps = values[values.section_id == "gaps"].pivot_table(index=["la_code", "row_number"], columns="field_id",
                                                            values="value", aggfunc="first").reset_index()
    boards_per_gap = gaps.groupby([gaps.theme, gaps.gap.map(same_words)]).la_code.nunique()
    named = values[values.field_id == "gap"]
    rows, source = table_after(blocks, "Gaps boards named")
    assert len(rows) > 5
    for gap, theme, boards, _ in rows[1:]:
        assert int(boards) == boards_per_gap[(theme, same_words(gap))]
    assert f"{named.la_code.nunique()} boards answering" in source
    store = Store(stores["dataset"])
    try:
        challenges = pd.concat([store.values_in_use("dataset", p) for p in store.periods("dataset")])
    finally:
        store.close()
    logged = challenges[(challenges.section_id == "challenges") & (challenges.field_id == "category")]
    rows, _ = table_after(blocks, "Challenges logged, by agency and category")
    assert sum(int(r[-1]) for r in rows[1:]) == len(logged)


def test_recommendations_follow_the_stated_rules_and_cite_their_evidence(document, stores):
    store = Store(stores["consultation"])
    try:
        votes = store.values_in_use("consultation")
    finally:
        store.close()
    votes = votes[votes.field_id.str.endswith(".decision")]
    share_against = votes.groupby(votes.field_id.str.split(".").str[0]).value.agg(lambda v: (v == "Drop").mean())
    rows, _ = table_after(chapter_blocks(document)["8. Recommendations"], "Recommendations and the evidence")
    by_indicator = {re.search(r"\((\w+)\)$", r[1]).group(1): r for r in rows[1:] if re.search(r"\((\w+)\)$", r[1])}
    spec = load_spec("dataset")
    for f in spec.measures:
        row = by_indicator[f.id]
        assert re.search(r"\d+ of \d+ boards supplied it", row[3])
        if share_against.get(f.id, 0) >= 0.5:
            assert row[2] == "Drop" and "consultation: drop" in row[3]
    assert any(r[2] == "Drop" for r in by_indicator.values())


def test_the_cli_writes_the_report_from_the_stores_given(stores, tmp_path):
    result = CliRunner().invoke(main, ["final-report", "--store", str(stores["mapping"]), "--store",
                                       str(stores["dataset"]), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "final-report.docx").is_file()
    assert "drew on mapping: 2026-27" in result.output and "drew on dataset: 2025-26, 2026-27" in result.output
    assert len(list((tmp_path / "final-report-figures").glob("*.png"))) >= 3
    missing = CliRunner().invoke(main, ["final-report", "--store", str(tmp_path / "none.sqlite"), "--out", str(tmp_path)])
    assert missing.exit_code == 1 and "no store at" in missing.output and "Traceback" not in missing.output


@requires_libreoffice
@pytest.mark.libreoffice
def test_libreoffice_converts_it_to_pdf_with_every_chapter(written, tmp_path):
    pdf = convert(written.path, "pdf", tmp_path)[0]
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "DRAFT" in text
    positions = [text.find(f"{n}. {c}") for n, c in enumerate(CHAPTERS, start=1)]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", pages).group(1)) >= 8
