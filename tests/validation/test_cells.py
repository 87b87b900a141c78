from datetime import datetime

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
