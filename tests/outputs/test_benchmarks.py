"""England beside London: published figures read in the open data standard, shown in the master and profiles.

The published files in tests/data/published are rows copied unchanged from the
Department's own files (see the README there). Files made here are synthetic
and say so in their names.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from lscb_workbooks.cli import main
from lscb_workbooks.opendata.published import PublishedError, load_published
from lscb_workbooks.outputs.benchmarks import COUNTS_PUBLISHED, RATE_ONLY, add_comparators, england_basis
from lscb_workbooks.outputs.comparison import compare_period
from lscb_workbooks.outputs.ees import export_ees
from lscb_workbooks.outputs.master import write_master
from lscb_workbooks.outputs.profiles import write_profiles

PUBLISHED = Path(__file__).parents[1] / "data" / "published"
C1 = PUBLISHED / "c1_children_in_need_referrals_and_rereferrals_2025_london_extract.csv"
CLA = PUBLISHED / "la_cla_placement_stability_2025_london_extract.csv"


def synthetic_england(path: Path, period: str, rereferrals: str, referrals: str = "632830") -> Path:
    """A SYNTHETIC England row in the exact layout of the Department's table C1, for a period the store holds."""
    header = C1.read_text(encoding="utf-8").splitlines()[0].split(",")
    year = str(int(period[:4]) + 1)  # a 'Reporting year' is the year to 31 March
    row = dict.fromkeys(header, "")
    row.update(time_period=year, time_identifier="Reporting year", geographic_level="National",
               country_code="E92000001", country_name="England", category="Referrals and Re-referrals",
               referral_count=referrals, rereferral_count=rereferrals,
               rereferral_percent=f"{int(rereferrals) / int(referrals) * 100:.1f}" if referrals else "x")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerow(row)
    return path


def test_published_files_are_read_by_the_spec_s_mapping(spec):
    published = load_published([C1, CLA], spec)
    england = published.england_code()
    assert england == "E92000001"
    assert published.number(england, "2024-25", "CSC_REF") == 632830  # reporting year 2025 = 2024-25
    assert published.number(england, "2024-25", "CSC_REREF") == 22.6
    assert published.number(england, "2023-24", "CSC_REREF") == 22.4
    assert published.number("202", "2024-25", "CSC_REF") == 2086  # Camden, by its three-digit code
    assert published.number(england, "2024-25", "LAC_END") == 81770  # filtered on cla_group and placement_stability
    assert published.number(england, "2024-25", "LAC_3PLUS") == 8500
    assert published.number(england, "2024-25", "LAC_LONG") == 28710
    assert published.figure("201", "2024-25", "CSC_REF").value == 57


def test_a_rate_backed_by_published_counts_is_exact_and_comparable(spec):
    published = load_published([C1, CLA], spec)
    value, exact = published.ratio_figure(spec, "E92000001", "2024-25", spec.fields["CSC_REREF"])
    assert exact and value == pytest.approx(142900 / 632830 * 100)
    value, exact = published.ratio_figure(spec, "E92000001", "2024-25", spec.fields["LAC_PLACE3"])
    assert exact and value == pytest.approx(8500 / 81770 * 100)  # published as 10 (whole number); the counts agree


def test_england_rows_and_significance_against_england(synthetic_store, spec, register):
    values = synthetic_store.store.values_in_use("dataset", synthetic_store.latest).assign(period="2024-25")
    comparison = add_comparators(compare_period(spec, register, values, "2024-25"), load_published([C1, CLA], spec))
    england = comparison.groups[comparison.groups.group_type == "England"].set_index("field_id")
    assert england.loc["CSC_REREF", "value"] == pytest.approx(142900 / 632830 * 100)
    assert england.loc["CSC_REREF", "label"] == "England (published)"
    basis = england_basis(comparison)
    assert basis["CSC_REREF"] == COUNTS_PUBLISHED and basis["LAC_PLACE3"] == COUNTS_PUBLISHED
    rereferrals = comparison.authorities[comparison.authorities.field_id == "CSC_REREF"]
    assert set(rereferrals.vs_england) - {"not compared"}, "authorities are compared with England"
    for row in rereferrals.itertuples():
        if not math.isnan(row.lower):
            inside = row.lower <= england.loc["CSC_REREF", "value"] <= row.upper
            assert (row.vs_england == "similar") == inside
    assert set(comparison.groups[comparison.groups.group_type == "Published"].group) == {"London", "Inner London",
                                                                                        "Outer London"}


def test_where_only_the_rate_is_published_england_is_a_reference_not_a_comparison(synthetic_store, spec, register,
                                                                                   tmp_path):
    only_rate = synthetic_england(tmp_path / "SYNTHETIC_england_rate_only.csv", "2024-25", "142900", referrals="")
    only_rate.write_text(only_rate.read_text().replace(",x,", ",22.6,"), encoding="utf-8")
    values = synthetic_store.store.values_in_use("dataset", synthetic_store.latest).assign(period="2024-25")
    comparison = add_comparators(compare_period(spec, register, values, "2024-25"), load_published([only_rate], spec))
    assert england_basis(comparison)["CSC_REREF"] == RATE_ONLY
    rereferrals = comparison.authorities[comparison.authorities.field_id == "CSC_REREF"]
    assert set(rereferrals.vs_england) == {"not compared"}
    assert set(rereferrals.england) == {22.6}


