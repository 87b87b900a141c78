"""Feedback workbooks: read back as the borough's coordinator would see them."""

from __future__ import annotations

import openpyxl
import pytest

from lscb_workbooks.outputs.feedback import gather_feedback, write_feedback
from lscb_workbooks.store.db import Checked, IssueRecord, Store, Submission, ValueRecord

PERIOD = "2008-09"
FORMULA_LIKE = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0"]


def _submission(la_code: str, status: str, received_at: str, file: str | None = None, **extra) -> Submission:
    return Submission(
        path=f"inbox/{file or la_code}.xlsx", file=file or f"{la_code}.xlsx", sha256=f"{la_code}-{received_at}-{status}",
        source="", sender=None, sent_at=received_at, modified_at=None, received_at=received_at,
        received_basis="sent", outcome=status, status=status, message=extra.pop("message", f"Return {status}."),
        collection=extra.pop("collection", "dataset"), la_code=la_code, period=extra.pop("period", PERIOD), **extra,
    )


def _values(spec, la_code: str, comment_for: dict[str, str] | None = None, text_for: dict[str, str] | None = None):
    comment_for, text_for = comment_for or {}, text_for or {}
    records = []
    for section in spec.sections:
        if section.kind != "form":
            continue
        for row, f in enumerate(section.fields, start=8):
            value, number = (text_for[f.id], None) if f.id in text_for else (("10", 10.0) if f.numeric else ("Yes", None))
            records.append(ValueRecord(
                la_code=la_code, period=PERIOD, section_id=section.id, field_id=f.id, value=value, number=number,
                sheet=section.sheet, cell=f"E{row}", rating="Robust" if section.rated else "",
                comment=comment_for.get(f.id, ""), derived=f.derived,
            ))
    records.append(ValueRecord(la_code=la_code, period=PERIOD, section_id="challenges", field_id="description",
                               value="Police data arrives late", number=None, sheet="Challenges and gaps", cell="E7",
                               row_number=1))
    return records


def _cell_of(spec, field_id: str) -> str:
    section = spec.section_of(field_id)
    return f"E{8 + [f.id for f in section.fields].index(field_id)}"


@pytest.fixture
def store(tmp_path, spec):
    """Barnet rejected (text in a count), Camden accepted with a warning, Brent clean, Bexley unreadable."""
    store = Store(tmp_path / "store.sqlite")
    cell = _cell_of(spec, "CP_START")
    store.add(Checked(
        _submission("302", "rejected", "2009-05-01T09:00:00", errors=1, warnings=0),
        values=_values(spec, "302", comment_for={"CSC_REF": FORMULA_LIKE[0], "CSC_S47": FORMULA_LIKE[1],
                                                  "CP_END": FORMULA_LIKE[2]},
                       text_for={"CP_START": "n/a"}),
        issues=[IssueRecord("error", "not_a_number", f"Children who became the subject of a child protection plan "
                                                     f"({cell}): 'n/a' is not a number. Enter 0 if there were none.",
                            field_id="CP_START", sheet="Return", cell=cell)],
    ))
    store.add(Checked(
        _submission("202", "accepted_with_warnings", "2009-05-02T09:00:00", warnings=1),
        values=_values(spec, "202"),
        issues=[IssueRecord("warning", "cp_within_cin", "Children on a plan are more than children in need.",
                            field_id="CP_END", sheet="Return", cell=_cell_of(spec, "CP_END"))],
    ))
    store.add(Checked(_submission("304", "accepted", "2009-05-03T09:00:00"), values=_values(spec, "304")))
    store.add(Checked(_submission("303", "unreadable", "2009-05-04T09:00:00", file="bexley return.xlsx",
                                  collection=None, period=None,
                                  message="This file is encrypted. Remove the password and send it again.")))
    yield store
    store.close()


def _sheet_rows(path, title):
    workbook = openpyxl.load_workbook(path)
    return [list(r) for r in workbook[title].iter_rows(values_only=True)]


def test_one_workbook_per_authority_with_problems(store, spec, register, tmp_path):
    written = write_feedback(store, spec, register, tmp_path / "feedback", PERIOD)
    assert sorted(p.name for p in written) == ["202-Camden.xlsx", "302-Barnet.xlsx", "303-Bexley.xlsx"]


def test_clean_accepted_return_gets_no_feedback(store, spec, register, tmp_path):
    write_feedback(store, spec, register, tmp_path / "feedback", PERIOD)
    assert not (tmp_path / "feedback" / "304-Brent.xlsx").exists()


