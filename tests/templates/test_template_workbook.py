"""Templates as written to disk, read back with openpyxl: names, markers, locks, validations, identity."""

from __future__ import annotations

import re
import zipfile

import pytest
from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel

from lscb_workbooks.spec.models import UNIT_LABELS
from lscb_workbooks import atomic
from lscb_workbooks.templates import identity, render
from lscb_workbooks.templates.identity import FORM_HEADERS, IDENTITY_KEYS, IDENTITY_SHEET, UNRATED_HEADERS, locked_rows
from lscb_workbooks.templates.layout import (LISTS_SHEET, REQUIRED_LABEL, RULES_LABEL, STATUS_INCOMPLETE,
                                             STATUS_LABEL, Cell, SheetLayout, TemplateLayout,
                                             template_rules)
from lscb_workbooks.templates.render import TemplateError, draw_workbook, template_file_name, write_templates
from lscb_workbooks.templates.styles import PLAIN
from template_readback import (assert_only_inputs_unlocked, form_rows, identity_values, input_boxes, list_source_values,
                               signed_rows, spec_sheets, table_columns, validations_by_cell)

SHEETS = ["Cover", "Return", "Challenges and gaps", "Sign-off", LISTS_SHEET, IDENTITY_SHEET]


# ---------------------------------------------------------------- files and names


def test_one_template_per_authority_with_a_name_a_person_can_read(written, register, spec, period):
    names = sorted(p.name for p in written.values())
    assert len(names) == len(register) == 33
    assert template_file_name(spec, register.by_code("302"), period) == "dataset_2026-27_302-Barnet.xlsx"
    assert "dataset_2026-27_302-Barnet.xlsx" in names
    assert all(re.fullmatch(r"dataset_2026-27_\d{3}-[A-Za-z]+(-[A-Za-z]+)*\.xlsx", n) for n in names), names
    folder = next(iter(written.values())).parent
    assert sorted(p.name for p in folder.iterdir()) == names, "no temporary files are left behind"


def test_each_template_names_its_own_authority_on_the_cover_title_and_printout(written, register):
    for authority in register:
        wb = load_workbook(written[authority.la_code])
        cover = [c.value for row in wb["Cover"].iter_rows() for c in row if isinstance(c.value, str)]
        assert any(authority.name in text for text in cover), authority.name
        title = next(c.value for c in wb["Return"][1] if c.value)
        assert authority.name in title and "2026-27" in title
        assert authority.name in wb["Return"].oddHeader.left.text.replace("&&", "&")
        assert identity_values(wb)["la_code"] == authority.la_code


def test_cover_says_what_when_where_and_how(barnet_book, spec):
    text = "\n".join(str(c.value) for row in barnet_book["Cover"].iter_rows() for c in row if c.value)
    for expected in (spec.title, "Barnet (DfE code 302)", "1 April 2026 to 31 March 2027", "Friday 28 May 2027",
                     "pan-london.dataset@example.org", "How to fill it in", "What the colours mean",
                     "not a security measure", "Yellow", "Grey", "green", "Amber"):
        assert expected in text, expected
    assert "1." in text and "2." in text


def test_cover_without_deadline_or_address_says_as_agreed(spec, barnet, period, key, tmp_path):
    path = write_templates(spec, [barnet], period, tmp_path, key)[0]
    text = [c.value for row in load_workbook(path)["Cover"].iter_rows() for c in row if c.value]
    assert text.count("As agreed with the project officer") == 2


# ---------------------------------------------------------------- sheets, states and protection


def test_sheets_in_order_cover_first_and_active(barnet_book):
    assert barnet_book.sheetnames == SHEETS
    assert barnet_book.active.title == "Cover"
    states = {ws.title: ws.sheet_state for ws in barnet_book.worksheets}
    assert states == {"Cover": "visible", "Return": "visible", "Challenges and gaps": "visible",
                      "Sign-off": "visible", LISTS_SHEET: "hidden", IDENTITY_SHEET: "veryHidden"}


