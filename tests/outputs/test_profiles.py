"""Borough profiles: read back, checked against the comparison they were made from, and printed."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from lscb_workbooks.outputs import xlsx
from lscb_workbooks.outputs.comparison import compare_period, is_small_number_count
from lscb_workbooks.outputs.profiles import (
    CHART_ROWS,
    MARK_WIDTH,
    REAL_FIGURES,
    SPINE_BANDS,
    _mark_segments,
    add_profiles_sheet,
    build_profile,
    ordinal,
    quartile_text,
    rank_text,
    write_profiles,
)
from lscb_workbooks.store.db import Store
from spreadsheet_program import convert, requires_libreoffice

PRODUCED = date(2027, 6, 1)
PROFILE_COLUMNS = ["Ref", "Indicator", "Unit", "Value", "Previous", "Change", "Change since previous", "Lower 95%", "Upper 95%", "London", "hub",
                   "Rank in London", "Quartile", "Compared with London", "Compared with hub", "Data quality"]


def _compared(synthetic_store_file, suppress: bool = False):
    path, built = synthetic_store_file
    store = Store(path)
    try:
        values = store.values_in_use(built.collection, built.latest)
    finally:
        store.close()
    from lscb_workbooks.spec.load import load_spec
    from lscb_workbooks.spec.register import load_register
    return compare_period(load_spec("dataset"), load_register(), values, built.latest, suppress=suppress)


@pytest.fixture(scope="module")
def comparison(synthetic_store_file):
    return _compared(synthetic_store_file)


@pytest.fixture(scope="module")
def suppressed(synthetic_store_file):
    """The same period under disclosure control."""
    return _compared(synthetic_store_file, suppress=True)


@pytest.fixture(scope="module")
def profiles(comparison, tmp_path_factory) -> dict[str, Path]:
    written = write_profiles(comparison, tmp_path_factory.mktemp("profiles"), produced_at=PRODUCED)
    return {p.stem.split("-")[0]: p for p in written}


def _profile_rows(path: Path) -> dict[str, dict[str, object]]:
    """The Profile sheet's indicator rows by Ref, under the column headings of its tables."""
    sheet = openpyxl.load_workbook(path)["Profile"]
    rows = {}
    for table in sheet.tables.values():
        cells = [[c.value for c in row] for row in sheet[table.ref]]
        header, *body = cells
        for values in body:
            rows[values[0]] = dict(zip(header, values))
    return rows


def test_one_profile_per_authority_that_returned(comparison, profiles, synthetic_store_file):
    _, built = synthetic_store_file
    returned = [a for a in comparison.register if a.la_code in comparison.returned]
    assert len(profiles) == len(returned) == 33 - len(built.missing)
    assert not set(built.missing) & set(profiles)
    for authority in returned:
        path = profiles[authority.la_code]
        assert path.name == f"{authority.file_stem}.xlsx"
        workbook = openpyxl.load_workbook(path, read_only=True)
        try:
            title = workbook["Profile"]["A1"].value
        finally:
            workbook.close()
        assert title == f"{authority.name}: safeguarding profile, {comparison.period}"


def test_figures_equal_those_in_the_comparison(comparison, profiles):
    authority = comparison.register.by_code("302")
    rows = _profile_rows(profiles["302"])
    own = comparison.for_authority("302").set_index("field_id")
    checked = 0
    for f in comparison.spec.indicators:
        row, expected = rows[f.id], own.loc[f.id]
        assert row["Indicator"] == f.label
        if not f.numeric:
            continue
        if math.isnan(expected.value):
            assert row["Value"] is None
        else:
            assert row["Value"] == pytest.approx(expected.value, rel=1e-12)
            if "rank" in f.comparisons and not expected.small:
                ranked = int(comparison.for_field(f.id)["rank"].notna().sum())
                assert row["Rank in London"] == f"{ordinal(int(expected['rank']))} of {ranked}"
            else:
                assert row["Rank in London"] is None, "counts and small numbers are not ranked"
            checked += 1
        assert row["London"] == pytest.approx(expected.london, rel=1e-12)
        assert row[f"{authority.hub} hub"] == pytest.approx(expected.hub_value, rel=1e-12)
        if not math.isnan(expected.lower):
            assert (row["Lower 95%"], row["Upper 95%"]) == pytest.approx((expected.lower, expected.upper), rel=1e-12)
    assert checked > 50


