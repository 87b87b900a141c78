from datetime import date, datetime, time

import pytest

from lscb_workbooks.spec.models import Field
from lscb_workbooks.validation.cells import a1, parse_cell

COUNT = Field(id="C", label="Count", unit="count")
PERCENT = Field(id="P", label="Percent", unit="percentage")
YES_NO = Field(id="Y", label="Yes or no", unit="yes_no")
DATE = Field(id="D", label="Date", unit="date")


@pytest.mark.parametrize("raw, number", [(" 12 ", 12), ("1,234", 1234), (12.0, 12), ("-3", -3), ("0", 0), ("1 234", 1234)])
def test_numbers_typed_as_text_are_numbers(raw, number):
    parsed = parse_cell(raw, COUNT)
    assert parsed.number == number and parsed.problem is None


def test_percent_sign_in_a_percentage_is_dropped():
    assert parse_cell("45%", PERCENT).number == 45
    assert parse_cell("45%", COUNT).problem == "'45%' is not a number"


@pytest.mark.parametrize("raw", ["n/a", "-", "see note", "N/A", "12 (est)", True])
def test_text_in_a_count_is_a_problem_never_a_zero(raw):
    parsed = parse_cell(raw, COUNT)
    assert parsed.number is None and "is not a number" in parsed.problem


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_blank_is_blank(raw):
    assert parse_cell(raw, COUNT).blank


def test_choices_and_dates():
    assert parse_cell("yes", YES_NO).text == "Yes"
    assert parse_cell("maybe", YES_NO).text == "maybe"
    assert parse_cell(datetime(2027, 4, 30), DATE).text == "2027-04-30"
    assert parse_cell("30/04/2027", DATE).text == "2027-04-30"
    assert "is not a date" in parse_cell("next week", DATE).problem


def test_cell_addresses():
    assert [a1(14, 4), a1(1, 27), a1(3, 52)] == ["D14", "AA1", "AZ3"]


@pytest.mark.parametrize("raw", ["12 15", "1 23", "12,15", "1,234 567", "1 2 3"])
def test_two_figures_in_one_box_are_never_joined(raw):
    parsed = parse_cell(raw, COUNT)
    assert parsed.number is None and parsed.problem == f"'{raw}' is not a number"


@pytest.mark.parametrize("raw", ["1 234 567", "1\u00a0234", "1\u202f234", "1,234,567"])
def test_real_thousands_groupings_are_separators(raw):
    assert parse_cell(raw, COUNT).number == 1234567 or parse_cell(raw, COUNT).number == 1234


@pytest.mark.parametrize("raw", [0.1 * 3 * 270, 81.00000000000001, "81.00000000000001", 80.9999999999999])
def test_floating_point_noise_on_a_whole_number_is_that_number(raw):
    parsed = parse_cell(raw, COUNT)
    assert parsed.number == 81 and parsed.text == "81" and parsed.problem is None


def test_a_real_fraction_is_kept_and_quoted_as_typed():
    from lscb_workbooks.validation.schema import _number

    assert parse_cell(81.5, COUNT).number == 81.5
    assert parse_cell(1.903, PERCENT).text == "1.903"
    assert _number(1.903) == "1.903" and _number(1234.5) == "1,234.5" and _number(1234) == "1,234"


@pytest.mark.parametrize("raw, shown", [(1e308, "1E+308"), (1e20, "1E+20"), (-1e15, "-1E+15"), (float("inf"), "INF"),
                                        ("100000000000000000000", "'100000000000000000000'"),
                                        ("1,000,000,000,000,000", "'1,000,000,000,000,000'")])
def test_a_figure_of_sixteen_digits_or_more_is_never_a_number(raw, shown):
    parsed = parse_cell(raw, COUNT)
    assert parsed.number is None and parsed.rule == "too_large" and parsed.text == shown.strip("'")
    assert parsed.problem == (f"{shown} is too large to be a figure (it has more than 15 digits, more than a "
                              "spreadsheet holds exactly); please check it")


@pytest.mark.parametrize("raw", [9_000_000, 999_999_999_999_999, "999,999,999,999,999"])
def test_large_figures_a_spreadsheet_holds_exactly_are_numbers(raw):
    parsed = parse_cell(raw, COUNT)
    assert parsed.problem is None and parsed.number == float(str(raw).replace(",", ""))


def test_a_truth_value_or_a_time_of_day_is_named_as_the_spreadsheet_shows_it():
    assert parse_cell(True, COUNT).problem == "'TRUE' is not a number"
    assert parse_cell(False, COUNT).text == "FALSE"
    assert parse_cell(time(10, 30), COUNT).problem == "'10:30:00' is a time of day, not a number"
    assert parse_cell(date(2027, 3, 31), COUNT).problem == "'2027-03-31' is a date, not a number"