def test_every_sheet_is_protected_and_the_structure_locked(barnet_book, barnet_path):
    for ws in barnet_book.worksheets:
        assert ws.protection.sheet, ws.title
        assert ws.protection.password, ws.title
        assert not ws.protection.selectLockedCells and not ws.protection.selectUnlockedCells, \
            "selecting cells stays allowed"
    workbook_xml = zipfile.ZipFile(barnet_path).read("xl/workbook.xml")
    assert re.search(rb'<workbookPr[^>]*/><workbookProtection lockStructure="1"/>', workbook_xml)
    assert barnet_book.security.lockStructure


# ---------------------------------------------------------------- inputs: unlocked, validated for their unit


def _expected_validation(field, period) -> dict:
    if field.unit in ("count", "score"):
        return {"type": "whole", "low": field.lower_bound or 0, "high": field.upper_bound or 1e9}
    if field.unit == "number":
        low = -1e12 if field.lower_bound is None else field.lower_bound
        return {"type": "decimal", "low": low, "high": field.upper_bound or 1e12}
    if field.unit == "percentage":
        return {"type": "decimal", "low": 0, "high": 100}
    if field.unit in {"yes_no", "choice"}:
        return {"type": "list", "options": list(field.options)}
    if field.unit == "date":
        return {"type": "date", "low": period.sign_off_window[0], "high": period.sign_off_window[1]}
    return {"type": "textLength", "max": field.max_length}


def _check_validation(wb, dv, expected: dict, where: str) -> None:
    assert dv is not None, f"{where} has no data validation"
    assert dv.type == expected["type"], where
    assert dv.showErrorMessage and dv.errorStyle in (None, "stop"), where
    if expected["type"] in {"whole", "decimal"}:
        assert dv.operator in (None, "between"), where
        assert float(dv.formula1) == expected["low"] and float(dv.formula2) == expected["high"], where
    elif expected["type"] == "date":
        assert from_excel(float(dv.formula1)).date() == expected["low"], where
        assert from_excel(float(dv.formula2)).date() == expected["high"], where
    elif expected["type"] == "list":
        assert list_source_values(wb, dv.formula1) == expected["options"], where
    else:
        assert dv.operator == "lessThanOrEqual" and float(dv.formula1) == expected["max"], where


def test_every_input_box_is_unlocked_and_validated_for_its_unit(barnet_book, spec, period):
    boxes = input_boxes(barnet_book)
    assert {b.field_id for b in boxes} == set(spec.fields)
    validations = {ws.title: validations_by_cell(ws) for ws in barnet_book.worksheets}
    for box in boxes:
        field = spec.fields[box.field_id]
        cell = barnet_book[box.sheet][box.coordinate]
        where = f"{box.sheet}!{box.coordinate} ({box.field_id} {box.role})"
        if field.derived:
            assert cell.protection.locked, where
            assert box.coordinate not in validations[box.sheet], where
            continue
        assert not cell.protection.locked, where
        dv = validations[box.sheet].get(box.coordinate)
        if box.role == "value":
            _check_validation(barnet_book, dv, _expected_validation(field, period), where)
        elif box.role == "rating":
            _check_validation(barnet_book, dv, {"type": "list", "options": spec.ratings}, where)
        else:
            _check_validation(barnet_book, dv, {"type": "textLength", "max": 1000}, where)


def test_only_input_boxes_are_unlocked_and_everything_with_content_is_locked(barnet_book, spec):
    inputs = {(b.sheet, b.coordinate) for b in input_boxes(barnet_book) if not spec.fields[b.field_id].derived}
    assert_only_inputs_unlocked(barnet_book, inputs)


