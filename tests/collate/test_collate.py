"""Collation end to end on real returns: every file accounted for, every number traced to its cell."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from lscb_workbooks.cli import main
from lscb_workbooks.collate import collate
from lscb_workbooks.store.db import Store

from lscb_workbooks.spec.periods import parse_period

PERIOD = parse_period("2026-27")


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def run(inbox: Path, out: Path, key: bytes, **options):
    return collate(inbox, out, key=key, **options)


def by_file(out: Path) -> dict[str, dict[str, str]]:
    return {r["file"]: r for r in rows(out / "submissions.csv")}


def set_time(path: Path, seconds: float) -> None:
    os.utime(path, (seconds, seconds))


def test_every_number_typed_comes_back_with_its_cell(make_return, register, spec, key, tmp_path):
    inbox = tmp_path / "inbox"
    typed = {}
    for authority in register:
        path, entries = make_return(authority.la_code)
        typed[authority.la_code] = entries
    report = run(inbox, tmp_path / "out", key)
    assert report.statuses["accepted"] + report.statuses["accepted_with_warnings"] == 33
    assert report.missing == []
    values = rows(tmp_path / "out" / "values.csv")
    got = {(v["la_code"], v["field_id"]): v for v in values if not v["row_number"]}
    template = load_workbook(tmp_path / "inbox" / "return-302.xlsx")
    for la_code, entries in typed.items():
        for field_id, value in entries.values.items():
            row = got[(la_code, field_id)]
            assert row["period"] == str(PERIOD)
            if isinstance(value, (int, float)):
                assert float(row["value"]) == pytest.approx(value)
            sheet = template[row["sheet"]]
            assert sheet.cell(int(row["cell"][1:]), 1).value == field_id, "the cell is on the field's row"
    # derived values are recomputed from the counts
    barnet = typed["302"].values
    assert float(got[("302", "NI65")]["value"]) == pytest.approx(100 * barnet["CP_REPEAT"] / barnet["CP_START"], abs=1e-4)
    assert all(v["sha256"] for v in values)


def test_rerun_changes_nothing_and_new_files_add_only_themselves(make_return, key, tmp_path):
    make_return("302")
    out = tmp_path / "out"
    run(tmp_path / "inbox", out, key)
    first = (out / "submissions.csv").read_text()
    report = run(tmp_path / "inbox", out, key)
    assert report.new_files == 0 and report.already_seen == 1
    assert (out / "submissions.csv").read_text() == first
    make_return("303")
    report = run(tmp_path / "inbox", out, key)
    assert report.new_files == 1
    assert len(rows(out / "submissions.csv")) == 2
    store = Store(out / "store.sqlite")
    form = store.values_in_use("dataset").query("row_number.isna()", engine="python")
    assert len(form.query("la_code == '302'")) == len(form.query("la_code == '303'"))
    store.close()


def test_every_file_is_archived_byte_for_byte(make_return, key, tmp_path):
    path, _ = make_return("302")
    run(tmp_path / "inbox", tmp_path / "out", key)
    [row] = rows(tmp_path / "out" / "submissions.csv")
    archived = tmp_path / "out" / "archive" / row["sha256"][:2] / row["sha256"]
    assert archived.read_bytes() == path.read_bytes()


def test_problems_in_cells_name_the_row_indicator_and_cell(make_return, spec, key, tmp_path):
    def mistakes(entries):
        entries.values["CSC_REF"] = "n/a"
        entries.values["CP_START"] = -4
        entries.values["CSC_S47"] = " 1,234 "
        entries.values["CP_REPEAT"] = 10_000
        entries.values.pop("MISS_HOME")

    make_return("302", change=mistakes)
    run(tmp_path / "inbox", tmp_path / "out", key)
    [submission] = rows(tmp_path / "out" / "submissions.csv")
    assert submission["status"] == "rejected"
    assert "send the whole return again" in submission["message"]
    issues = {(i["field_id"], i["rule"]): i for i in rows(tmp_path / "out" / "issues.csv")}
    not_a_number = issues[("CSC_REF", "not_a_number")]
    assert not_a_number["cell"].startswith("D") and not_a_number["sheet"] == "Return"
    assert f"({not_a_number['cell']}, sheet 'Return'): 'n/a' is not a number" in not_a_number["message"]
    assert "Referrals to children's social care" in not_a_number["message"]
    assert "Counts cannot be negative" in issues[("CP_START", "below_minimum")]["message"]
    assert ("CSC_S47", "not_a_number") not in issues, "'1,234' typed as text is a number"
    assert issues[("CP_REPEAT", "NI65_numerator_within_denominator")]["severity"] == "error"
    assert "Not available" in issues[("MISS_HOME", "required")]["message"]
    assert ("CSC_REF", "required") not in issues, "a cell already reported as not a number is not also 'empty'"
    feedback = list((tmp_path / "out" / "feedback").glob("*.xlsx"))
    assert [p.name for p in feedback] == ["302-Barnet.xlsx"]


def test_not_available_with_a_reason_is_accepted(make_return, key, tmp_path):
    def not_available(entries):
        entries.values.pop("MISS_HOME")
        entries.ratings["MISS_HOME"] = "Not available"
        entries.comments["MISS_HOME"] = "Police system change"

    make_return("302", change=not_available)
    run(tmp_path / "inbox", tmp_path / "out", key)
    [submission] = rows(tmp_path / "out" / "submissions.csv")
    assert submission["status"] in ("accepted", "accepted_with_warnings")
    values = {v["field_id"]: v for v in rows(tmp_path / "out" / "values.csv")}
    assert values["MISS_HOME"]["value"] == "" and values["MISS_HOME"]["rating"] == "Not available"
    assert values["MISS_HOME"]["comment"] == "Police system change"


def test_misleading_name_same_file_twice_and_a_corrected_resubmission(make_return, key, tmp_path):
    inbox = tmp_path / "inbox"
    first, entries = make_return("302", name="Camden final.xlsx", change=lambda e: e.values.update(CSC_REF="lots"))
    set_time(first, 1_700_000_000)
    shutil.copyfile(first, inbox / "copy.xlsx")
    set_time(inbox / "copy.xlsx", 1_700_000_100)
    second, _ = make_return("302", name="Camden final v2.xlsx")
    set_time(second, 1_700_100_000)
    run(inbox, tmp_path / "out", key)
    files = by_file(tmp_path / "out")
    assert files["Camden final.xlsx"]["la_code"] == "302", "identity comes from the template, not the name"
    assert files["Camden final.xlsx"]["status"] == "superseded"
    assert "Camden final v2.xlsx" in files["Camden final.xlsx"]["message"]
    assert files["copy.xlsx"]["status"] == "duplicate"
    assert files["Camden final v2.xlsx"]["status"] in ("accepted", "accepted_with_warnings")
    values = rows(tmp_path / "out" / "values.csv")
    assert {v["sha256"] for v in values} == {files["Camden final v2.xlsx"]["sha256"]}


def test_an_inserted_row_and_a_renamed_sheet_still_read_correctly(make_return, key, tmp_path):
    path, entries = make_return("302")
    workbook = load_workbook(path)
    sheet = workbook["Return"]
    sheet.insert_rows(12, amount=2)
    sheet.title = "Our return"
    workbook.save(path)
    run(tmp_path / "inbox", tmp_path / "out", key)
    [submission] = rows(tmp_path / "out" / "submissions.csv")
    assert submission["status"] in ("accepted", "accepted_with_warnings"), submission["message"]
    values = {v["field_id"]: v for v in rows(tmp_path / "out" / "values.csv")}
    assert values["CSC_REF"]["sheet"] == "Our return"
    assert float(values["CSC_REF"]["value"]) == entries.values["CSC_REF"]
    reread = load_workbook(path)["Our return"]
    assert reread[values["CSC_REF"]["cell"]].value == entries.values["CSC_REF"]


def test_an_edited_label_or_identity_is_rejected_as_altered(make_return, key, tmp_path):
    path, _ = make_return("302", name="edited label.xlsx")
    workbook = load_workbook(path)
    sheet = workbook["Return"]
    row = next(r for r in sheet.iter_rows() if r[0].value == "CSC_REF")
    sheet.cell(row[0].row, 2).value = "Referrals (our own definition)"
    workbook.save(path)
    forged, _ = make_return("303", name="forged identity.xlsx")
    workbook = load_workbook(forged)
    identity = workbook["_identity"]
    next(r for r in identity.iter_rows() if r[0].value == "la_code")[1].value = "302"
    workbook.save(forged)
    run(tmp_path / "inbox", tmp_path / "out", key)
    files = by_file(tmp_path / "out")
    for name in ("edited label.xlsx", "forged identity.xlsx"):
        assert files[name]["status"] == "rejected"
        assert "altered" in files[name]["message"]
    assert files["forged identity.xlsx"]["la_code"] == ""


def test_missing_identity_sheet_and_blank_template(templates, make_return, key, tmp_path):
    path, _ = make_return("302", name="no identity.xlsx")
    workbook = load_workbook(path)
    del workbook["_identity"]
    workbook.save(path)
    shutil.copyfile(templates["303"], tmp_path / "inbox" / "blank.xlsx")
    run(tmp_path / "inbox", tmp_path / "out", key)
    files = by_file(tmp_path / "out")
    assert files["no identity.xlsx"]["status"] == "rejected"
    assert "not a return made from one of the project's templates" in files["no identity.xlsx"]["message"]
    assert files["blank.xlsx"]["status"] == "rejected"
    assert "blank" in files["blank.xlsx"]["message"]
    assert files["blank.xlsx"]["la_code"] == "303"


def test_an_old_template_version_is_named(spec, register, key, tmp_path):
    from lscb_workbooks.demo.coordinator import fill_template
    from lscb_workbooks.demo.synthetic import synthetic_entries
    from lscb_workbooks.templates.render import write_templates

    old = spec.model_copy(update={"template_version": "2025.1"})
    barnet = register.by_code("302")
    [template] = write_templates(old, [barnet], PERIOD, tmp_path / "old", key)
    fill_template(template, synthetic_entries(spec, barnet, PERIOD), tmp_path / "inbox" / "old.xlsx")
    run(tmp_path / "inbox", tmp_path / "out", key)
    [submission] = rows(tmp_path / "out" / "submissions.csv")
    assert submission["status"] == "rejected"
    assert "template version 2025.1" in submission["message"]
    assert "copy your figures across" in submission["message"]


def test_a_formula_typed_into_an_input_cell(make_return, key, tmp_path):
    path, entries = make_return("302")
    workbook = load_workbook(path)
    sheet = workbook["Return"]
    row = next(r for r in sheet.iter_rows() if r[0].value == "CSC_S47")[0].row
    sheet.cell(row, 4).value = "=10+20"
    workbook.save(path)
    run(tmp_path / "inbox", tmp_path / "out", key)
    issues = {i["rule"]: i for i in rows(tmp_path / "out" / "issues.csv")}
    assert issues["formula_without_result"]["field_id"] == "CSC_S47"
    assert issues["formula_without_result"]["cell"] == f"D{row}"


def test_plausibility_against_the_previous_period(templates, spec, register, key, tmp_path):
    from lscb_workbooks.demo.coordinator import fill_template
    from lscb_workbooks.demo.synthetic import synthetic_entries
    from lscb_workbooks.templates.render import write_templates

    barnet = register.by_code("302")
    previous = PERIOD.previous()
    [old_template] = write_templates(spec, [barnet], previous, tmp_path / "t", key)
    before = synthetic_entries(spec, barnet, previous)
    fill_template(old_template, before, tmp_path / "inbox" / "last year.xlsx")
    now = synthetic_entries(spec, barnet, PERIOD)
    now.values["CSC_REF"] = before.values["CSC_REF"] * 3
    fill_template(templates["302"], now, tmp_path / "inbox" / "this year.xlsx")
    run(tmp_path / "inbox", tmp_path / "out", key)
    issues = [i for i in rows(tmp_path / "out" / "issues.csv") if i["rule"] == "implausible_change"]
    assert [i["field_id"] for i in issues if i["field_id"] == "CSC_REF"] == ["CSC_REF"]
    [issue] = [i for i in issues if i["field_id"] == "CSC_REF"]
    assert issue["severity"] == "warning" and str(previous) in issue["message"]


def test_other_attachments_are_ignored_and_named(make_return, key, tmp_path):
    make_return("302")
    (tmp_path / "inbox" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "inbox" / "notes.docx").write_bytes(b"PK\x03\x04not really")
    run(tmp_path / "inbox", tmp_path / "out", key)
    files = by_file(tmp_path / "out")
    assert files["logo.png"]["status"] == "ignored" and files["logo.png"]["message"]
    assert files["notes.docx"]["status"] == "ignored"


def test_text_from_returns_never_becomes_a_formula_in_the_csv(make_return, key, tmp_path):
    make_return("302", change=lambda e: e.comments.update(CSC_REF='=HYPERLINK("http://x","y")', CP_START="+cmd|' /C calc'!A0"))
    run(tmp_path / "inbox", tmp_path / "out", key)
    comments = {v["field_id"]: v["comment"] for v in rows(tmp_path / "out" / "values.csv")}
    assert comments["CSC_REF"] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert comments["CP_START"].startswith("'+cmd")


def test_cli_collate_writes_outputs_and_a_summary(make_return, tmp_path, key):
    make_return("302")
    (tmp_path / "inbox" / "empty.xlsx").write_bytes(b"")
    key_file = tmp_path / "key"
    key_file.write_bytes(key)
    result = CliRunner().invoke(main, ["collate", str(tmp_path / "inbox"), "--out", str(tmp_path / "out"),
                                       "--key-file", str(key_file)])
    assert result.exit_code == 0, result.output
    assert "1 unreadable" in result.output and "Missing (32)" in result.output
    for name in ("submissions.csv", "values.csv", "issues.csv", "master.xlsx"):
        assert (tmp_path / "out" / name).exists()
    assert by_file(tmp_path / "out")["empty.xlsx"]["status"] == "unreadable"


def test_cli_refuses_an_unwritable_output(tmp_path):
    (tmp_path / "inbox").mkdir()
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = CliRunner().invoke(main, ["collate", str(tmp_path / "inbox"), "--out", str(blocker / "out")])
    assert result.exit_code != 0 and "cannot write" in result.output


def test_suppressed_outputs_show_no_count_from_1_to_5(make_return, spec, key, tmp_path):
    make_return("302", change=lambda e: e.values.update(SCR_INITIATED=2, CP_REPEAT=3))
    report = run(tmp_path / "inbox", tmp_path / "out", key, suppress=True)
    pack = tmp_path / "out" / "shared"
    assert report.pack == pack
    assert sorted(p.name for p in pack.iterdir()) == ["README.txt", "master.xlsx", "profiles", "values.csv"]
    assert (tmp_path / "out" / "issues.csv").exists() and not (tmp_path / "out" / "master.xlsx").exists(), \
        "the officer's ledgers stay outside the pack, and nothing unsuppressed is written"
    values = {v["field_id"]: v["value"] for v in rows(pack / "values.csv")}
    assert values["SCR_INITIATED"] == "c" and values["CP_REPEAT"] == "c"
    assert values["NI65"] == "c", "a percentage worked out from a suppressed count is suppressed too"
    from lscb_workbooks.outputs.comparison import is_small_number_count

    counts = {f.id for f in spec.form_fields if is_small_number_count(f)}
    assert "NI71" not in counts, "a 0-3 self-evaluation score is not a count of children"
    for field_id, value in values.items():
        if field_id in counts and value not in ("", "c"):
            assert not 1 <= float(value) <= 5, field_id
    profile = load_workbook(pack / "profiles" / "302-Barnet.xlsx")["Profile"]
    shown = {row[0]: row[3] for row in profile.iter_rows(values_only=True) if row and row[0] in ("SCR_INITIATED", "NI65")}
    assert shown == {"SCR_INITIATED": "c", "NI65": "c"}, "profiles are suppressed as the master is"


def test_cli_templates_refuses_an_unwritable_output_without_a_traceback(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = CliRunner().invoke(main, ["templates", "--period", "2026-27", "--la", "302", "--out", str(blocker / "t")])
    assert result.exit_code != 0 and "cannot write" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def _figure(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def test_master_london_and_hub_figures_equal_those_recomputed_from_values_csv(make_return, register, spec, key,
                                                                              tmp_path):
    """Sums of numerators over sums of denominators, worked out here from values.csv alone."""
    import pandas as pd

    for authority in register:
        make_return(authority.la_code)
    run(tmp_path / "inbox", tmp_path / "out", key)
    values = pd.read_csv(tmp_path / "out" / "values.csv", dtype={"la_code": str})
    values = values[values.row_number.isna()]
    number = values.assign(value=pd.to_numeric(values.value, errors="coerce")).pivot_table(
        index="la_code", columns="field_id", values="value", aggfunc="first")
    hub_of = {a.la_code: a.hub for a in register}
    book = load_workbook(tmp_path / "out" / "master.xlsx", read_only=True)
    groups = {}
    for ws in book.worksheets:
        for row in ws.iter_rows(values_only=True):
            if row and isinstance(row[0], str) and (row[0] == "London" or row[0].endswith(" hub")):
                groups.setdefault(ws.title, []).append(row)
    checked = 0
    for f in spec.indicators:
        ratio = f.parsed_expression.ratio if f.parsed_expression else None
        if not ratio:
            continue
        both = number[[ratio.numerator, ratio.denominator]].dropna()
        london = both[ratio.numerator].sum() / both[ratio.denominator].sum() * ratio.multiplier
        lewisham = both[both.index.map(hub_of) == "Lewisham"]
        hub = lewisham[ratio.numerator].sum() / lewisham[ratio.denominator].sum() * ratio.multiplier
        found = [r for rows in groups.values() for r in rows]
        # A figure that comes out whole (39 of 156 is 25%) reads back from the workbook as an int.
        assert any(r[0] == "London" and any(_figure(v) and abs(v - london) < 1e-9 for v in r[1:])
                   for r in found), f.id
        assert any(r[0] == "Lewisham hub" and any(_figure(v) and abs(v - hub) < 1e-9 for v in r[1:])
                   for r in found), f.id
        checked += 1
    assert checked >= 20


def test_outputs_are_readable_like_any_new_file(make_return, key, tmp_path):
    import os
    import stat

    make_return("302")
    run(tmp_path / "inbox", tmp_path / "out", key)
    mask = os.umask(0)
    os.umask(mask)
    for name in ("master.xlsx", "submissions.csv", "values.csv"):
        mode = stat.S_IMODE((tmp_path / "out" / name).stat().st_mode)
        assert mode == 0o666 & ~mask, (name, oct(mode))


def test_outputs_and_store_put_inside_the_inbox_are_never_taken_in(make_return, key, tmp_path):
    """`lscb collate . --out out`: the second run must not read its own outputs, store or archive as returns."""
    make_return("302")
    inbox = tmp_path / "inbox"
    for _ in range(2):
        collate(inbox, inbox / "out", key=key)
    files = [r["file"] for r in rows(inbox / "out" / "submissions.csv")]
    assert len(files) == 1 and files[0].endswith(".xlsx"), files
    assert not any(p.name.startswith(("store", "submissions")) for p in (inbox / "out" / "archive").rglob("*")
                   if p.is_file())


def test_a_rejection_asks_for_one_correction_or_several_in_the_right_words(make_return, key, tmp_path):
    make_return("302", change=lambda e: e.values.update(CSC_REF="lots"))
    make_return("303", change=lambda e: e.values.update(CSC_REF="lots", CP_START="many"))
    run(tmp_path / "inbox", tmp_path / "out", key)
    files = by_file(tmp_path / "out")
    assert files["return-302.xlsx"]["message"].startswith("Rejected: 1 error. Please correct it (the feedback")
    assert files["return-303.xlsx"]["message"].startswith("Rejected: 2 errors. Please correct them (the feedback")
