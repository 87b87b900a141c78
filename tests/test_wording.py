"""Counts and dates, worded the same way in messages, emails, templates and workbooks."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from lscb_workbooks.wording import date_and_time, figure, listed, long_date, ordinal, plural, when_received


@pytest.mark.parametrize("n, word, text", [
    (1, "error", "1 error"), (0, "error", "0 errors"), (3, "warning", "3 warnings"),
    (1, "authority", "1 authority"), (2, "authority", "2 authorities"), (2, "day", "2 days"),
    (2, "box", "2 boxes"), (-1, "day", "-1 days"),
])
def test_plurals(n, word, text):
    assert plural(n, word) == text


def test_an_irregular_plural_is_given():
    assert plural(2, "child", "children") == "2 children"


def test_dates_as_people_write_them():
    assert long_date(date(2026, 5, 1)) == "1 May 2026"
    assert long_date(date(2026, 5, 15), weekday=True) == "Friday 15 May 2026"
    assert date_and_time(datetime(2008, 5, 2, 10, 15)) == "2 May 2008 at 10:15"


def test_a_stored_time_is_worded_and_other_text_kept():
    assert when_received("2008-05-02T10:15:00Z") == "2 May 2008 at 10:15"
    assert when_received("not a time") == "not a time"
    assert when_received(None) == ""


@pytest.mark.parametrize("n, text", [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"),
                                     (13, "13th"), (21, "21st"), (22, "22nd"), (101, "101st"), (111, "111th")])
def test_ordinals(n, text):
    assert ordinal(n) == text


@pytest.mark.parametrize("items, text", [([], ""), (["a.xlsx"], "a.xlsx"), (["a.xlsx", "b.xlsx"], "a.xlsx and b.xlsx"),
                                         (["a", "b", "c", "d"], "a, b, c and d")])
def test_names_listed_in_a_sentence(items, text):
    assert listed(items) == text


@pytest.mark.parametrize("value, text", [
    (1234, "1,234"), (1.903, "1.903"), (0.1 + 0.2, "0.3"), (81.00000000000001, "81"), (-0.0, "0"),
    (999_999_999_999_999, "999,999,999,999,999"), (1e15, "1E+15"), (1e20, "1E+20"), (1e308, "1E+308"),
    (123456789012345678, "1.23456789012346E+17"), (1e-7, "1E-07"),
])
def test_figures_are_quoted_to_15_significant_digits(value, text):
    """As a spreadsheet holds them: never a run of digits it does not have (1e20 is not 100,000,000,...)."""
    assert figure(value) == text
