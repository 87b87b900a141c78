"""`lscb demo` runs the project's whole life on synthetic data and says where every phase left its outputs."""

from __future__ import annotations

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from lscb_workbooks.cli import main
from lscb_workbooks.spec.load import check_spec_text
from lscb_workbooks.store.db import Store


def test_every_phase_is_run_in_order_and_its_outputs_named(demo):
    out, output = demo
    phases = [line.strip() for line in output.split("The project's life, phase by phase")[1].splitlines()[1:]]
    assert [p.split(" ", 1)[0] for p in phases] == ["1.", "2.", "3.", "4.", "5.", "6."]
    for relative in ("1-mapping/master.xlsx", "2-consultation/master.xlsx", "3-revised-spec/dataset.yaml",
                     "3-revised-spec/sign-off.xlsx", "master.xlsx", "5-good-practice/master.xlsx",
                     "6-final-report/final-report.docx"):
        assert (out / relative).is_file(), relative
        assert str(out / relative) in output
    assert "1. Mapping survey, 2024-25: 33 returns" in output
    assert "4. Pilot, 2025-26, 2026-27" in output
    assert "Collection dataset, period 2026-27" in output
    assert "taken as signed off: the pilot runs on it" in output


def test_the_revised_spec_passes_its_check_and_the_report_draws_on_every_store(demo):
    out, _ = demo
    spec, problems = check_spec_text((out / "3-revised-spec" / "dataset.yaml").read_text(encoding="utf-8"),
                                     str(out / "3-revised-spec" / "dataset.yaml"))
    assert problems == [] and spec.version == "2026.2"
    store = Store(out / "store.sqlite")
    try:
        used = store.submissions("dataset")
    finally:
        store.close()
    assert set(used[used.status == "accepted"].spec_version) == {"2026.2"}
    texts = [p.text for p in docx.Document(out / "6-final-report" / "final-report.docx").paragraphs]
    for source in ("Source: Mapping survey (collection 'mapping'), 2024-25: ",
                   "Source: Consultation on the draft dataset (collection 'consultation'), 2024-25: ",
                   "Source: Pilot dataset returns (collection 'dataset'), 2026-27: ",
                   "Source: Good practice from LSCBs (collection 'good_practice'), 2026-27: 6 boards answering."):
        assert any(t.startswith(source) for t in texts), source


def test_the_pilot_master_is_for_the_latest_period_with_its_trend(demo):
    out, output = demo
    assert "Collection dataset, period 2026-27" in output
    book = openpyxl.load_workbook(out / "master.xlsx", read_only=True)
    assert "Trends" in book.sheetnames, "two periods of returns give a trend"
    assert "2026-27" in str(book["Dashboard"]["A1"].value)


def test_the_pilot_exports_as_open_data_that_meets_the_standard(demo, tmp_path):
    from open_data_rules import standard_problems

    out, _ = demo
    result = CliRunner().invoke(main, ["export", "--format", "ees", "--store", str(out / "store.sqlite"),
                                       "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    data = sorted(tmp_path.glob("lscb_dataset_*.csv"))
    assert [p.name.endswith(".meta.csv") for p in data] == [False, True]
    assert standard_problems(data[0], data[1]) == []


def test_the_pilot_looks_like_london_every_figure_in_its_usual_range_but_the_planted_mistakes(demo):
    """The synthetic returns stay inside the spec's usual ranges; only the returns the demo sends with a mistake
    in them (one with a percentage planted far above its usual range) raise a warning of that kind."""
    import csv

    from lscb_workbooks.demo.run import PLANTED_MISTAKES
    from lscb_workbooks.spec.periods import parse_period
    from lscb_workbooks.spec.register import load_register
    from usual_ranges import outside_usual_ranges

    out, _ = demo
    spec = check_spec_text((out / "3-revised-spec" / "dataset.yaml").read_text(encoding="utf-8"), "dataset.yaml")[0]
    planted = {a.la_code for i, a in enumerate(load_register()) if i in PLANTED_MISTAKES}
    with (out / "issues.csv").open(newline="", encoding="utf-8") as handle:
        warned = [i for i in csv.DictReader(handle) if i["rule"] == "outside_usual_range"]
    assert warned and {i["la_code"] for i in warned} <= planted
    far_outside = [i for i in warned if i["la_code"] == list(load_register())[PLANTED_MISTAKES[-1]].la_code]
    assert far_outside and "is outside the usual range for a London borough" in far_outside[0]["message"]
    with (out / "values.csv").open(newline="", encoding="utf-8") as handle:
        values: dict[tuple[str, str], dict[str, object]] = {}
        for row in csv.DictReader(handle):
            number = float(row["value"]) if row["value"] and row["value"].lstrip("-").replace(".", "", 1).isdigit() \
                else row["value"]
            values.setdefault((row["la_code"], row["period"]), {})[row["field_id"]] = number
    assert len(values) >= 29, "every return in use"
    for (la_code, period), figures in values.items():
        if la_code not in planted:
            assert outside_usual_ranges(spec, figures, parse_period(period)) == [], (la_code, period)
