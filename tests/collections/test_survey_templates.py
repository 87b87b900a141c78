"""Mapping and consultation templates pass the dataset's checks: inputs open and validated, the rest locked,
identity very hidden and signed over every locked row, column and fixed row."""

from __future__ import annotations

import re
import zipfile

import pytest
from openpyxl import load_workbook

from lscb_workbooks.spec.models import Field
from lscb_workbooks.templates import identity
from lscb_workbooks.templates.identity import IDENTITY_KEYS, IDENTITY_SHEET, locked_rows
from lscb_workbooks.templates.layout import LISTS_SHEET
from lscb_workbooks.templates.model_sheet import MODEL_SHEET

from survey_rounds import COLLECTIONS
from template_readback import (Box, assert_only_inputs_unlocked, identity_values, input_boxes, list_source_values, signed_rows,
                               spec_sheets, table_columns, validations_by_cell)


def fixed_rows(ws) -> list[tuple[int, str, str, str]]:
    """(row, id, label, unit) of each pre-labelled row of a table, read by the marker in column A."""
    columns = table_columns(ws)
    if not columns:
        return []
    ref_row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == identity.REF_HEADER)
    return [(r, ws.cell(r, 1).value, ws.cell(r, 2).value or "", ws.cell(r, 3).value or "")
            for r in range(ref_row + 3, ws.max_row + 1) if isinstance(ws.cell(r, 1).value, str)]


def all_boxes(wb) -> list[Box]:
    boxes = input_boxes(wb)
    for ws in spec_sheets(wb):
        for c in table_columns(ws):
            boxes += [Box(ws.title, ws.cell(row, c.col).coordinate, c.field_id, "value") for row, *_ in fixed_rows(ws)]
    return boxes


def all_signed_rows(wb) -> list[tuple[str, str, str]]:
    return signed_rows(wb) + [(i, label, unit) for ws in spec_sheets(wb) for _, i, label, unit in fixed_rows(ws)]


@pytest.fixture(params=COLLECTIONS)
def collection(request):
    return request.param


@pytest.fixture
def book(collection, survey_templates):
    return load_workbook(survey_templates[collection]["302"])


@pytest.fixture
def survey(collection, surveys):
    return surveys[collection]


def test_sheets_cover_first_then_the_spec_then_hidden_lists_and_very_hidden_identity(book, survey):
    sheets = list(dict.fromkeys(s.sheet for s in survey.sections))
    sheets = [MODEL_SHEET, *sheets] if survey.kind == "consultation" else sheets
    assert book.sheetnames == ["Cover", *sheets, LISTS_SHEET, IDENTITY_SHEET]
    states = {ws.title: ws.sheet_state for ws in book.worksheets}
    assert states == {"Cover": "visible", **{s: "visible" for s in sheets}, LISTS_SHEET: "hidden",
                      IDENTITY_SHEET: "veryHidden"}


def test_the_consultation_shows_the_draft_dataset_as_a_grid_with_its_gaps(survey_templates, spec):
    ws = load_workbook(survey_templates["consultation"]["302"])[MODEL_SHEET]
    model = spec.conceptual_model
    cells = {(r, c): ws.cell(r, c).value for r in range(1, 20) for c in range(1, len(model.age_groups) + 2)}
    header = next(r for (r, c), v in cells.items() if c == 1 and v == "Theme \\ age group")
    for r, theme in enumerate(model.themes, start=header + 1):
        assert cells[(r, 1)] == theme.title
        for c, group in enumerate(model.age_groups, start=2):
            ids = [e.id for e in model.cell(theme.id, group.id)]
            assert cells[(r, c)] == (f"{len(ids)} indicator{'s' if len(ids) > 1 else ''}:\n" + ", ".join(ids)
                                     if ids else "Gap: no indicator yet")
    assert not any(c.protection.locked is False for row in ws.iter_rows() for c in row)


def test_every_sheet_protected_and_the_structure_locked(book, collection, survey_templates):
    for ws in book.worksheets:
        assert ws.protection.sheet and ws.protection.password, ws.title
    workbook_xml = zipfile.ZipFile(survey_templates[collection]["302"]).read("xl/workbook.xml")
    assert re.search(rb'<workbookProtection lockStructure="1"/>', workbook_xml)


def _check_value_validation(book, dv, f: Field, where: str) -> None:
    assert dv is not None, f"{where} has no data validation"
    assert dv.showErrorMessage and dv.errorStyle in (None, "stop"), where
    if f.unit == "count":
        assert dv.type == "whole", where
        assert float(dv.formula1) == f.lower_bound and float(dv.formula2) == (f.upper_bound or 1e9), where
    elif f.options:
        assert dv.type == "list", where
        assert list_source_values(book, dv.formula1) == list(f.options), where
    else:
        assert f.unit == "text" and dv.type == "textLength" and float(dv.formula1) == f.max_length, where


