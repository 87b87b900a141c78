"""The open-data export, checked against the standard's rules written out again here.

The checks below do not use `lscb_workbooks.opendata.standard`: they restate
the Department's rules (column names and order, time identifiers, geographic
levels and codes, GSS symbols, no blank cells, the metadata file's columns)
from the published standard, so the tool's own self-check is tested rather
than trusted.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from click.testing import CliRunner

from lscb_workbooks.cli import main
from lscb_workbooks.outputs.ees import ExportError, export_ees
from lscb_workbooks.spec.register import Authority, Register

from open_data_rules import LONDON_REGIONS, read, standard_problems

@pytest.fixture
def exported(synthetic_store, spec, register, tmp_path):
    return export_ees(synthetic_store.store, spec, register, tmp_path / "export")


def test_export_meets_the_open_data_standard(exported):
    assert exported.data.name == "lscb_dataset_202526_to_202627.csv"
    assert exported.metadata.name == "lscb_dataset_202526_to_202627.meta.csv"
    assert standard_problems(exported.data, exported.metadata) == []


def test_export_has_london_inner_outer_and_every_authority_for_each_period(exported, register):
    _, rows = read(exported.data)
    assert exported.periods == ["2025-26", "2026-27"]
    for time_period in ("202526", "202627"):
        these = [r for r in rows if r["time_period"] == time_period]
        assert {(r["region_code"], r["region_name"]) for r in these if r["geographic_level"] == "Regional"} \
            == LONDON_REGIONS
        authorities = [(r["old_la_code"], r["new_la_code"], r["la_name"], r["region_name"]) for r in these
                       if r["geographic_level"] == "Local authority"]
        # London's authorities sit in inner or outer London, as in the Department's own files
        assert authorities == [(a.la_code, a.ons_code, a.name, f"{a.inner_outer} London") for a in register]


def test_every_number_of_the_return_is_an_indicator_named_from_the_spec(exported, spec):
    header, _ = read(exported.data)
    _, meta = read(exported.metadata)
    numeric = [f for f in spec.form_fields if f.numeric]
    assert header[10:] == [f.id.lower() for f in numeric]
    units = {m["col_name"]: m["indicator_unit"] for m in meta}
    assert {units[f.id.lower()] for f in numeric if f.unit == "percentage"} == {"%"}
    grouping = {m["col_name"]: m["indicator_grouping"] for m in meta}
    assert grouping["ni65"] == spec.theme_titles["maltreatment"]


def test_london_is_the_sum_of_numerators_over_the_sum_of_denominators(exported, synthetic_store, spec, register,
                                                                     group_ratios):
    _, rows = read(exported.data)
    values = synthetic_store.store.values_in_use("dataset", synthetic_store.latest)
    expected = group_ratios(values, spec, register)
    london = next(r for r in rows if r["time_period"] == "202627" and r["region_name"] == "London")
    inner = next(r for r in rows if r["time_period"] == "202627" and r["region_name"] == "Inner London")
    for f in spec.indicators:
        if f.derived and f.parsed_expression.ratio:
            places = Decimal("0.1")
            assert london[f.id.lower()] == str(Decimal(repr(float(expected[("London", "London", f.id)])))
                                               .quantize(places, rounding=ROUND_HALF_UP)), f.id
            assert inner[f.id.lower()] == str(Decimal(repr(float(expected[("Inner/Outer", "Inner", f.id)])))
                                              .quantize(places, rounding=ROUND_HALF_UP)), f.id


def test_missing_rejected_and_not_available_are_x_never_a_number(exported, synthetic_store, spec):
    _, rows = read(exported.data)
    latest = {r["old_la_code"]: r for r in rows if r["time_period"] == "202627" and r["old_la_code"]}
    for la_code in synthetic_store.missing:  # one never returned, one was rejected
        assert {latest[la_code][f.id.lower()] for f in spec.form_fields if f.numeric} == {"x"}
    for la_code, field_id in synthetic_store.not_available:
        assert latest[la_code][field_id.lower()] == "x"
        dependants = [f for f in spec.form_fields if f.derived and field_id in f.parsed_expression.names]
        assert all(latest[la_code][f.id.lower()] == "x" for f in dependants)


def test_suppressed_export_shows_no_count_from_1_to_5(synthetic_store, spec, register, tmp_path):
    result = export_ees(synthetic_store.store, spec, register, tmp_path, synthetic_store.latest, suppress=True)
    assert result.data.name == "lscb_dataset_202627.csv"
    assert standard_problems(result.data, result.metadata) == []
    header, rows = read(result.data)
    counts = [f.id.lower() for f in spec.form_fields if f.unit == "count" and not f.derived and f.max is None]
    cells = [r[c] for r in rows for c in counts]
    assert "c" in cells
    assert not [c for c in cells if c in {"1", "2", "3", "4", "5"}]


def test_an_export_that_would_break_the_standard_is_refused_and_nothing_written(synthetic_store, spec, tmp_path):
    register = Register([Authority("201", "City of London", "not-a-code", "Inner", "North East", "Hackney")])
    with pytest.raises(ExportError, match="new_la_code 'not-a-code'"):
        export_ees(synthetic_store.store, spec, register, tmp_path / "out", synthetic_store.latest)
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_cli_export_writes_both_files_and_says_where(synthetic_store, tmp_path):
    result = CliRunner().invoke(main, ["export", "--format", "ees", "--store", str(synthetic_store.path),
                                       "--period", "2026-27", "--out", str(tmp_path / "open")])
    assert result.exit_code == 0, result.output
    assert "lscb_dataset_202627.csv" in result.output and "lscb_dataset_202627.meta.csv" in result.output
    assert standard_problems(tmp_path / "open" / "lscb_dataset_202627.csv",
                             tmp_path / "open" / "lscb_dataset_202627.meta.csv") == []


@pytest.mark.parametrize("args, message", [
    (["--period", "2019-20"], "no returns for 2019-20"),
    (["--collection", "mapping"], "only a dataset collection"),
])
def test_cli_export_refuses_with_a_message(synthetic_store, tmp_path, args, message):
    result = CliRunner().invoke(main, ["export", "--store", str(synthetic_store.path), "--out", str(tmp_path), *args])
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