def test_validation_texts_fit_excel_and_lists_are_never_inline(barnet_book):
    count = 0
    for ws in barnet_book.worksheets:
        for dv in ws.data_validations.dataValidation:
            count += 1
            assert dv.promptTitle and len(dv.promptTitle) <= 32, dv.promptTitle
            assert dv.prompt and len(dv.prompt) <= 255, dv.prompt
            assert dv.errorTitle and len(dv.errorTitle) <= 32, dv.errorTitle
            assert dv.error and len(dv.error) <= 255, dv.error
            if dv.type == "list":
                assert len(dv.formula1) <= 255 and not dv.formula1.startswith('"'), dv.formula1
                assert LISTS_SHEET in dv.formula1
    assert count > 100


def test_error_alerts_speak_plain_english(barnet_book):
    ws = barnet_book["Return"]
    row = next(r for r in form_rows(ws) if r.field_id == "CSC_REF")
    dv = validations_by_cell(ws)[ws.cell(row.row, row.headers["Value"]).coordinate]
    assert dv.error == ("Type a whole number of 0 or more, with no text. Leave it blank and choose "
                        "'Not available' if you do not have the figure.")
    long_one = next(r for r in form_rows(ws) if r.field_id == "NI63")
    assert len(long_one.label) <= 100


# ---------------------------------------------------------------- layout markers


def test_form_header_rows_are_exact(barnet_book):
    ret, sign_off = barnet_book["Return"], barnet_book["Sign-off"]
    headers = [row for row in ret.iter_rows() if row[0].value == "Ref"]
    assert len(headers) == 1
    assert tuple(c.value for c in headers[0][:len(FORM_HEADERS)]) == FORM_HEADERS
    assert all(c.value is None for c in headers[0][len(FORM_HEADERS):])
    header = next(row for row in sign_off.iter_rows() if row[0].value == "Ref")
    assert tuple(c.value for c in header[:len(UNRATED_HEADERS)]) == UNRATED_HEADERS


def test_column_a_holds_only_field_ids_below_a_header(barnet_book, spec):
    for ws in (barnet_book["Return"], barnet_book["Sign-off"]):
        seen_header = False
        ids = []
        for row in ws.iter_rows():
            first = row[0].value
            if first == "Ref":
                seen_header = True
            elif first is not None:
                assert seen_header, f"{ws.title}!A{row[0].row} has {first!r} above the header"
                assert first in spec.fields, f"{ws.title}!A{row[0].row}: {first!r} is not a field id"
                ids.append(first)
        assert sorted(ids) == sorted(f.id for s in spec.sections if s.sheet == ws.title for f in s.fields)


def test_field_rows_show_label_unit_and_definition(barnet_book, spec):
    ws = barnet_book["Return"]
    for row in form_rows(ws):
        field = spec.fields[row.field_id]
        assert row.label == field.label and row.unit == UNIT_LABELS[field.unit]
        definition = ws.cell(row.row, row.headers["Definition"])
        assert (definition.value or "") == field.definition
        assert definition.alignment.wrap_text


def test_rated_form_is_grouped_by_theme_then_agency_with_context_first(barnet_book, spec):
    ws = barnet_book["Return"]
    fields = {r.row: r.field_id for r in form_rows(ws)}
    header_row = next(row[0].row for row in ws.iter_rows() if row[0].value == "Ref")
    headings, theme, agency = [], None, None
    for r in range(header_row + 1, ws.max_row + 1):
        if r in fields:
            field = spec.fields[fields[r]]
            assert theme == (spec.theme_titles[field.theme] if field.theme else "Context"), field.id
            assert agency == spec.agency_titles[field.agency], field.id
            continue
        text = ws.cell(r, 2).value
        if ws.cell(r, 2).font.size and ws.cell(r, 2).font.size >= 12:
            theme, agency = text, None
            headings.append(text)
        else:
            agency = text
    assert headings == ["Context", *[t.title for t in spec.themes]]