def test_every_input_box_is_unlocked_and_validated_for_its_column(book, survey):
    boxes = all_boxes(book)
    assert {b.field_id for b in boxes} == set(survey.fields)
    validations = {ws.title: validations_by_cell(ws) for ws in book.worksheets}
    for box in boxes:
        where = f"{box.sheet}!{box.coordinate} ({box.field_id})"
        assert not book[box.sheet][box.coordinate].protection.locked, where
        _check_value_validation(book, validations[box.sheet].get(box.coordinate), survey.fields[box.field_id], where)
    fixed = [s for s in survey.sections if s.fixed]
    for section in fixed:
        expected = len(section.rows) * len(section.fields)
        assert sum(1 for b in boxes if b.sheet == section.sheet) == expected, "every fixed row can be answered"


def test_only_input_boxes_are_unlocked_and_everything_with_content_is_locked(book):
    assert_only_inputs_unlocked(book, {(b.sheet, b.coordinate) for b in all_boxes(book)})


def test_validation_texts_fit_excel_and_lists_are_never_inline(book):
    for ws in book.worksheets:
        for dv in ws.data_validations.dataValidation:
            assert dv.promptTitle and len(dv.promptTitle) <= 32, dv.promptTitle
            assert dv.prompt and len(dv.prompt) <= 255 and dv.error and len(dv.error) <= 255
            if dv.type == "list":
                assert LISTS_SHEET in dv.formula1 and not dv.formula1.startswith('"')


def test_identity_is_signed_over_every_row_column_and_fixed_row(book, survey, survey_key):
    values = identity_values(book)
    assert {k: values[k] for k in IDENTITY_KEYS}["collection"] == survey.id
    rows = all_signed_rows(book)
    assert sorted(rows) == sorted(locked_rows(survey))
    assert identity.sign(values, rows, survey_key) == values["signature"]


def test_editing_a_fixed_row_label_breaks_the_signature(surveys, survey_templates, survey_key):
    book = load_workbook(survey_templates["consultation"]["302"])
    ws = book["Proposed indicators"]
    row, row_id, label, _ = fixed_rows(ws)[3]
    assert identity.signature_matches(identity_values(book), all_signed_rows(book), survey_key,
                                      identity_values(book)["signature"])
    ws.cell(row, 2).value = label + " (local definition)"
    assert not identity.signature_matches(identity_values(book), all_signed_rows(book), survey_key,
                                          identity_values(book)["signature"])


def test_fixed_rows_sit_under_their_theme_in_the_spec_order(surveys, survey_templates):
    section = next(s for s in surveys["consultation"].sections if s.fixed)
    ws = load_workbook(survey_templates["consultation"]["302"])[section.sheet]
    shown = fixed_rows(ws)
    assert [(i, label, unit) for _, i, label, unit in shown] == [(r.id, r.label, r.unit) for r in section.rows]
    headings = [ws.cell(r, 2).value for r in range(shown[0][0] - 1, shown[-1][0])
                if ws.cell(r, 1).value is None and ws.cell(r, 2).value]
    assert headings == list(dict.fromkeys(r.group for r in section.rows))
    assert ws.cell(shown[0][0] - 1, 2).value == section.rows[0].group, "the first theme heads the table"
    labels_row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == identity.TABLE_ROW_HEADER)
    assert [ws.cell(labels_row, c).value for c in (2, 3)] == [identity.FIXED_LABEL_HEADER, identity.FIXED_UNIT_HEADER]
    assert ws.cell(labels_row + 1, 1).value == identity.TABLE_UNIT_HEADER


def test_scores_say_their_scale_in_the_unit_row(surveys, survey_templates):
    ws = load_workbook(survey_templates["mapping"]["302"])["Data items"]
    units = {c.field_id: c.unit for c in table_columns(ws)}
    assert units["usefulness"] == units["feasibility"] == units["robustness"] == "Score 1-5"
    assert units["item"] == "Text" and units["agency"] == "Choose from list"


def test_a_survey_without_rules_has_no_rules_line_in_its_self_check(book, survey):
    form = next(s for s in survey.sections if s.kind == "form")
    column_b = [c.value for row in book[form.sheet].iter_rows(max_col=2) for c in row if c.value]
    assert "Required boxes still empty:" in column_b and "Status:" in column_b
    assert "Rules broken:" not in column_b


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_text_boxes_are_sized_for_what_may_be_typed_and_rows_can_grow(collection, surveys, survey_templates):
    """A box that accepts hundreds of characters shows a few hundred of them, not one line; the protected
    sheets still let the coordinator make a row taller for more."""
    spec = surveys[collection]
    wb = load_workbook(next(iter(survey_templates[collection].values())))
    checked = 0
    for box in all_boxes(wb):
        f = spec.value_field(box.field_id)
        if f is None or f.unit != "text" or box.role != "value":
            continue
        ws = wb[box.sheet]
        cell = ws[box.coordinate]
        height = ws.row_dimensions[cell.row].height or 15
        width = ws.column_dimensions[cell.column_letter].width or 8.43
        lines = height / (11 * 1.35)
        shown = lines * width * 1.15
        assert shown >= min(f.max_length, 90) * 0.9, (box, f.max_length, height, width)
        checked += 1
    assert checked
    for ws in spec_sheets(wb):
        assert ws.protection.sheet and not ws.protection.formatRows, "rows may be made taller"