def test_problems_sheet_names_cell_indicator_and_message(store, spec, register, tmp_path):
    path = next(p for p in write_feedback(store, spec, register, tmp_path, PERIOD) if p.name == "302-Barnet.xlsx")
    header, *rows = _sheet_rows(path, "Problems")
    assert header == ["Severity", "Sheet", "Cell", "Ref", "Indicator", "What is wrong", "What to do"]
    [problem] = rows
    assert problem[:5] == ["Error", "Return", _cell_of(spec, "CP_START"), "CP_START", spec.fields["CP_START"].label]
    assert "'n/a' is not a number" in problem[5]
    assert _cell_of(spec, "CP_START") in problem[6] and "send the whole return again" in problem[6]
    assert openpyxl.load_workbook(path)["Problems"].tables["Problems"].ref == "A1:G2"


def test_what_to_do_says_status_in_plain_words(store, spec, register, tmp_path):
    written = {p.name: p for p in write_feedback(store, spec, register, tmp_path, PERIOD)}
    barnet = {r[0]: r[1] for r in _sheet_rows(written["302-Barnet.xlsx"], "What to do") if r[0]}
    assert barnet["What to do"] == "Please correct and send the whole return again"
    assert barnet["Errors"] == 1 and barnet["Warnings"] == 0
    assert barnet["File received"] == "302.xlsx" and barnet["Received"] == "1 May 2009 at 09:00"
    camden = {r[0]: r[1] for r in _sheet_rows(written["202-Camden.xlsx"], "What to do") if r[0]}
    assert camden["What to do"] == "Please check these figures and reply or resend if any is wrong"
    bexley = {r[0]: r[1] for r in _sheet_rows(written["303-Bexley.xlsx"], "What to do") if r[0]}
    assert bexley["Status"] == "Could not be read" and "password" in bexley["Our note on the file"]


def test_your_figures_marks_problem_cells_in_words_and_colour(store, spec, register, tmp_path):
    path = next(p for p in write_feedback(store, spec, register, tmp_path, PERIOD) if p.name == "302-Barnet.xlsx")
    sheet = openpyxl.load_workbook(path)["Your figures"]
    rows = {r[2].value: r for r in sheet.iter_rows(min_row=2)}
    problem_row = rows["CP_START"]
    assert problem_row[4].value == "n/a"
    assert problem_row[9].value == "Error" and "not a number" in problem_row[10].value
    assert problem_row[4].fill.fgColor.rgb.endswith("F8CBAD")
    assert rows["CSC_REF"][4].value == 10 and rows["CSC_REF"][9].value is None
    assert len(rows) == len(spec.form_fields) + 1  # every box of the forms, plus the challenge logged


def test_formula_like_text_reads_back_as_text(store, spec, register, tmp_path):
    path = next(p for p in write_feedback(store, spec, register, tmp_path, PERIOD) if p.name == "302-Barnet.xlsx")
    sheet = openpyxl.load_workbook(path)["Your figures"]
    comments = [row[8] for row in sheet.iter_rows(min_row=2) if row[8].value]
    assert [c.value for c in comments] == FORMULA_LIKE
    assert {c.data_type for c in comments} == {"s"}


def test_long_comment_is_cut_with_a_marker(store, spec, register, tmp_path):
    store.add(Checked(
        _submission("205", "rejected", "2009-05-05T09:00:00", errors=1),
        values=_values(spec, "205", comment_for={"CSC_REF": "x" * 40_000}),
        issues=[IssueRecord("error", "required", "Missing.", field_id="CSC_S47", sheet="Return", cell="E20")],
    ))
    path = next(p for p in write_feedback(store, spec, register, tmp_path, PERIOD) if p.name.startswith("205-"))
    comment = next(r[8] for r in _sheet_rows(path, "Your figures") if r[2] == "CSC_REF")
    assert len(comment) == 32_767 and "cut" in comment[-60:]


def test_later_clean_return_replaces_earlier_problems(store, spec, register, tmp_path):
    out = tmp_path / "feedback"
    write_feedback(store, spec, register, out, PERIOD)
    store.add(Checked(_submission("302", "accepted", "2009-06-01T09:00:00", file="302-corrected.xlsx"),
                      values=_values(spec, "302")))
    store.settle_statuses()
    write_feedback(store, spec, register, out, PERIOD)
    assert not (out / "302-Barnet.xlsx").exists()