def test_table_sheet_has_ref_row_labels_units_and_numbered_rows_only(barnet_book, spec):
    section = next(s for s in spec.sections if s.kind == "table")
    ws = barnet_book[section.sheet]
    columns = table_columns(ws)
    assert [c.field_id for c in columns] == [f.id for f in section.fields]
    assert [c.label for c in columns] == [f.label for f in section.fields]
    assert [c.unit for c in columns] == [UNIT_LABELS[f.unit] for f in section.fields]
    rows = columns[0].data_rows
    assert [ws.cell(r, 1).value for r in rows] == list(range(1, section.max_rows + 1))
    assert ws.max_row == rows[-1], "nothing below the table"
    ref_row = rows[0] - 3
    assert ws.cell(ref_row, 1).value == "Ref" and ws.cell(ref_row + 1, 1).value == identity.TABLE_ROW_HEADER
    assert ws.cell(ref_row + 2, 1).value == "Unit"


# ---------------------------------------------------------------- derived cells and the self-check


def _value_cells(wb) -> dict[str, str]:
    return {r.field_id: f"{r.sheet}!${re.sub(r'[0-9]', '', wb[r.sheet].cell(r.row, 4).coordinate)}${r.row}"
            for ws in spec_sheets(wb) for r in form_rows(ws)}


def test_derived_cells_are_locked_grey_formulas_over_their_counts(barnet_book, spec):
    ws = barnet_book["Return"]
    rows = {r.field_id: r for r in form_rows(ws)}
    ni65 = ws.cell(rows["NI65"].row, 4).value
    assert f"$D${rows['CP_REPEAT'].row}/$D${rows['CP_START'].row}" in ni65.replace("(", "").replace(")", "")
    for field in spec.form_fields:
        if not field.derived:
            continue
        cell = ws.cell(rows[field.id].row, 4)
        assert str(cell.value).startswith("=IF(OR("), field.id
        referenced = set(re.findall(r"\$D\$\d+", cell.value))
        assert referenced == {f"$D${rows[n].row}" for n in field.parsed_expression.names}, field.id
        assert cell.protection.locked and cell.fill.fgColor.rgb.endswith("E7E6E6"), field.id
        if field.unit in {"percentage", "rate_per_10000"}:
            assert cell.number_format == "0.0", field.id
        for col in (5, 6):
            other = ws.cell(rows[field.id].row, col)
            assert other.protection.locked and other.value is None, field.id
            assert other.fill.fgColor.rgb.endswith("E7E6E6"), field.id


def _check_rows(ws) -> dict[str, int]:
    return {ws.cell(r, 2).value: r for r in range(1, 12) if ws.cell(r, 2).value in
            (REQUIRED_LABEL, RULES_LABEL, STATUS_LABEL)}


def test_self_check_sits_above_the_header_with_true_cached_values(barnet_path, spec):
    formulas = load_workbook(barnet_path)["Return"]
    cached = load_workbook(barnet_path, data_only=True)["Return"]
    rows = _check_rows(formulas)
    header_row = next(row[0].row for row in formulas.iter_rows() if row[0].value == "Ref")
    assert set(rows) == {REQUIRED_LABEL, RULES_LABEL, STATUS_LABEL}
    assert max(rows.values()) < header_row
    assert all(formulas.cell(r, 1).value is None for r in rows.values())
    required = sum(1 for f in spec.form_fields if f.required and not f.derived)
    assert cached.cell(rows[REQUIRED_LABEL], 4).value == required
    assert cached.cell(rows[RULES_LABEL], 4).value == 0
    assert cached.cell(rows[STATUS_LABEL], 4).value == STATUS_INCOMPLETE
    assert formulas.cell(rows[REQUIRED_LABEL], 4).value.startswith("=")
    assert "'Sign-off'!" in formulas.cell(rows[REQUIRED_LABEL], 4).value, "counts across all form sheets"
    assert spec.not_available_rating in formulas.cell(rows[REQUIRED_LABEL], 4).value
    errors = [r for r in spec.all_rules if r.severity == "error"]
    assert formulas.cell(rows[RULES_LABEL], 4).value.count("IF(") == len(errors), "warnings never block 'Complete'"
    status_cell = formulas.cell(rows[STATUS_LABEL], 4).coordinate
    colours = {rule.dxf.fill.bgColor.rgb[-6:] for cf in formulas.conditional_formatting
               if status_cell in cf.sqref for rule in cf.rules}
    assert colours == {"C6EFCE", "FFEB9C"}, "green when complete, amber when not"


