"""The master workbook read back as a reader's program would: sheets, figures, charts, tables, text, printing."""

from __future__ import annotations

import re
import shutil
import zipfile
from datetime import datetime

import openpyxl
import pandas as pd
import pytest

from lscb_workbooks.outputs import master as master_module
from lscb_workbooks.outputs import xlsx
from lscb_workbooks.outputs.comparison import is_score
from lscb_workbooks.outputs.master import write_master
from lscb_workbooks.spec.load import load_spec
from lscb_workbooks.spec.register import load_register
from lscb_workbooks.store.db import Store
from spreadsheet_program import convert, requires_libreoffice

PRODUCED = datetime(2027, 6, 1, 9, 30)
COUNT_FORMAT = xlsx.number_format("count")


@pytest.fixture(scope="module")
def built(synthetic_store_file, tmp_path_factory):
    """One master and one suppressed master from a copy of the synthetic store."""
    source, facts = synthetic_store_file
    folder = tmp_path_factory.mktemp("master")
    shutil.copyfile(source, folder / "store.sqlite")
    store = Store(folder / "store.sqlite")
    spec, register = load_spec("dataset"), load_register()
    try:
        path = write_master(store, spec, register, facts.latest, folder / "master.xlsx", produced_at=PRODUCED)
        hidden = write_master(store, spec, register, facts.latest, folder / "master-suppressed.xlsx",
                              suppress=True, produced_at=PRODUCED)
        values = store.values_in_use("dataset", facts.latest)
    finally:
        store.close()
    return {"path": path, "suppressed": hidden, "facts": facts, "values": values}


@pytest.fixture(scope="module")
def book(built):
    return openpyxl.load_workbook(built["path"])


def table_rows(book, name: str) -> list[dict]:
    """The rows of an Excel table as dicts keyed by header, wherever the table is."""
    for ws in book.worksheets:
        if name in ws.tables:
            cells = ws[ws.tables[name].ref]
            headers = [c.value for c in cells[0]]
            return [dict(zip(headers, (c.value for c in row))) for row in cells[1:]]
    raise KeyError(name)


def theme_sheets(spec) -> list[str]:
    return [t.id.capitalize() for t in spec.themes if any(f.theme == t.id for f in spec.indicators)]


def test_the_sheets_of_issue_4_are_there_in_order(book, spec):
    names = book.sheetnames
    expected = ["Contents", "Returns tracker", "Dashboard", "Conceptual model", *theme_sheets(spec), "Trends", "Data quality",
                "Challenges and gaps", "Profiles", "Definitions", "Trend figures", "Data", "Chart data"]
    assert names == expected
    assert all(len(n) <= 31 for n in names) and len({n.lower() for n in names}) == len(names)


def test_the_conceptual_model_shows_every_theme_by_age_group_with_its_indicators_and_gaps(book, spec):
    ws = book["Conceptual model"]
    model = spec.conceptual_model
    header = next(r for r in range(1, 20) if ws.cell(r, 1).value == "Theme \\ age group")
    assert [ws.cell(header, c).value for c in range(2, len(model.age_groups) + 2)] == [a.title for a in model.age_groups]
    gaps = 0
    for r, theme in enumerate(model.themes, start=header + 1):
        assert ws.cell(r, 1).value == theme.title
        for c, group in enumerate(model.age_groups, start=2):
            text = ws.cell(r, c).value
            ids = [f.id for f in spec.measures if f.theme == theme.id and f.age_group == group.id]
            if ids:
                assert text.endswith(", ".join(ids))
            else:
                assert text == "Gap: no indicator yet"
                gaps += 1
    assert gaps == len(model.gaps) > 0
    assert f"the {gaps} marked" in " ".join(str(c.value) for row in ws.iter_rows(max_row=header) for c in row)
    key = table_rows(book, "Conceptual_model_key") + table_rows(book, "Conceptual_model_key_2")
    assert sorted(r["Ref"] for r in key) == sorted(f.id for f in spec.measures), "the key, in two halves side by side"