def test_unreadable_file_after_a_good_return_is_reported(store, spec, register, tmp_path):
    store.add(Checked(_submission("304", "unreadable", "2009-05-09T09:00:00", file="brent v2.xlsx",
                                  collection=None, period=None, message="This file is empty. Send it again.")))
    [brent] = [fb for fb in gather_feedback(store, spec, register, PERIOD) if fb.authority.la_code == "304"]
    assert brent.status == "accepted" and brent.errors == 1
    assert "brent v2.xlsx" in brent.problems.message[0]


def test_print_setup(store, spec, register, tmp_path):
    path = next(p for p in write_feedback(store, spec, register, tmp_path, PERIOD) if p.name == "302-Barnet.xlsx")
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["What to do", "Problems", "Your figures"]
    for sheet in workbook:
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToHeight == 0  # one page wide
        assert "Barnet" in sheet.oddHeader.left.text and PERIOD in sheet.oddHeader.left.text
    assert workbook["Problems"].freeze_panes == "A2"
    assert workbook["Your figures"].freeze_panes == "E2"


# The shared synthetic store: 33 authorities, some with warnings, one rejected ------------------


def _due_in(synthetic_store) -> set[str]:
    s = synthetic_store.store.submissions(synthetic_store.collection, synthetic_store.latest)
    return set(s[s.status.isin(["accepted_with_warnings", "rejected"])].la_code)


def test_synthetic_round_gets_feedback_exactly_where_returns_had_problems(synthetic_store, spec, register, tmp_path):
    written = write_feedback(synthetic_store.store, spec, register, tmp_path, synthetic_store.latest)
    due = _due_in(synthetic_store)
    assert synthetic_store.rejected in due and len(due) > 2
    assert {p.name for p in written} == {f"{register.by_code(la).file_stem}.xlsx" for la in due}


def test_synthetic_rejected_return_names_its_cell_indicator_and_message(synthetic_store, spec, register, tmp_path):
    write_feedback(synthetic_store.store, spec, register, tmp_path, synthetic_store.latest)
    issue = synthetic_store.store.issues(synthetic_store.collection, synthetic_store.latest)
    issue = issue[issue.la_code == synthetic_store.rejected].iloc[0]
    path = tmp_path / f"{register.by_code(synthetic_store.rejected).file_stem}.xlsx"
    header, *rows = _sheet_rows(path, "Problems")
    assert [issue.sheet, issue.cell, issue.field_id, spec.fields[issue.field_id].label, issue.message] in [
        r[1:6] for r in rows]
    what = {r[0]: r[1] for r in _sheet_rows(path, "What to do") if r[0]}
    assert what["What to do"] == "Please correct and send the whole return again"


def test_synthetic_formula_comment_reads_back_literally(synthetic_store, spec, register, tmp_path):
    la_code, field_id = synthetic_store.formula_comment
    assert la_code in _due_in(synthetic_store)
    write_feedback(synthetic_store.store, spec, register, tmp_path, synthetic_store.latest)
    sheet = openpyxl.load_workbook(tmp_path / f"{register.by_code(la_code).file_stem}.xlsx")["Your figures"]
    [comment] = [row[8] for row in sheet.iter_rows(min_row=2) if row[2].value == field_id]
    assert comment.value == '=HYPERLINK("http://x","y")' and comment.data_type == "s"


def test_without_a_period_the_latest_is_used(synthetic_store, spec, register, tmp_path):
    written = write_feedback(synthetic_store.store, spec, register, tmp_path)
    assert len(written) == len(_due_in(synthetic_store))


def test_feedback_puts_last_periods_figure_and_the_change_beside_each_value(synthetic_store, spec, register, tmp_path):
    written = write_feedback(synthetic_store.store, spec, register, tmp_path / "feedback", synthetic_store.latest)
    earlier = synthetic_store.store.values_in_use("dataset", synthetic_store.periods[0])
    last = earlier[earlier.field_id == "CSC_S47"].set_index("la_code").number
    checked = 0
    for path in written:
        la_code = path.stem.split("-")[0]
        if la_code == synthetic_store.rejected or la_code not in last.index:
            continue
        header, *body = _sheet_rows(path, "Your figures")
        assert header[4:7] == ["Value", "Last period", "Change"]
        row = next(r for r in body if r[2] == "CSC_S47")
        assert row[5] == last[la_code] and row[6] == row[4] - row[5]
        checked += 1
    assert checked