def test_each_rule_turns_its_boxes_red_while_broken(barnet_book, spec):
    ws = barnet_book["Return"]
    rows = {r.field_id: r.row for r in form_rows(ws)}
    red = {}
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            if rule.dxf.fill.bgColor.rgb.endswith("FFC7CE"):
                red.setdefault(str(cf.sqref), []).append(rule.formula[0])
    places = {f: None for f in rows}
    for rule in template_rules(spec, places):
        for field_id in [*rule.fields, rule.limit]:
            formulas = red.get(f"D{rows[field_id]}", [])
            limit, part = f"$D${rows[rule.limit]}", f"$D${rows[rule.fields[0]]}"
            assert any(limit in f and part in f for f in formulas), (rule.id, field_id)


# ---------------------------------------------------------------- identity and signature


def test_identity_sheet_holds_the_keys_in_order_as_text(barnet_book, spec, barnet, period):
    ws = barnet_book[IDENTITY_SHEET]
    keys = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    assert keys == [*IDENTITY_KEYS, "la_name", "created", identity.SIGNATURE_KEY]
    assert all(ws.cell(r, 2).data_type == "s" for r in range(1, ws.max_row + 1))
    values = identity_values(barnet_book)
    assert {k: values[k] for k in IDENTITY_KEYS} == {
        "collection": spec.id, "spec_version": spec.version, "template_version": spec.template_version,
        "la_code": "302", "period": str(period)}
    assert values["la_name"] == barnet.name
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", values["created"])


def test_signature_matches_what_the_sheets_show_and_breaks_when_a_label_changes(barnet_book, spec, key):
    values = identity_values(barnet_book)
    rows = signed_rows(barnet_book)
    assert sorted(rows) == sorted(locked_rows(spec))
    assert identity.sign(values, rows, key) == values["signature"]
    assert not identity.signature_matches(values, rows, b"another key", values["signature"])
    ws = barnet_book["Return"]
    target = next(r for r in form_rows(ws) if r.field_id == "NI65")
    ws.cell(target.row, 2).value = target.label + " (local definition)"
    assert not identity.signature_matches(values, signed_rows(barnet_book), key, values["signature"])


# ---------------------------------------------------------------- print set-up and sizes


def test_printing_is_landscape_one_page_wide_with_headers_and_titles(barnet_book, barnet):
    for ws in barnet_book.worksheets:
        if ws.sheet_state != "visible":
            continue
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (1, None), ws.title
        header = ws.oddHeader
        assert barnet.name in header.left.text and "2026-27" in header.right.text, ws.title
    ret = barnet_book["Return"]
    header_row = next(row[0].row for row in ret.iter_rows() if row[0].value == "Ref")
    assert ret.print_title_rows.replace("$", "") == f"{header_row}:{header_row}"
    assert ret.freeze_panes == f"A{header_row + 1}"
    table = barnet_book["Challenges and gaps"]
    first_data = table_columns(table)[0].data_rows[0]
    assert table.freeze_panes == f"A{first_data}"


def test_columns_are_wide_enough_to_read(barnet_book):
    widths = {k: v.width for k, v in barnet_book["Return"].column_dimensions.items()}
    assert widths["B"] >= 40 and widths["G"] >= 50 and widths["D"] >= 10
    assert barnet_book["Sign-off"].column_dimensions["D"].width >= 30, "room for a name and an email"


# ---------------------------------------------------------------- failures


def test_a_refusal_by_the_spreadsheet_writer_is_an_error():
    sheet = SheetLayout("Return", "form", cells=[Cell(2_000_000, 0, PLAIN, "too far down")])
    layout = TemplateLayout("dataset", "t", "Barnet", "2026-27", [sheet], {}, {}, [])
    with pytest.raises(TemplateError, match="A2000001"):
        draw_workbook(layout)


