"""Every answer typed into a mapping or consultation return comes back in values.csv with its cell;
fixed rows are read by their ids, wherever they sit; problems name the row, the question and the cell."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from lscb_workbooks.collate import collate
from lscb_workbooks.demo.coordinator import Entries, fill_template
from lscb_workbooks.spec.load import load_spec
from lscb_workbooks.spec.models import row_value_id
from lscb_workbooks.templates.render import write_templates
from spreadsheet_program import convert, requires_libreoffice

from survey_rounds import COLLECTIONS, PERIOD


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def typed_values(spec, entries: Entries) -> dict[tuple[str, str, str], object]:
    """(section id, row number, value id) -> what was typed, for the form, numbered tables and fixed rows."""
    typed = {}
    for field_id, value in entries.values.items():
        typed[(spec.section_of(field_id).id, "", field_id)] = value
    for section_id, table in entries.tables.items():
        for number, row in enumerate(table, start=1):
            typed.update({(section_id, str(number), column): value for column, value in row.items()})
    for section in (s for s in spec.sections if s.fixed):
        for number, fixed in enumerate(section.rows, start=1):
            for column, value in entries.fixed_rows.get(fixed.id, {}).items():
                typed[(section.id, str(number), row_value_id(fixed.id, column))] = value
    return typed


def same(stored: str, typed: object) -> bool:
    if isinstance(typed, (int, float)):
        return float(stored) == pytest.approx(typed)
    return stored == typed


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_every_answer_typed_comes_back_with_its_cell(collection, rounds, surveys):
    spec, done = surveys[collection], rounds[collection]
    assert done.report.statuses["accepted"] == len(done.returns), rows(done.out / "issues.csv")
    stored = {}
    for v in rows(done.out / "values.csv"):
        stored[(v["la_code"], v["section_id"], v["row_number"], v["field_id"])] = v
    checked = 0
    for la_code, entries in done.typed.items():
        book = load_workbook(done.returns[la_code])
        typed = typed_values(spec, entries)
        assert typed, la_code
        for (section_id, number, value_id), value in typed.items():
            v = stored[(la_code, section_id, number, value_id)]
            assert same(v["value"], value), (la_code, value_id, v["value"], value)
            assert v["period"] == str(PERIOD) and v["sha256"] and v["file"] == f"return-{la_code}.xlsx"
            cell = book[v["sheet"]][v["cell"]]
            assert cell.value == value, f"{v['sheet']}!{v['cell']} holds {cell.value!r}, not {value!r}"
            checked += 1
        blank_in_use = [v for k, v in stored.items() if k[0] == la_code and v["value"] and
                        (k[1], k[2], k[3]) not in typed]
        assert blank_in_use == [], "nothing comes back that was not typed"
    assert checked > 200


def test_fixed_rows_come_back_under_their_id_in_the_spec_order(rounds, surveys):
    spec, done = surveys["consultation"], rounds["consultation"]
    section = next(s for s in spec.sections if s.fixed)
    book = load_workbook(done.returns["302"])
    ws = book[section.sheet]
    for v in rows(done.out / "values.csv"):
        if v["la_code"] != "302" or v["section_id"] != section.id:
            continue
        row_id, column = v["field_id"].split(".")
        assert ws.cell(int(v["cell"][1:]), 1).value == row_id, "the value's cell is on its indicator's row"
        assert section.rows[int(v["row_number"]) - 1].id == row_id, "row_number is the indicator's place in the spec"
        assert column in {f.id for f in section.fields}


def _swap_rows(path: Path, sheet: str, first_id: str, second_id: str) -> None:
    """A coordinator sorts the table: two fixed rows, ids, labels, units and answers, change places."""
    book = load_workbook(path)
    ws = book[sheet]
    where = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    a, b = where[first_id], where[second_id]
    for col in range(1, ws.max_column + 1):
        first, second = ws.cell(a, col), ws.cell(b, col)
        kept = (first.value, first.data_type), (second.value, second.data_type)
        for cell, (value, data_type) in zip((second, first), kept):
            cell.value = value
            cell.data_type = data_type  # text stays text, as when Excel sorts
    book.save(path)


def test_a_sorted_table_still_reads_each_answer_under_its_indicator(survey_templates, surveys, survey_key,
                                                                   register, tmp_path):
    spec = surveys["consultation"]
    section = next(s for s in spec.sections if s.fixed)
    entries = Entries(values={"RESPONDENT_NAME": "A. Coordinator", "RESPONDENT_ROLE": "Board manager"},
                      fixed_rows={"CSC_REREF": {"decision": "Drop", "priority": 1},
                                  "NI65": {"decision": "Keep as it is", "priority": 5, "comment": "=1+1 essential"}})
    path = fill_template(survey_templates["consultation"]["302"], entries, tmp_path / "inbox" / "sorted.xlsx")
    _swap_rows(path, section.sheet, "CSC_REREF", "NI65")
    report = collate(tmp_path / "inbox", tmp_path / "out", collection="consultation", key=survey_key,
                     register=register)
    assert report.statuses["accepted"] == 1, rows(tmp_path / "out" / "issues.csv")
    got = {v["field_id"]: v for v in rows(tmp_path / "out" / "values.csv")}
    assert got["CSC_REREF.decision"]["value"] == "Drop" and got["NI65.decision"]["value"] == "Keep as it is"
    assert got["NI65.comment"]["value"] == "'=1+1 essential", "text that looks like a formula is kept as text"
    book = load_workbook(path)
    assert book[section.sheet][got["CSC_REREF.decision"]["cell"]].value == "Drop"
    assert int(got["CSC_REREF.decision"]["cell"][1:]) > int(got["NI65.decision"]["cell"][1:]), "it moved"


def test_an_edited_indicator_label_is_rejected_as_altered(survey_templates, survey_key, register, tmp_path):
    path = fill_template(survey_templates["consultation"]["302"],
                         Entries(fixed_rows={"CSC_REREF": {"decision": "Drop"}}), tmp_path / "inbox" / "edited.xlsx")
    book = load_workbook(path)
    ws = book["Proposed indicators"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "CP_START_RATE")
    ws.cell(row, 2).value = "Children on a plan (our local count)"
    book.save(path)
    collate(tmp_path / "inbox", tmp_path / "out", collection="consultation", key=survey_key, register=register)
    submission = rows(tmp_path / "out" / "submissions.csv")[0]
    assert submission["status"] == "rejected" and "altered" in submission["message"]


def test_problems_on_fixed_and_numbered_rows_name_the_row_question_and_cell(rounds, survey_templates, survey_key,
                                                                           register, tmp_path):
    consultation = Entries(values={"RESPONDENT_NAME": "A. Coordinator", "RESPONDENT_ROLE": "Board manager"},
                           fixed_rows={"CSC_REREF": {"priority": 7, "feasibility": "n/a"},
                                       "NI65": {"decision": "Perhaps"}})
    fill_template(survey_templates["consultation"]["302"], consultation, tmp_path / "c" / "inbox" / "c.xlsx")
    collate(tmp_path / "c" / "inbox", tmp_path / "c" / "out", collection="consultation", key=survey_key,
            register=register)
    issues = {(i["field_id"], i["rule"]): i for i in rows(tmp_path / "c" / "out" / "issues.csv")}
    assert set(issues) == {("CSC_REREF.decision", "required"), ("CSC_REREF.priority", "above_maximum"),
                           ("CSC_REREF.feasibility", "not_a_number"), ("NI65.decision", "not_a_choice")}
    required = issues[("CSC_REREF.decision", "required")]
    assert required["message"].startswith("'Re-referrals within 12 months of a previous referral' (CSC_REREF), Keep, change or drop? (D")
    assert required["sheet"] == "Proposed indicators" and required["cell"].startswith("D")
    assert "Type a number from 1 to 5" in issues[("CSC_REREF.feasibility", "not_a_number")]["message"]
    assert "Data quality" not in issues[("CSC_REREF.feasibility", "not_a_number")]["message"]
    feedback = load_workbook(tmp_path / "c" / "out" / "feedback" / "302-Barnet.xlsx")
    problems = list(feedback["Problems"].iter_rows(min_row=2, values_only=True))
    assert ("Error", "Proposed indicators", required["cell"], "CSC_REREF.decision",
            "Re-referrals within 12 months of a previous referral: Keep, change or drop?") == problems[0][:5]

    mapping = Entries(values=dict(rounds["mapping"].typed["302"].values),
                      tables={"items": [{"item": "Referrals", "agency": "Police", "collection_method": "Survey",
                                         "feasibility": 3, "robustness": 9}]})
    fill_template(survey_templates["mapping"]["302"], mapping, tmp_path / "m" / "inbox" / "m.xlsx")
    collate(tmp_path / "m" / "inbox", tmp_path / "m" / "out", collection="mapping", key=survey_key, register=register)
    issues = {(i["field_id"], i["rule"]): i for i in rows(tmp_path / "m" / "out" / "issues.csv")}
    assert set(issues) == {("usefulness", "required"), ("robustness", "above_maximum")}
    assert issues[("usefulness", "required")]["message"].startswith("Row 1 of 'Data items your board uses'")
    assert (tmp_path / "m" / "out" / "feedback" / "302-Barnet.xlsx").exists()


def test_a_return_made_from_an_older_list_of_indicators_is_told_which_rows_are_missing(tmp_path, register,
                                                                                      survey_key):
    from lscb_workbooks.spec.load import default_schemas_dir

    folder = tmp_path / "older"
    folder.mkdir()
    dataset = (default_schemas_dir() / "dataset.yaml").read_text(encoding="utf-8")
    start = dataset.index("  - id: LSCB_TRAINING\n")
    end = dataset.index("- id: challenges\n")
    (folder / "dataset.yaml").write_text(dataset[:start] + dataset[end:], encoding="utf-8")
    (folder / "consultation.yaml").write_text((default_schemas_dir() / "consultation.yaml").read_text(encoding="utf-8"),
                                              encoding="utf-8")
    older = load_spec(folder / "consultation.yaml")
    path = write_templates(older, [register.by_code("302")], PERIOD, tmp_path / "templates", survey_key)[0]
    fill_template(path, Entries(values={"RESPONDENT_NAME": "A", "RESPONDENT_ROLE": "B"},
                                fixed_rows={"CSC_REREF": {"decision": "Drop"}}), tmp_path / "inbox" / path.name)
    collate(tmp_path / "inbox", tmp_path / "out", collection="consultation", key=survey_key, register=register)
    submission = rows(tmp_path / "out" / "submissions.csv")[0]
    assert submission["status"] == "rejected"
    issue = rows(tmp_path / "out" / "issues.csv")[0]
    assert issue["rule"] == "missing_rows" and "LSCB_TRAINING" in issue["message"]


@requires_libreoffice
@pytest.mark.libreoffice
@pytest.mark.parametrize("collection", COLLECTIONS)
def test_returns_saved_by_libreoffice_come_back_whole(collection, rounds, survey_key, register, tmp_path):
    """Coordinators who use LibreOffice save the return as .xlsx or .ods: every answer still comes back."""
    done = rounds[collection]
    convert(done.returns["302"], "xlsx:Calc MS Excel 2007 XML", tmp_path / "inbox" / "xlsx", profile=tmp_path / "lo")
    convert(done.returns["201"], "ods", tmp_path / "inbox" / "ods", profile=tmp_path / "lo")
    report = collate(tmp_path / "inbox", tmp_path / "out", collection=collection, key=survey_key, register=register)
    assert report.statuses["accepted"] == 2, rows(tmp_path / "out" / "issues.csv")
    again = {(v["la_code"], v["field_id"], v["row_number"]): (v["value"], v["cell"])
             for v in rows(tmp_path / "out" / "values.csv")}
    before = {(v["la_code"], v["field_id"], v["row_number"]): (v["value"], v["cell"])
              for v in rows(done.out / "values.csv") if v["la_code"] in ("302", "201")}
    assert again == before


@requires_libreoffice
@pytest.mark.libreoffice
@pytest.mark.parametrize("collection", COLLECTIONS)
def test_the_template_prints(collection, survey_templates, surveys, tmp_path):
    pdf = convert(survey_templates[collection]["302"], "pdf", tmp_path, profile=tmp_path / "lo")[0]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 1 + len({s.sheet for s in surveys[collection].sections})