def test_verdicts_rank_and_quartile_are_written_in_words(comparison, profiles):
    rows = _profile_rows(profiles["302"])
    verdicts = {r["Compared with London"] for r in rows.values()}
    assert verdicts <= {"Better", "Worse", "Similar", "Higher", "Lower", "Not compared"}
    assert verdicts & {"Better", "Worse", "Similar"}
    assert all(re.fullmatch(r"\d+(st|nd|rd|th) of \d+", r["Rank in London"]) for r in rows.values() if r["Rank in London"])
    assert {r["Quartile"] for r in rows.values() if r["Quartile"]} <= {
        "Q1 (best)", "Q2", "Q3", "Q4 (worst)", "Q1 (highest)", "Q4 (lowest)"}


def test_not_available_figures_are_said_so(comparison, profiles, synthetic_store_file):
    _, built = synthetic_store_file
    la_code, field_id = next((la, f) for la, f in built.not_available if la in profiles)
    row = _profile_rows(profiles[la_code])[field_id]
    assert row["Value"] is None and row["Data quality"] == "Not available" and row["Rank in London"] is None


def test_profile_is_grouped_by_theme_in_spec_order(comparison, profiles):
    sheet = openpyxl.load_workbook(profiles["302"])["Profile"]
    tables = sorted(sheet.tables.values(), key=lambda t: int(re.search(r"\d+", t.ref).group()))
    themes = list(dict.fromkeys(f.theme for f in comparison.spec.indicators))
    assert [t.name for t in tables] == [f"Profile_{t}" for t in themes]
    refs = [r for t in tables for r in [row[0].value for row in sheet[t.ref]][1:]]
    assert refs == [f.id for f in comparison.spec.indicators]
    first_header_row = int(re.search(r"\d+", tables[0].ref).group())
    assert [c.value for c in sheet[first_header_row]][:len(PROFILE_COLUMNS)] == [
        h if h != "hub" else "Islington hub" for h in PROFILE_COLUMNS]