def test_a_warning_from_the_spreadsheet_writer_is_an_error():
    sheet = SheetLayout("Return", "form", cells=[Cell(0, 1, PLAIN, "one cell", merge_to=1)])
    layout = TemplateLayout("dataset", "t", "Barnet", "2026-27", [sheet], {}, {}, [])
    with pytest.raises(TemplateError):
        draw_workbook(layout)


def test_templates_are_replaced_whole_or_not_at_all(spec, register, period, key, tmp_path, monkeypatch):
    first, second = register.by_code("302"), register.by_code("303")
    before = write_templates(spec, [first, second], period, tmp_path, key)
    old_bytes = before[1].read_bytes()
    real = render.TemplateStamp.stamp

    def fails_for_second(stamp, authority):
        if authority == second:
            raise RuntimeError("interrupted")
        return real(stamp, authority)

    monkeypatch.setattr(render.TemplateStamp, "stamp", fails_for_second)
    with pytest.raises(RuntimeError):
        write_templates(spec, [first, second], period, tmp_path, key)
    assert before[1].read_bytes() == old_bytes
    monkeypatch.setattr(render.TemplateStamp, "stamp", real)

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_templates(spec, [second], period, tmp_path, key)
    assert before[1].read_bytes() == old_bytes
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in before)


def test_count_boxes_show_thousands_separators_and_comments_have_room(barnet_book, spec):
    ws = barnet_book["Return"]
    rows = {r.field_id: r for r in form_rows(ws)}
    counts = [f for f in spec.form_fields if f.unit == "count" and not f.derived and f.id in rows]
    assert counts
    for f in counts:
        r = rows[f.id]
        assert ws.cell(r.row, r.headers["Value"]).number_format == "#,##0", f.id
    comment_col = rows[counts[0].id].headers["Comment"]
    for f in counts:
        assert (ws.row_dimensions[rows[f.id].row].height or 15) >= 3 * 11 * 1.35, "three lines of comment show"
    assert ws.column_dimensions[ws.cell(1, comment_col).column_letter].width >= 30


def test_a_stamped_copy_reads_exactly_as_one_drawn_in_full(spec, register, period, key, tmp_path):
    """Templates are drawn once per collection and period and stamped per authority; what a coordinator
    and the collator see is the same as in a template drawn for that authority alone."""
    chosen = [register.by_code(c) for c in ("201", "302", "205")]
    stamped = write_templates(spec, chosen, period, tmp_path / "batch", key, deadline="Friday 28 May 2027")
    for authority, path in zip(chosen, stamped):
        alone = write_templates(spec, [authority], period, tmp_path / authority.la_code, key,
                                deadline="Friday 28 May 2027")[0]
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                assert "\ue000".encode() not in z.read(name) and "\ue001".encode() not in z.read(name), name
        a, b = load_workbook(path), load_workbook(alone)
        assert a.sheetnames == b.sheetnames
        for ws in a.worksheets:
            theirs = b[ws.title]
            cells = lambda sheet: {c.coordinate: c.value for row in sheet.iter_rows() for c in row
                                   if c.value is not None and sheet.title != IDENTITY_SHEET}
            assert cells(ws) == cells(theirs), ws.title
            if ws.sheet_state == "visible":
                assert ws.oddHeader.left.text == theirs.oddHeader.left.text and authority.name in ws.oddHeader.left.text
            assert [(v.sqref, v.formula1) for v in ws.data_validations.dataValidation] == \
                   [(v.sqref, v.formula1) for v in theirs.data_validations.dataValidation]
            assert ws.protection.sheet and ws.sheet_state == theirs.sheet_state
        ident = identity_values(a)
        assert ident["la_code"] == authority.la_code and ident["la_name"] == authority.name
        assert identity.signature_matches({k: ident[k] for k in IDENTITY_KEYS}, locked_rows(spec), key,
                                          ident[identity.SIGNATURE_KEY])
        assert a.properties.title == b.properties.title
