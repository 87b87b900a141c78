"""A figure too large for a spreadsheet to hold exactly is an error quoted as the spreadsheet shows it.

A count of 1E+308 or 1E+20 is a slip, never a figure: it must not reach the store, the master or
values.csv, and its message must not run to hundreds of digits.
"""

from __future__ import annotations

import pytest

from lscb_workbooks.collate import collate
from test_collate import by_file, rows


@pytest.mark.parametrize("typed, shown", [(1e308, "1E+308"), (1e20, "1E+20")])
def test_a_count_too_large_to_be_a_figure_is_rejected(make_return, key, tmp_path, typed, shown):
    make_return("302", name="huge.xlsx", change=lambda entries: entries.values.update(CP_END=typed))

    collate(tmp_path / "inbox", tmp_path / "out", key=key)

    issues = [i for i in rows(tmp_path / "out" / "issues.csv") if i["field_id"] == "CP_END"]
    assert [(i["severity"], i["rule"]) for i in issues] == [("error", "too_large")]
    assert issues[0]["message"].endswith(
        f"(D{issues[0]['cell'][1:]}, sheet 'Return'): {shown} is too large to be a figure (it has more than 15 "
        "digits, more than a spreadsheet holds exactly); please check it.")
    assert all(len(i["message"]) < 400 for i in rows(tmp_path / "out" / "issues.csv"))
    assert by_file(tmp_path / "out")["huge.xlsx"]["status"] == "rejected"
    assert rows(tmp_path / "out" / "values.csv") == []


def test_a_large_but_real_population_is_still_a_figure(make_return, key, tmp_path):
    make_return("302", name="large.xlsx", change=lambda entries: entries.values.update(POP_0_17=9_000_000))

    collate(tmp_path / "inbox", tmp_path / "out", key=key)

    assert by_file(tmp_path / "out")["large.xlsx"]["status"] == "accepted_with_warnings"
    population = [v for v in rows(tmp_path / "out" / "values.csv") if v["field_id"] == "POP_0_17"]
    assert [v["value"] for v in population] == ["9000000"]
    said = [i["message"] for i in rows(tmp_path / "out" / "issues.csv") if i["field_id"] == "POP_0_17"]
    assert said and all("9,000,000 is outside the usual range" in m for m in said)
