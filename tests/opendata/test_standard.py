"""The standard's rules, each shown catching the mistake it is there for."""

from __future__ import annotations

import pytest

from lscb_workbooks.opendata.standard import META_COLUMNS, check_files, number_text, period_of, time_of
from lscb_workbooks.spec.periods import parse_period

HEADER = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
          "region_name", "old_la_code", "new_la_code", "la_name", "referral_count", "rereferral_percent"]
REGION = ["202425", "Financial year", "Regional", "E92000001", "England", "E12000007", "London", "", "", ""]
AUTHORITY = ["202425", "Financial year", "Local authority", "E92000001", "England", "E12000007", "London", "302",
             "E09000003", "Barnet"]
META = [["referral_count", "Indicator", "Referrals", "Referrals", "", "0", "", ""],
        ["rereferral_percent", "Indicator", "Re-referrals (%)", "Referrals", "%", "1", "", ""]]


def problems(header=HEADER, rows=None, meta=META):
    rows = rows if rows is not None else [REGION + ["105790", "19.4"], AUTHORITY + ["2881", "c"]]
    return check_files(header, rows, META_COLUMNS, meta)


def test_a_good_file_passes():
    assert problems() == []


@pytest.mark.parametrize("row, expected", [
    (AUTHORITY + ["", "12.0"], "blank cells"),
    (AUTHORITY + ["12", "~"], "legacy symbol"),
    (AUTHORITY + ["12", "N/A"], "null-like"),
    (AUTHORITY + ["12", "12%"], "neither a number nor a GSS symbol"),
    (["2024-25"] + AUTHORITY[1:] + ["1", "2"], "must be 6 digits"),
    (["202426"] + AUTHORITY[1:] + ["1", "2"], "consecutive years"),
    (["202425", "Finance year"] + AUTHORITY[2:] + ["1", "2"], "time_identifier 'Finance year'"),
    (AUTHORITY[:2] + ["County"] + AUTHORITY[3:] + ["1", "2"], "geographic_level 'County'"),
    (AUTHORITY[:3] + ["E92000002", "England"] + AUTHORITY[5:] + ["1", "2"], "country must be"),
    (REGION[:5] + ["E12000007", "Greater London"] + REGION[7:] + ["1", "2"], "not a region code and name"),
    (REGION[:7] + ["302", "", ""] + ["1", "2"], "must leave old_la_code blank"),
    (AUTHORITY[:7] + ["302", "", "Barnet"] + ["1", "2"], "needs new_la_code"),
    (AUTHORITY[:7] + ["3020", "E09000003", "Barnet"] + ["1", "2"], "three-digit"),
    (AUTHORITY[:7] + ["302", "E0900003", "Barnet"] + ["1", "2"], "nine-character"),
])
def test_each_rule_catches_its_mistake(row, expected):
    found = problems(rows=[REGION + ["1", "2"], row])
    assert any(expected in p for p in found), found


def test_years_and_quarters_never_share_a_file():
    quarter = ["202425", "Financial year Q1"] + AUTHORITY[2:] + ["1", "2"]
    assert any("mixes kinds of time_identifier" in p for p in problems(rows=[REGION + ["1", "2"], quarter]))


def test_repeated_rows_are_caught():
    assert any("repeat the time" in p for p in problems(rows=[AUTHORITY + ["1", "2"], AUTHORITY + ["3", "4"]]))


@pytest.mark.parametrize("header, expected", [
    (["time_identifier", "time_period"] + HEADER[2:], "must come first"),
    (HEADER[:10] + ["Referral Count", "rereferral_percent"], "not snake_case"),
    (HEADER[:10] + ["referral_count", "referral_count"], "more than once"),
    ([c for c in HEADER if c != "country_code"], "no 'country_code' column"),
])
def test_column_names_and_order(header, expected):
    found = problems(header=header, meta=[m for m in META if m[0] in header] or META)
    assert any(expected in p for p in found), found


@pytest.mark.parametrize("meta, expected", [
    (META[:1], "'rereferral_percent' has no row in the metadata"),
    (META + [["region_code", "Filter", "Region", "", "", "", "", ""]], "time or geography column"),
    ([META[0], ["rereferral_percent", "Indicator", "Referrals", "", "%", "1", "", ""]], "label 'Referrals' is used"),
    ([META[0], ["rereferral_percent", "Indicator", "", "", "%", "1", "", ""]], "label is blank"),
    ([META[0], ["rereferral_percent", "Indicator", "Rate", "", "per cent", "1", "", ""]], "indicator_unit"),
    ([META[0], ["rereferral_percent", "Indicator", "Rate", "", "%", "-1", "", ""]], "indicator_dp"),
    ([META[0], ["rereferral_percent", "Measure", "Rate", "", "%", "1", "", ""]], "col_type"),
])
def test_metadata_rules(meta, expected):
    found = problems(meta=meta)
    assert any(expected in p for p in found), found


def test_periods_map_to_time_columns_and_back():
    assert time_of(parse_period("2024-25")) == ("202425", "Financial year")
    assert time_of(parse_period("2024-25-Q3")) == ("202425", "Financial year Q3")
    assert period_of("202425", "Financial year") == "2024-25"
    assert period_of("202425", "Financial year Q3") == "2024-25-Q3"
    assert period_of("2025", "Reporting year") == "2024-25"  # the year to 31 March 2025
    assert period_of("201819", "Academic year") is None


def test_figures_round_half_up_as_published_statistics_do():
    assert number_text(2.25, 1) == "2.3" and number_text(0.125, 2) == "0.13"
    assert number_text(1234.0, 0) == "1234" and number_text(19.0, 1) == "19.0"