def test_spine_charts_are_native_charts_with_titles_and_alt_text(comparison, profiles):
    expected = sum(-(-len(group) // CHART_ROWS) for group in _charted_by_theme(comparison).values())
    with zipfile.ZipFile(profiles["302"]) as archive:
        charts = [n for n in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
        drawing = archive.read("xl/drawings/drawing1.xml").decode()
        first = archive.read(charts[0]).decode()
    assert len(charts) == expected
    assert '<c:barDir val="bar"/>' in first and '<c:grouping val="stacked"/>' in first
    assert "Stay safe" in first and "Indicator" in first and "Better" in first
    assert drawing.count('descr="Spine chart') == expected
    assert "Barnet" in drawing


def _charted_by_theme(comparison):
    charted = set(comparison.spread[comparison.spread.n > 0].field_id)
    charted &= {f.id for f in comparison.spec.indicators if "spine" in f.comparisons}
    groups: dict[str, list[str]] = {}
    for f in comparison.spec.indicators:
        if f.id in charted:
            groups.setdefault(f.theme, []).append(f.id)
    return groups


def test_spine_puts_london_in_the_middle_and_turns_so_right_is_better(comparison):
    profile = build_profile(comparison, comparison.register.by_code("302"))
    spine = pd.DataFrame(profile.spine).set_index("Ref")
    spec = comparison.spec
    rate = next(f for f in spec.indicators if f.derived and f.polarity == "lower_is_better" and f.id in spine.index)
    row = spine.loc[rate.id]
    bar_end = row["Lead (hidden)"] + sum(row[b] for b, _ in SPINE_BANDS)
    assert 0 <= row["Lead (hidden)"] and bar_end <= 100 + 1e-9
    london_mark = row["Mark lead (hidden)"] + MARK_WIDTH / 2 if row["London mark (first)"] else None
    if london_mark is not None:
        assert london_mark == pytest.approx(50)
    authority_mark_is_right = row["Authority mark (second)"] > 0 or (
        row["Authority mark (first)"] > 0 and row["Mark lead (hidden)"] + MARK_WIDTH / 2 > 50)
    assert authority_mark_is_right == (row["Authority"] < row["London"])  # lower is better, so lower sits right


def test_marks_on_one_bar_whichever_comes_first():
    assert _mark_segments(30.0, 50.0) == pytest.approx({
        "Mark lead (hidden)": 30 - MARK_WIDTH / 2, "Authority mark (first)": MARK_WIDTH, "London mark (first)": 0,
        "Mark gap (hidden)": 20 - MARK_WIDTH, "Authority mark (second)": 0, "London mark (second)": MARK_WIDTH})
    later = _mark_segments(80.0, 50.0)
    assert later["London mark (first)"] == later["Authority mark (second)"] == MARK_WIDTH
    alone = _mark_segments(None, 50.0)
    assert alone["London mark (first)"] == MARK_WIDTH and alone["Authority mark (second)"] == 0
    assert _mark_segments(50.0, 50.4)["Mark gap (hidden)"] == 0


@pytest.mark.parametrize("n, text", [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"),
                                     (13, "13th"), (21, "21st"), (22, "22nd"), (33, "33rd"), (111, "111th")])
def test_ordinals(n, text):
    assert ordinal(n) == text


def test_rank_and_quartile_words():
    assert rank_text(5, 31) == "5th of 31"
    assert rank_text(None, 31) == ""
    assert quartile_text(1, "higher_is_better") == "Q1 (best)"
    assert quartile_text(4, "lower_is_better") == "Q4 (worst)"
    assert quartile_text(1, "neither") == "Q1 (highest)"
    assert quartile_text(3, "neither") == "Q3"


def test_small_numbers_show_as_c_when_suppressed(suppressed):
    hidden = suppressed
    suppressed = hidden.authorities[hidden.authorities.suppressed & hidden.authorities.la_code.isin(hidden.returned)]
    la_code, field_id = suppressed.iloc[0][["la_code", "field_id"]]
    rows = pd.DataFrame(build_profile(hidden, hidden.register.by_code(la_code)).rows).set_index("field_id")
    assert rows.at[field_id, "value"] == "c" and rows.at[field_id, "rank"] == ""


def test_suppressed_profiles_leave_real_figures_out_of_the_chart_data(suppressed, tmp_path):
    hidden = suppressed
    la_code = hidden.authorities[hidden.authorities.suppressed].la_code.iloc[0]
    [path] = [p for p in write_profiles(hidden, tmp_path) if p.name.startswith(la_code)]
    workbook = openpyxl.load_workbook(path)
    data = workbook["Chart data"]
    header = [c.value for c in data[3]]
    for name in REAL_FIGURES:
        column = header.index(name) + 1
        assert all(data.cell(row, column).value is None for row in range(4, data.max_row + 1)), name
    counts = {f.id for f in hidden.spec.indicators if is_small_number_count(f)}
    small = [row[:4] for row in workbook["Profile"].iter_rows(min_row=5, values_only=True)
             if row[0] in counts and isinstance(row[3], (int, float)) and 1 <= row[3] <= 5]
    assert not small


def test_print_setup(profiles):
    workbook = openpyxl.load_workbook(profiles["302"])
    assert workbook.sheetnames == ["Profile", "Spine charts", "Chart data"]
    assert workbook["Chart data"].sheet_state == "hidden"
    for title in ("Profile", "Spine charts"):
        sheet = workbook[title]
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToHeight == 0
        assert "Barnet" in sheet.oddHeader.left.text and "2026-27" in sheet.oddHeader.left.text


def test_master_profiles_sheet_is_one_table(comparison, tmp_path):
    path = xlsx.save_atomically(lambda workbook: add_profiles_sheet(workbook, comparison), tmp_path / "master.xlsx")
    sheet = openpyxl.load_workbook(path)["Profiles"]
    [table] = sheet.tables.values()
    header, *body = [[c.value for c in row] for row in sheet[table.ref]]
    assert header[:4] == ["Authority", "Hub", "Theme", "Ref"]
    assert len(body) == len(comparison.returned) * len(comparison.spec.indicators)
    names = {r[0] for r in body}
    assert names == {a.name for a in comparison.register if a.la_code in comparison.returned}


@requires_libreoffice
def test_a_profile_opens_and_prints_in_libreoffice(profiles, tmp_path):
    source = profiles["201"]  # the City of London: the smallest authority, the widest intervals
    [pdf] = convert(source, "pdf", tmp_path)
    assert pdf.exists() and pdf.stat().st_size > 10_000
    if shutil.which("pdftotext"):  # poppler-utils, installed beside LibreOffice in CI
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "City of London: safeguarding profile" in text
        assert "City of London: where it sits in London" in text
        assert text.count("\f") >= 4  # the table and the spine charts, page by page
