"""One hub's outputs cover that hub's authorities only: ledgers as well as workbooks."""

from __future__ import annotations

from lscb_workbooks.collate import collate
from test_collate import rows


def test_hub_ledgers_cover_the_hub_only(make_return, register, key, tmp_path):
    for la_code in ("302", "303", "305"):
        make_return(la_code, change=lambda e: e.values.update({"CSC_REF": "n/a"}) if la_code == "303" else None)
    (tmp_path / "inbox" / "unknown.xlsx").write_bytes(b"not a workbook at all")
    lewisham = register.in_hub("Lewisham")
    out = tmp_path / "out"
    report = collate(tmp_path / "inbox", out, key=key, register=register, report_register=lewisham)
    hub_codes = {a.la_code for a in lewisham}
    for name in ("submissions.csv", "values.csv", "issues.csv"):
        found = rows(out / name)
        assert found, f"{name} is empty"
        assert {r["la_code"] for r in found} <= hub_codes, name
    assert {r["la_code"] for r in rows(out / "submissions.csv")} == {"303", "305"}
    assert sum(report.statuses.values()) == 2
    whole = collate(tmp_path / "inbox", tmp_path / "all", key=key, register=register)
    assert {r["la_code"] for r in rows(tmp_path / "all" / "submissions.csv")} == {"302", "303", "305", ""}
    assert sum(whole.statuses.values()) == 4