def test_contents_counts_returns_and_links_every_sheet(book, built):
    ws = book["Contents"]
    facts = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    assert facts["Period"] == built["facts"].latest
    assert facts["Authorities in the register"] == 33
    assert facts["Returns accepted"] + facts["Returns accepted with warnings"] == 31
    assert facts["Returns rejected (not in use)"] == 1 and facts["Returns missing (nothing received)"] == 1
    assert "01 June 2027" in facts["Date produced"]
    links = {c.value: c.hyperlink.location for row in ws.iter_rows() for c in row if c.hyperlink}
    assert set(links) == set(book.sheetnames)
    assert all(location.endswith("!A1") for location in links.values())


def test_returns_tracker_names_all_33_authorities_and_marks_the_missing(book, built, register):
    rows = table_rows(book, "Returns_tracker")
    assert sorted(r["Authority"] for r in rows) == sorted(a.name for a in register)
    status = {r["Code"]: r["Status"] for r in rows}
    facts = built["facts"]
    assert status[facts.rejected] == "Rejected"
    assert status[next(code for code in facts.missing if code != facts.rejected)] == "Not received"
    assert sum(s.startswith("Accepted") for s in status.values()) == 31
    with_file = [r for r in rows if r["Status"].startswith("Accepted")]
    assert all(r["File"] and isinstance(r["Date received"], datetime) and r["Template version"] for r in with_file)


def test_every_theme_sheet_names_all_33_authorities(book, spec, register):
    for name in theme_sheets(spec):
        ws = book[name]
        overview = next(t for t in ws.tables if t.startswith("Overview_"))
        assert {r["Authority"] for r in table_rows(book, overview)} == {a.name for a in register}


def test_london_and_hub_figures_equal_those_recomputed_from_the_values(book, built, spec, register, group_ratios):
    expected = group_ratios(built["values"], spec, register)
    labels = {("London", "London"): "London"}
    labels |= {("Hub", h): f"{h} hub" for h in register.hubs}
    labels |= {("Inner/Outer", s): f"{s} London" for s in ("Inner", "Outer")}
    checked = 0
    for f in spec.indicators:
        if not (f.derived and f.parsed_expression.ratio):
            continue
        rows = {r["London and groups"]: r for r in table_rows(book, f"{f.theme}_{f.id}_groups")}
        for (kind, group), label in labels.items():
            assert rows[label]["Value"] == pytest.approx(expected[(kind, group, f.id)], rel=1e-9), (f.id, label)
            checked += 1
    ratios = [f for f in spec.indicators if f.derived and f.parsed_expression.ratio]
    assert checked == len(ratios) * 10 and len(ratios) >= 26
    dashboard = {r["Area"]: r for r in table_rows(book, "Dashboard_headlines")}
    headline = next(f for f in spec.indicators if f.headline and f.parsed_expression and f.parsed_expression.ratio)
    header = next(h for h in dashboard["London"] if h and (h.startswith(headline.label[:40]) or h.startswith(headline.short)))
    assert dashboard["London"][header] == pytest.approx(expected[("London", "London", headline.id)])


def test_rates_in_the_master_are_worked_out_again_from_the_counts(book, built, spec):
    la_code, field_id = built["facts"].tampered
    f = spec.fields[field_id]
    ratio = f.parsed_expression.ratio
    values = built["values"].set_index(["la_code", "field_id"]).number
    expected = values[(la_code, ratio.numerator)] / values[(la_code, ratio.denominator)] * ratio.multiplier
    data = [r for r in table_rows(book, "Data") if r["Code"] == la_code and r["Reference"] == field_id]
    assert data[0]["Value"] == pytest.approx(expected)
    assert data[0]["Value"] != pytest.approx(values[(la_code, field_id)])


def test_intervals_ranks_and_words_sit_beside_each_rate(book, spec):
    f = next(f for f in spec.indicators if f.derived and f.parsed_expression.ratio and f.polarity != "neither")
    rows = [r for r in table_rows(book, f"{f.theme}_{f.id}") if isinstance(r["Value"], float)]
    assert len(rows) >= 29
    for r in rows:
        assert r["Lower 95%"] <= r["Value"] <= r["Upper 95%"]
        assert r["Compared with London"] in {"better", "similar", "worse"}
        assert isinstance(r["Rank"], int) and r["Quartile"] in {"Q1", "Q2", "Q3", "Q4"}


