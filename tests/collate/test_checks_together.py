"""Returns are checked together, their fields' columns stacked by kind of check: each problem still comes back
on its own return and cell, and each return's problems read top to bottom of its form."""

from __future__ import annotations

import csv
from pathlib import Path

from lscb_workbooks.collate import collate


def issues_by_file(out: Path) -> dict[str, list[dict[str, str]]]:
    with (out / "issues.csv").open(newline="", encoding="utf-8") as handle:
        found: dict[str, list[dict[str, str]]] = {}
        for row in csv.DictReader(handle):
            found.setdefault(row["file"], []).append(row)
    return found


def row_of(cell: str) -> int:
    return int("".join(ch for ch in cell if ch.isdigit()))


def test_each_problem_on_its_own_return_and_cell_top_to_bottom(make_return, key, tmp_path):
    mistakes = {  # each return wrong in other fields, typed bottom of the form first
        "302": {"MISS_HOME": -1, "CP_START": 2.5, "CSC_REF": -7},
        "303": {"CSC_S47": -2},
        "304": {},
        "305": {"ADOPT_PLACED": -3, "CSC_REF": 10.5},
    }
    for la_code, typed in mistakes.items():
        make_return(la_code, change=lambda entries, typed=typed: entries.values.update(typed))
    collate(tmp_path / "inbox", tmp_path / "out", key=key)
    found = issues_by_file(tmp_path / "out")
    assert "return-304.xlsx" not in found, "a return with nothing wrong has no issues, whatever its neighbours have"
    for la_code, typed in mistakes.items():
        if not typed:
            continue
        issues = found[f"return-{la_code}.xlsx"]
        assert {i["la_code"] for i in issues} == {la_code}
        wrong = {i["field_id"] for i in issues if i["rule"] in ("below_minimum", "not_whole_number")}
        assert wrong == set(typed), (la_code, wrong)
        rows = [row_of(i["cell"]) for i in issues if i["sheet"] == "Return"]
        assert rows == sorted(rows), f"{la_code}'s problems read top to bottom: {rows}"
    negative = next(i for i in found["return-302.xlsx"] if i["field_id"] == "CSC_REF")
    assert "-7 is less than 0" in negative["message"]
    half = next(i for i in found["return-305.xlsx"] if i["field_id"] == "CSC_REF")
    assert half["rule"] == "not_whole_number" and "10.5 is not a whole number" in half["message"]
