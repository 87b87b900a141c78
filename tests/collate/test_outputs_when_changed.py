"""A run rewrites only the outputs its new files change; everything else is left exactly as it was."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from openpyxl import load_workbook

from lscb_workbooks.collate import collate
from lscb_workbooks.demo.coordinator import fill_template
from lscb_workbooks.demo.synthetic import synthetic_entries
from lscb_workbooks.spec.periods import parse_period
from lscb_workbooks.spec.register import Register
from lscb_workbooks.stages import timing_stages
from lscb_workbooks.templates.render import write_templates

LATER = parse_period("2027-28")


def written(out: Path) -> dict[str, tuple[int, bytes]]:
    """Each output file (relative path) with its modification time and bytes."""
    return {p.relative_to(out).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(out.rglob("*")) if p.is_file() and not p.name.startswith(".")
            and "archive" not in p.parts and not p.name.startswith("store.sqlite")}


def changed(before: dict, after: dict) -> set[str]:
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}


def later_return(spec, register, key, la_code: str, folder: Path, inbox: Path, change=None) -> Path:
    """A return for a period after the one the outputs show."""
    authority = register.by_code(la_code)
    [template] = write_templates(spec, Register([authority]), LATER, folder, key)
    entries = synthetic_entries(spec, authority, LATER)
    if change:
        change(entries)
    return fill_template(template, entries, inbox / f"later-{la_code}.xlsx")


def run(inbox: Path, out: Path, key: bytes, **options):
    return collate(inbox, out, key=key, **options)


def test_a_rerun_with_nothing_new_rewrites_nothing(make_return, key, tmp_path):
    for la_code in ("302", "303", "304"):
        make_return(la_code)
    out = tmp_path / "out"
    first = run(tmp_path / "inbox", out, key)
    before = written(out)
    assert "master.xlsx" in before and len(first.profiles) == 3
    with timing_stages() as stages:
        second = run(tmp_path / "inbox", out, key)
    assert changed(before, written(out)) == set()
    assert second.profiles == first.profiles and second.master == first.master
    # Nothing the outputs show is worked out again, let alone written.
    assert not {"comparison", "values.csv", "master", "profiles", "trends"} & set(stages)


def test_a_return_for_a_period_not_shown_changes_only_the_ledgers(make_return, spec, register, key, tmp_path):
    for la_code in ("302", "303", "304"):
        make_return(la_code)
    out = tmp_path / "out"
    run(tmp_path / "inbox", out, key)
    before = written(out)

    def wrong(entries):
        entries.values["CP_START"] = -5

    later_return(spec, register, key, "302", tmp_path / "later", tmp_path / "inbox")
    later_return(spec, register, key, "303", tmp_path / "later", tmp_path / "inbox", change=wrong)
    with timing_stages() as stages:
        report = run(tmp_path / "inbox", out, key)
    assert report.new_files == 2 and report.period == "2026-27"
    assert changed(before, written(out)) == {"submissions.csv", "issues.csv"}
    assert not {"comparison", "values.csv", "master", "profiles", "trends"} & set(stages)


def test_one_corrected_return_rewrites_what_shows_london_and_its_own_feedback_only(make_return, key, tmp_path):
    def warned(entries):
        entries.values["CP_REPEAT"] = entries.values["CP_START"] + 7  # more repeats than plans: an error

    make_return("302")
    make_return("303", change=warned)
    make_return("304", change=warned)
    out = tmp_path / "out"
    first = run(tmp_path / "inbox", out, key)
    assert {p.name for p in first.feedback} == {"303-Bexley.xlsx", "304-Brent.xlsx"}
    before = written(out)

    corrected = make_return("303", name="return-303-corrected.xlsx")[0]
    os.utime(corrected, (corrected.stat().st_mtime + 60,) * 2)
    report = run(tmp_path / "inbox", out, key)
    assert report.new_files == 1
    rewritten = changed(before, written(out))
    # Bexley's figures now count, so London's change: the master and every profile show them.
    assert {"master.xlsx", "values.csv", "submissions.csv", "feedback/303-Bexley.xlsx"} <= rewritten
    assert {f"profiles/{p.name}" for p in report.profiles} <= rewritten
    # Brent's feedback says what it said before, and is left as it was.
    assert "feedback/304-Brent.xlsx" not in rewritten
    assert {p.name for p in report.feedback} == {"304-Brent.xlsx"}


def test_the_same_figures_sent_again_leave_the_profiles_alone(make_return, key, tmp_path):
    make_return("302")
    _, entries = make_return("303")
    out = tmp_path / "out"
    run(tmp_path / "inbox", out, key)
    before = written(out)
    again = make_return("303", name="return-303-again.xlsx", entries=entries)[0]
    # Saved again, as a coordinator would: not byte for byte the first file (which would be a duplicate,
    # as it is when both were saved within the zip format's two-second clock tick), the same figures.
    with zipfile.ZipFile(again, "a") as package:
        package.comment = b"saved again"
    os.utime(again, (again.stat().st_mtime + 60,) * 2)
    run(tmp_path / "inbox", out, key)
    rewritten = changed(before, written(out))
    assert not any(name.startswith("profiles/") for name in rewritten)
    assert "values.csv" in rewritten  # it names the file each figure came from
    # The master's returns tracker names the file in use, so the master says which one now counts.
    assert "master.xlsx" in rewritten
    master = load_workbook(out / "master.xlsx", read_only=True)
    assert any("return-303-again.xlsx" in str(cell) for sheet in master.worksheets
               for row in sheet.iter_rows(values_only=True) for cell in row)


def test_a_deleted_or_edited_output_or_another_spec_means_writing_again(make_return, spec, key, tmp_path):
    for la_code in ("302", "303"):
        make_return(la_code)
    out = tmp_path / "out"
    report = run(tmp_path / "inbox", out, key)
    profile = report.profiles[0]
    profile.unlink()
    run(tmp_path / "inbox", out, key)
    assert profile.exists()

    before = written(out)
    (out / "master.xlsx").write_bytes(b"edited by hand")
    run(tmp_path / "inbox", out, key)
    after = written(out)
    assert changed(before, after) == {"master.xlsx"}
    assert after["master.xlsx"][1] != b"edited by hand"
    load_workbook(out / "master.xlsx", read_only=True).close()

    # values.csv likewise: left alone while what it shows is unchanged, written again once edited or deleted
    good = (out / "values.csv").read_bytes()
    (out / "values.csv").write_bytes(b"la_code\nedited by hand\n")
    run(tmp_path / "inbox", out, key)
    assert (out / "values.csv").read_bytes() == good
    (out / "values.csv").unlink()
    run(tmp_path / "inbox", out, key)
    assert (out / "values.csv").read_bytes() == good

    revised = tmp_path / "dataset.yaml"
    shipped = Path(__file__).parents[2] / "lscb_workbooks" / "schemas" / "dataset.yaml"
    text = shipped.read_text(encoding="utf-8")
    revised.write_text(text.replace(f"title: {spec.title}", f"title: {spec.title} (revised)", 1), encoding="utf-8")
    before = written(out)
    run(tmp_path / "inbox", out, key, collection=str(revised))
    rewritten = changed(before, written(out))
    assert {"master.xlsx", *(f"profiles/{p.name}" for p in report.profiles)} <= rewritten


def period_return(spec, register, key, la_code: str, period: str, folder: Path, inbox: Path, seed: int = 0) -> Path:
    authority = register.by_code(la_code)
    [template] = write_templates(spec, Register([authority]), parse_period(period), folder / period, key)
    entries = synthetic_entries(spec, authority, parse_period(period), seed=seed)
    return fill_template(template, entries, inbox / f"{period}-{la_code}-{seed}.xlsx")


def trend_sheets(master: Path) -> dict[str, list[tuple]]:
    """The trend sheets' cells, below the line that says when the workbook was produced."""
    book = load_workbook(master, read_only=True)
    try:
        return {name: [row for row in book[name].iter_rows(min_row=3, values_only=True)]
                for name in ("Trends", "Trend figures")}
    finally:
        book.close()