def test_charts_are_native_with_titles_axis_titles_and_alt_text(built):
    with zipfile.ZipFile(built["path"]) as z:
        charts = [n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
        assert 40 <= len(charts) <= 80
        for name in charts:
            xml = z.read(name).decode()
            titles = xml.count("<c:title>")
            assert titles >= 3, f"{name} lacks a chart title or axis titles"
        drawings = [z.read(n).decode() for n in z.namelist() if re.fullmatch(r"xl/drawings/drawing\d+\.xml", n)]
    frames = [m for d in drawings for m in re.findall(r"<xdr:cNvPr [^>]*>", d)]
    assert len(frames) == len(charts)
    assert all(re.search(r'descr="[^"]{40,}"', frame) for frame in frames)


def test_theme_charts_show_london_and_the_hub(book, spec):
    ws = book[theme_sheets(spec)[0]]
    assert len(ws._charts) >= 10


def test_formula_like_text_from_returns_stays_text(built):
    book = openpyxl.load_workbook(built["path"])
    texts = built["facts"].formula_texts
    assert texts[0].startswith("=HYPERLINK(")
    seen = {}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{ws.title}!{c.coordinate} holds a formula"
                if c.value in texts:
                    seen[c.value] = c.data_type
    assert seen == {text: "s" for text in texts}


def test_tables_are_real_excel_tables_with_header_rows(book):
    for name in book.sheetnames:
        ws = book[name]
        if name == "Chart data":
            continue
        assert ws.tables, f"{name} has no Excel table"
        for table in ws.tables.values():
            assert table.headerRowCount in (None, 1)


def test_sheets_print_landscape_fitted_to_width_with_the_period_in_the_header(book, built):
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1), ws.title
        one_page = ws.title in ("Contents", "Conceptual model")  # the model's grid and its key read together
        assert ws.page_setup.fitToHeight in ((None, 1) if one_page else (0,)), ws.title
        assert built["facts"].latest in (ws.oddHeader.left.text or ""), ws.title
    for name in ("Returns tracker", "Data", "Data quality", "Definitions"):
        assert book[name].freeze_panes is not None


def test_number_formats_follow_units(book, spec):
    f = next(f for f in spec.indicators if f.unit == "percentage" and f.derived)
    ws = next(ws for ws in book.worksheets if f"{f.theme}_{f.id}" in ws.tables)
    first = ws[ws.tables[f"{f.theme}_{f.id}"].ref][1]
    assert first[2].number_format == xlsx.number_format("percentage")
    data = book["Data"]
    formats = {data.cell(r, 7).value: data.cell(r, 6).number_format for r in range(5, 400)
               if isinstance(data.cell(r, 6).value, (int, float))}
    assert formats["Count"] == COUNT_FORMAT and formats["%"] == xlsx.number_format("percentage")


def test_challenges_are_all_there_as_a_filterable_table(book, built):
    values = built["values"]
    logged = values[values.section_id == "challenges"][["la_code", "row_number"]].drop_duplicates()
    rows = table_rows(book, "Challenges_and_gaps")
    assert len(rows) == len(logged) > 0
    assert {"Agency", "Category", "Description"} <= set(rows[0])
    ws = book["Challenges and gaps"]
    assert ws.tables["Challenges_and_gaps"].autoFilter is not None


def test_definitions_cover_every_field(book, spec):
    rows = table_rows(book, "Definitions")
    assert [r["Reference"] for r in rows] == [f.id for f in spec.form_fields]
    assert {"Definition", "Unit", "Agency", "Theme", "Polarity", "Source", "National indicator"} <= set(rows[0])


def test_data_quality_shows_what_is_missing_estimated_and_not_available(book, built, spec):
    rows = {r["Authority"]: r for r in table_rows(book, "Completeness")}
    names = {a.la_code: a.name for a in load_register()}
    facts = built["facts"]
    short = {f.id: f.short for f in spec.form_fields}
    for la_code, field_id in facts.not_available:
        assert rows[names[la_code]][short[field_id]] == "N"
    for la_code, field_id in facts.estimated:
        assert rows[names[la_code]][short[field_id]] == "E"
    assert set(rows[names[facts.missing[0]]][f.short] for f in spec.indicators) == {"-"}
    assert rows[names[facts.missing[0]]]["Return"] == "No return"
    assert set(rows[names[facts.rejected]][f.short] for f in spec.indicators) == {"R"}, "rejected is not missing"
    assert rows[names[facts.rejected]]["Return"] == "Rejected: awaiting a corrected return"
    warnings = table_rows(book, "Warnings")
    assert len(warnings) == 6 and all(w["What was flagged"] and w["Authority and file"] for w in warnings)


