"""A figure outside its usual range is a warning the coordinator reads: the return is still accepted."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import load_workbook

from lscb_workbooks.collate import collate


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def texts(path: Path) -> list[str]:
    book = load_workbook(path, read_only=True)
    return [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row
            if v is not None]


def test_a_third_of_pupils_permanently_excluded_is_a_warning_in_the_feedback(make_return, spec, key, tmp_path):
    def excluded(entries):
        entries.values["EXCL_PERM"] = round(entries.values["PUPILS"] * 0.294)

    make_return("307", change=excluded)
    collate(tmp_path / "inbox", tmp_path / "out", key=key)
    [submission] = rows(tmp_path / "out" / "submissions.csv")
    assert submission["status"] == "accepted_with_warnings"
    [issue] = [i for i in rows(tmp_path / "out" / "issues.csv") if i["rule"] == "outside_usual_range"]
    assert issue["severity"] == "warning" and issue["field_id"] == "EXCL_PERM_RATE"
    assert issue["message"] == (
        "Row 96, 'Permanent exclusions as % of pupils' (D96, sheet 'Return'): 29.4% (worked out from D94 and D95) is "
        "outside the usual range for a London borough (0% to 0.35%). Please check the figures; if they are right, "
        "say why in the comment."), "as the README shows it"
    assert "Please check the figures" in issue["message"]
    [feedback] = (tmp_path / "out" / "feedback").glob("307-*.xlsx")
    written = texts(feedback)
    shown = [t for t in written if "usual range" in t]
    assert len(shown) == 2, "on the Problems sheet, and beside the figure on Your figures"
    assert shown[1] == f"Warning: {shown[0]}"
    assert shown[0].startswith(f"Row {issue['cell'][1:]}, 'Permanent exclusions as % of pupils' ({issue['cell']}, "
                               "sheet 'Return'): 29.4% (worked out from ")
    assert "Please check the figures; if they are right, say why in the comment." in shown[0]
    assert "Warning" in written


def test_a_count_far_beyond_a_handful_names_its_usual_range(make_return, key, tmp_path):
    def reviews(entries):
        entries.values["SCR_INITIATED"] = 3593

    make_return("307", change=reviews)
    collate(tmp_path / "inbox", tmp_path / "out", key=key)
    [issue] = [i for i in rows(tmp_path / "out" / "issues.csv") if i["rule"] == "outside_usual_range"]
    assert issue["field_id"] == "SCR_INITIATED"
    assert issue["message"] == ("Row 107, 'Serious case reviews initiated by the LSCB' (D107, sheet 'Return'): 3,593 "
                                "is outside the usual range for a London borough (0 to 6). Please check the figure; "
                                "if it is right, say why in the comment."), "as the README shows it"
    assert "Please check the figure; if it is right, say why in the comment." in issue["message"]


def test_a_count_per_child_is_judged_against_the_child_population(make_return, key, tmp_path):
    def private_fostering(entries):
        entries.values["PF_END"] = round(entries.values["POP_0_17"] * 0.01)  # 100 per 10,000 children

    make_return("307", change=private_fostering)
    collate(tmp_path / "inbox", tmp_path / "out", key=key)
    [issue] = [i for i in rows(tmp_path / "out" / "issues.csv") if i["rule"] == "outside_usual_range"]
    assert issue["field_id"] == "PF_END"
    assert "(100 per 10,000 of 'Child population aged 0-17' in " in issue["message"]
    assert "(0 to 15 per 10,000)" in issue["message"]


def test_clean_synthetic_returns_raise_no_usual_range_warning(make_return, register, key, tmp_path):
    for authority in register:
        make_return(authority.la_code)
    collate(tmp_path / "inbox", tmp_path / "out", key=key)
    assert [i["message"] for i in rows(tmp_path / "out" / "issues.csv")] == []
    assert {r["status"] for r in rows(tmp_path / "out" / "submissions.csv")} == {"accepted"}