def test_a_corrected_return_works_out_again_only_its_own_periods_trends(spec, register, key, tmp_path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    for period in ("2024-25", "2025-26", "2026-27"):
        for la_code in ("302", "303", "304"):
            period_return(spec, register, key, la_code, period, tmp_path / "templates", inbox)
    run(inbox, out, key)
    cache = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in (out / ".lscb-cache").iterdir()}
    assert sorted(cache) == ["trends-2024-25.pickle", "trends-2025-26.pickle", "trends-2026-27.pickle"]

    corrected = period_return(spec, register, key, "303", "2026-27", tmp_path / "templates", inbox, seed=7)
    os.utime(corrected, (corrected.stat().st_mtime + 60,) * 2)
    report = run(inbox, out, key)
    assert report.new_files == 1 and report.period == "2026-27"
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in (out / ".lscb-cache").iterdir()}
    # The earlier periods' trends were read back, not worked out and written again; the period shown's were.
    assert {name for name in cache if cache[name] != after[name]} == {"trends-2026-27.pickle"}
    # And the master says exactly what a first collation of the same files says.
    fresh = run(inbox, tmp_path / "fresh", key)
    assert trend_sheets(out / "master.xlsx") == trend_sheets(fresh.master)
    assert trend_sheets(fresh.master)["Trends"]

    # Trends kept by the tool that it can no longer read (damaged, or from another version) are worked out again.
    for path in (out / ".lscb-cache").iterdir():
        path.write_bytes(b"not what the tool wrote")
    (out / "master.xlsx").unlink()
    run(inbox, out, key)
    assert trend_sheets(out / "master.xlsx") == trend_sheets(fresh.master)
    assert all(path.read_bytes() != b"not what the tool wrote" for path in (out / ".lscb-cache").iterdir())