def test_trends_has_line_charts_and_directions(book, spec):
    ws = book["Trends"]
    assert len(ws._charts) == sum(1 for f in spec.indicators if f.headline)
    directions = table_rows(book, "Direction_of_travel")
    assert set(directions[0]) == {"Area", "Hub"} | {f.short for f in spec.indicators if f.derived}, \
        "headed by the indicators' short names, never by cut-off codes"
    assert len(directions) == 33 + 10
    values = {v for r in directions for k, v in r.items() if k not in ("Area", "Hub")}
    assert values <= {"I", "W", "=", "H", "L", "*", None, ""}
    assert {"I", "W"} <= values


def test_suppressed_master_has_no_count_from_1_to_5(built, spec):
    """Count cells are those in the count format; ranks, quartiles and tallies of returns use other formats.

    A bounded self-assessment score (0 to 3) is not a count of children, so rows about one are not checked.
    """
    book = openpyxl.load_workbook(built["suppressed"])
    scores = {f.id for f in spec.form_fields if is_score(f)}
    small, hidden = [], 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            if any(c.value in scores for c in row):
                continue
            for c in row:
                if c.value == "c":
                    hidden += 1
                if c.number_format == COUNT_FORMAT and isinstance(c.value, (int, float)) and 1 <= c.value <= 5:
                    small.append(f"{ws.title}!{c.coordinate}={c.value}")
    assert not small, small[:10]
    assert hidden > 10
    contents = book["Contents"]
    notes = [c.value for row in contents.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(n.startswith("Small numbers suppressed") for n in notes)


def test_the_unsuppressed_master_does_show_small_counts(book):
    small = [c for c in book["Data"]["F"] if c.number_format == COUNT_FORMAT and isinstance(c.value, (int, float))
             and 1 <= c.value <= 5]
    assert small


def test_an_interrupted_write_leaves_the_last_good_master(built, tmp_path, monkeypatch, spec, register):
    target = tmp_path / "master.xlsx"
    shutil.copyfile(built["path"], target)
    before = target.read_bytes()

    def broken(self):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(master_module.MasterWorkbook, "render", broken)
    store = Store(tmp_path / "empty.sqlite")
    try:
        with pytest.raises(RuntimeError):
            write_master(store, spec, register, "2026-27", target)
    finally:
        store.close()
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_long_text_is_cut_with_a_visible_marker(tmp_path):
    text = "x" * 40_000
    cut = xlsx.cell_text(text)
    assert len(cut) == 32_767 and cut.endswith("[cut: 7,268 characters not shown]")

    def build(workbook):
        xlsx.write_value(workbook.add_worksheet("Long"), 0, 0, text)

    path = xlsx.save_atomically(build, tmp_path / "long.xlsx")
    assert openpyxl.load_workbook(path)["Long"]["A1"].value == cut


def test_an_empty_store_still_gives_a_master(tmp_path, spec, register):
    store = Store(tmp_path / "empty.sqlite")
    try:
        path = write_master(store, spec, register, "2026-27", tmp_path / "master.xlsx", produced_at=PRODUCED)
    finally:
        store.close()
    book = openpyxl.load_workbook(path)
    assert {r["Status"] for r in table_rows(book, "Returns_tracker")} == {"Not received"}


@requires_libreoffice
@pytest.mark.libreoffice
def test_libreoffice_prints_the_master_to_pdf(built, tmp_path):
    [pdf] = convert(built["path"], "pdf", tmp_path / "pdf")
    assert pdf.exists() and pdf.stat().st_size > 100_000
    assert pdf.read_bytes().count(b"/Type /Page") > 40 or pdf.read_bytes().count(b"/Type/Page") > 40


def test_in_a_workspace_the_tracker_says_timing_and_contact_and_an_audit_sheet_is_added(synthetic_store, spec,
                                                                                        register, tmp_path):
    store = synthetic_store.store
    store.start_run("2027-05-02T09:00:00+00:00", "collate", "lscb collate inbox")
    round_columns = pd.DataFrame({"la_code": [a.la_code for a in register], "timing": "2 days late",
                                  "coordinator": "Jo <jo@example.org>", "last_email": "chase 01/05/2027"})
    path = write_master(store, spec, register, synthetic_store.latest, tmp_path / "master.xlsx",
                        produced_at=PRODUCED, round_columns=round_columns, runs=store.runs())
    book = openpyxl.load_workbook(path)
    tracker = table_rows(book, "Returns_tracker")
    assert {r["Against the deadline"] for r in tracker} == {"2 days late"}
    assert tracker[0]["Coordinator"] == "Jo <jo@example.org>" and tracker[0]["Last email"] == "chase 01/05/2027"
    audit = book["Audit log"]
    commands = [row for row in audit.iter_rows(values_only=True) if "lscb collate inbox" in row]
    assert len(commands) == 1


def test_machine_readable_sheets_are_kept_but_print_their_heading_only(book):
    assert book["Chart data"].sheet_state == "hidden" and not book["Chart data"].print_area, \
        "a hidden sheet with no print area is not printed by Excel or LibreOffice"
    for title in ("Data", "Profiles"):
        ws = book[title]
        area = ws.print_area
        assert area, title
        last_row = int(re.sub(r"\D", "", str(area).split(":")[-1]))
        assert last_row <= 4 and ws.max_row > 50, (title, area)
        heading = " ".join(str(c.value) for row in ws.iter_rows(max_row=last_row) for c in row if c.value)
        assert "not printed" in heading
    assert not book["Dashboard"].print_area


def test_the_dashboard_has_one_chart_per_headline_indicator_with_hubs_coloured_by_significance(book, built, spec):
    from lscb_workbooks.outputs import palette

    headline = [f for f in spec.indicators if f.headline and f.numeric]
    ws = book["Dashboard"]
    assert len(ws._charts) == len(headline)
    allowed = {c.fill[1:] for c in palette.VERDICT.values()} | {"000000"}
    with zipfile.ZipFile(built["path"]) as z:
        rels = z.read("xl/worksheets/_rels/sheet3.xml.rels").decode()
        drawing = re.search(r'Target="../drawings/(drawing\d+\.xml)"', rels).group(1)
        charts = re.findall(r'Target="../charts/(chart\d+\.xml)"',
                            z.read(f"xl/drawings/_rels/{drawing}.rels").decode())
        for name in charts:
            xml = z.read(f"xl/charts/{name}").decode()
            assert xml.count("<c:ser>") == 1, "one indicator per chart, on its own axis"
            points = re.findall(r'<c:dPt>.*?<a:srgbClr val="([0-9A-F]{6})"', xml, flags=re.S)
            assert points[0] == "000000", "London is black"
            assert set(points) <= allowed
            assert '<c:min val="0"/>' in xml, "bars rise from zero, so their heights compare fairly"


def test_the_tracker_puts_those_needing_action_first(book):
    rows = table_rows(book, "Returns_tracker")
    order = [r["Status"] for r in rows]
    needs_action = [i for i, s in enumerate(order) if s in ("Rejected", "Could not be read", "Not received")]
    accepted = [i for i, s in enumerate(order) if s.startswith("Accepted")]
    assert needs_action and accepted and max(needs_action) < min(accepted)


def test_challenges_are_summarised_by_agency_and_category_above_the_list(book, spec):
    section = next(s for s in spec.sections if s.kind == "table")
    agency, category = [f for f in section.fields if f.unit == "choice"][:2]
    entries = table_rows(book, "Challenges_and_gaps")
    summary = {r[agency.label]: r for r in table_rows(book, "Challenges_summary")}
    assert set(summary) == set(agency.options)
    for option in agency.options:
        mine = [e for e in entries if e[agency.label] == option]
        assert summary[option]["Total"] == len(mine)
        for other in category.options:
            assert summary[option][other] == sum(1 for e in mine if e[category.label] == other)
    assert sum(r["Total"] for r in summary.values()) == len([e for e in entries if e[agency.label]])


def test_each_theme_sheet_links_to_each_indicators_section(book, spec):
    theme = spec.themes[0]
    ws = book[theme.id.replace("_", " ").capitalize()]
    links = {c.hyperlink.location: c.value for row in ws.iter_rows(max_row=12) for c in row if c.hyperlink}
    assert len(links) >= 3
    for location, label in links.items():
        target = int(location.split("!A")[1])
        assert ws.cell(target, 1).value, (label, location)
