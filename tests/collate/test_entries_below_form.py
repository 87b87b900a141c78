"""A note typed below a form is not read, and the coordinator is told so; the return is still read.

Nothing the template writes sits below a form's last row, so whatever is there is the coordinator's,
usually a note ("Figures provisional, see email"). It is not a figure moved out of its row, so the
return is accepted, with a warning naming the cell and quoting the note.
"""

from __future__ import annotations

from openpyxl import load_workbook

from lscb_workbooks.collate import collate
from test_collate import by_file, rows


def _typed(path, cells: dict[tuple[str, str], object]) -> None:
    workbook = load_workbook(path)
    for (sheet, cell), value in cells.items():
        workbook[sheet][cell] = value
    workbook.save(path)


def test_a_freshly_filled_return_has_nothing_below_its_forms(make_return, key, tmp_path):
    make_return("302", name="fresh.xlsx")

    collate(tmp_path / "inbox", tmp_path / "out", key=key)

    assert by_file(tmp_path / "out")["fresh.xlsx"]["status"] == "accepted"
    assert rows(tmp_path / "out" / "issues.csv") == []


def test_a_note_below_the_form_is_a_warning_naming_its_cell(make_return, key, tmp_path):
    path, entries = make_return("302", name="with a note.xlsx")
    last = load_workbook(path)["Return"].max_row
    assert last < 110, "the note is below the form's last row"
    _typed(path, {("Return", "D110"): "Figures provisional, see email",
                  ("Sign-off", "D12"): 12})

    collate(tmp_path / "inbox", tmp_path / "out", key=key)

    issues = rows(tmp_path / "out" / "issues.csv")
    assert [(i["severity"], i["rule"], i["sheet"], i["cell"], i["message"]) for i in issues] == [
        ("warning", "entry_below_form", "Return", "D110",
         "On sheet 'Return', D110 holds 'Figures provisional, see email', outside the form: it was not read. "
         "Put notes in the Comment column of the row they are about."),
        ("warning", "entry_below_form", "Sign-off", "D12",
         "On sheet 'Sign-off', D12 holds 12, outside the form: it was not read. "
         "Put notes in the email you send the return with."),
    ]
    assert by_file(tmp_path / "out")["with a note.xlsx"]["status"] == "accepted_with_warnings"
    values = {v["field_id"]: v["value"] for v in rows(tmp_path / "out" / "values.csv") if not v["row_number"]}
    assert values["CSC_REF"] == str(entries.values["CSC_REF"])


def test_an_entry_on_a_heading_row_above_the_first_reference_is_rejected(make_return, key, tmp_path):
    """Inside the form, an entry with no reference may be a figure moved out of its row: never read."""
    path, _ = make_return("302", name="heading row.xlsx")
    sheet = load_workbook(path)["Return"]
    header = next(r[0].row for r in sheet.iter_rows() if r[0].value == "Ref")
    first = next(r[0].row for r in sheet.iter_rows(min_row=header + 1) if r[0].value)
    assert first > header + 1, "a heading row sits between the header and the first reference"
    _typed(path, {("Return", f"D{header + 1}"): 40})

    collate(tmp_path / "inbox", tmp_path / "out", key=key)

    submission = by_file(tmp_path / "out")["heading row.xlsx"]
    assert submission["status"] == "rejected"
    assert f"row {header + 1} has an entry (D{header + 1}) but no reference in column A" in submission["message"]