def test_loading_our_own_export_reproduces_london(synthetic_store, spec, register, tmp_path):
    exported = export_ees(synthetic_store.store, spec, register, tmp_path)
    published = load_published([exported.data], spec)
    values = synthetic_store.store.values_in_use("dataset", synthetic_store.latest)
    comparison = compare_period(spec, register, values, synthetic_store.latest,
                                fields=[f for f in spec.form_fields if f.numeric])
    london = comparison.rows_by_group[("London", "London")]
    checked = 0
    for f in spec.form_fields:
        if not f.numeric or math.isnan(london[f.id]["value"]):
            continue
        value, _ = published.ratio_figure(spec, "E12000007", synthetic_store.latest, f)
        places = 0 if f.unit == "count" and not f.derived else 1
        assert value == pytest.approx(london[f.id]["value"], abs=0.5 * 10 ** -places + 1e-9), f.id
        checked += 1
    assert checked > 50


@pytest.fixture
def with_england(synthetic_store, spec, tmp_path):
    path = synthetic_england(tmp_path / "SYNTHETIC_c1_england.csv", synthetic_store.latest, "142900")
    return load_published([path], spec)


def test_master_shows_england_on_the_dashboard_and_beside_each_indicator(synthetic_store, spec, register, tmp_path,
                                                                         with_england):
    path = write_master(synthetic_store.store, spec, register, synthetic_store.latest, tmp_path / "master.xlsx",
                        comparators=with_england)
    wb = openpyxl.load_workbook(path)
    dashboard = [row for row in wb["Dashboard"].iter_rows(values_only=True)]
    england = next(row for row in dashboard if row[0] == "England (published)")
    assert round(england[1], 1) == 22.6  # the first headline indicator is re-referrals
    assert any("only where England's numerator and denominator are both published" in str(r[0]) for r in dashboard)
    sheet = wb["Maltreatment"]
    cells = [c.value for row in sheet.iter_rows() for c in row]
    assert "Compared with England" in cells
    assert "England (published)" in cells
    assert {"better", "worse", "similar"} & set(cells)


def test_profiles_show_england_and_the_comparison(synthetic_store, spec, register, tmp_path, with_england):
    values = synthetic_store.store.values_in_use("dataset", synthetic_store.latest)
    comparison = add_comparators(compare_period(spec, register, values, synthetic_store.latest), with_england)
    written = write_profiles(comparison, tmp_path / "profiles")
    barnet = next(p for p in written if p.stem.startswith("302"))
    ws = openpyxl.load_workbook(barnet).worksheets[0]
    rows = [row for row in ws.iter_rows(values_only=True)]
    header = next(r for r in rows if r and "England" in r)
    assert "Compared with England" in header
    rereferral = next(r for r in rows if r and r[0] == "CSC_REREF")
    assert round(rereferral[header.index("England")], 1) == 22.6


def test_cli_refuses_a_file_not_in_the_standard(synthetic_store, tmp_path):
    bad = tmp_path / "england.csv"
    bad.write_text("area,value\nEngland,22.6\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["report", "--store", str(synthetic_store.path), "--out", str(tmp_path / "o"),
                                       "--comparators", str(bad)])
    assert result.exit_code != 0
    assert "not in the open data standard" in result.output and "Traceback" not in result.output


def test_a_file_with_no_field_of_the_dataset_is_refused(spec, tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("time_period,time_identifier,geographic_level,country_code,country_name,pupils\n"
                     "202425,Academic year,National,E92000001,England,100\n", encoding="utf-8")
    with pytest.raises(PublishedError, match="no figures for this dataset's fields"):
        load_published([other], spec)


def test_indicator_charts_draw_england_as_a_reference_line(synthetic_store, spec, register, tmp_path, with_england):
    import zipfile

    path = write_master(synthetic_store.store, spec, register, synthetic_store.latest, tmp_path / "master.xlsx",
                        comparators=with_england)
    with zipfile.ZipFile(path) as package:
        charts = [package.read(n).decode() for n in package.namelist() if n.startswith("xl/charts/chart")]
    assert sum("England (published)" in c for c in charts) == 1, "only re-referrals has England's figure"


def test_report_says_when_the_published_figures_are_for_another_period(synthetic_store, tmp_path):
    result = CliRunner().invoke(main, ["report", "--store", str(synthetic_store.path), "--out", str(tmp_path / "o"),
                                       "--period", synthetic_store.latest, "--comparators", str(C1)])
    assert result.exit_code == 0, result.output
    assert f"have none for {synthetic_store.latest} (they cover 2023-24, 2024-25), so England is not shown" \
        in result.output
