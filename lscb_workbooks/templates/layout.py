"""Where everything goes on a return template, worked out from the spec alone.

Pure: nothing here writes a workbook. `render.py` draws exactly these cells,
so the layout can be checked without opening a spreadsheet, and collation can
rely on the markers it leaves: a form's header row starts `Ref, Indicator,
Unit, Value`; every field row has the field id in column A and no other row
has anything in column A; a table has a `Ref` row of column ids, then a `Row`
row of labels, then a `Unit` row, then numbered rows, or, for a table of fixed
rows, rows with the row's id in column A (and its label and unit under the
`Indicator` and `Unit` headers), with group headings that leave column A empty.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field as dataclass_field
from datetime import datetime
from typing import Callable, Literal

from ..errors import LscbError
from ..intake.xml_scan import column_letters
from ..spec.models import UNIT_LABELS, Field, Rule, Section, Spec
from ..spec.periods import Period
from ..spec.register import Authority
from . import identity, styles
from .inputs import InputRule, comment_rule, rating_rule, value_rule
from .prefill import PREFILL_KEY, PrefilledValue, encode
from .styles import Highlight, Style

COVER_SHEET = "Cover"
LISTS_SHEET = "_lists"
CONTEXT_HEADING = "Context"
REQUIRED_LABEL = "Required boxes still empty:"
RULES_LABEL = "Rules broken:"
STATUS_LABEL = "Status:"
STATUS_COMPLETE = "Complete: ready to send"
STATUS_INCOMPLETE = "Not complete: see the counts above"
EXCEL_FORMULA_LIMIT = 8192
CHECK_HINT_WRAPPED = styles.CHECK_HINT.but(name="check_hint_wrapped", wrap=True)

REF_COL, LABEL_COL, UNIT_COL, VALUE_COL = 0, 1, 2, 3
RATING_COL, COMMENT_COL, RATED_DEFINITION_COL = 4, 5, 6
UNRATED_DEFINITION_COL = 4

Visibility = Literal["visible", "hidden", "very_hidden"]
SheetKind = Literal["cover", "model", "form", "table", "lists", "identity"]


class LayoutError(LscbError, ValueError):
    """A spec that cannot be laid out as a template (for example a formula longer than Excel allows)."""


@dataclass(frozen=True)
class Cell:
    """One cell: a value or a formula (with the value a reader that does not recalculate sees)."""

    row: int
    col: int
    style: Style
    value: str | int | float | None = None
    formula: str | None = None
    cached: str | int | float | None = None
    merge_to: int | None = None

    @property
    def unlocked(self) -> bool:
        return self.style.unlocked


@dataclass(frozen=True)
class Area:
    first_row: int
    first_col: int
    last_row: int
    last_col: int

    @classmethod
    def at(cls, row: int, col: int) -> "Area":
        return cls(row, col, row, col)


@dataclass(frozen=True)
class Validation:
    area: Area
    rule: InputRule


@dataclass(frozen=True)
class Conditional:
    """Colour an area while a formula (absolute references) is true."""

    area: Area
    formula: str
    highlight: Highlight


@dataclass
class SheetLayout:
    name: str
    kind: SheetKind
    visibility: Visibility = "visible"
    cells: list[Cell] = dataclass_field(default_factory=list)
    validations: list[Validation] = dataclass_field(default_factory=list)
    conditionals: list[Conditional] = dataclass_field(default_factory=list)
    widths: dict[int, float] = dataclass_field(default_factory=dict)
    heights: dict[int, float] = dataclass_field(default_factory=dict)
    growing_rows: set[int] = dataclass_field(default_factory=set)
    freeze_row: int | None = None
    repeat_rows: tuple[int, int] | None = None

    def add(self, row: int, col: int, style: Style, value: str | int | float | None = None, **kw) -> Cell:
        cell = Cell(row, col, style, value, **kw)
        self.cells.append(cell)
        return cell

    def cell(self, row: int, col: int) -> Cell | None:
        return next((c for c in self.cells if c.row == row and c.col == col), None)


@dataclass(frozen=True)
class FieldPlace:
    """Where a form field's boxes are (rating and comment only on rated sections)."""

    field_id: str
    sheet: str
    row: int
    value_col: int = VALUE_COL
    rating_col: int | None = None
    comment_col: int | None = None


@dataclass(frozen=True)
class ColumnPlace:
    """Where a table column's boxes are."""

    field_id: str
    sheet: str
    col: int
    first_row: int
    last_row: int


@dataclass
class TemplateLayout:
    spec_id: str
    title: str
    authority_name: str
    period: str
    sheets: list[SheetLayout]
    places: dict[str, FieldPlace]
    columns: dict[str, ColumnPlace]
    identity: list[tuple[str, str]]

    def sheet(self, name: str) -> SheetLayout:
        return next(s for s in self.sheets if s.name == name)

    @property
    def print_header(self) -> tuple[str, str, str]:
        """Left, centre and right of the printed page header."""
        return self.authority_name, self.title, self.period


# ---------------------------------------------------------------- addresses


def address(row: int, col: int, absolute: bool = True) -> str:
    """The Excel address of a cell from its row and column counted from 0, as xlsxwriter counts them."""
    dollar = "$" if absolute else ""
    return f"{dollar}{column_letters(col + 1)}{dollar}{row + 1}"


def sheet_prefix(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'!"


def area_address(area: Area) -> str:
    first = address(area.first_row, area.first_col)
    if (area.first_row, area.first_col) == (area.last_row, area.last_col):
        return first
    return f"{first}:{address(area.last_row, area.last_col)}"


def excel_text(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


# ---------------------------------------------------------------- the whole template


def layout_template(spec: Spec, authority: Authority, period: Period, key: bytes, created: datetime,
                    deadline: str | None = None, send_to: str | None = None,
                    prefilled: dict[str, PrefilledValue] | None = None) -> TemplateLayout:
    """Every sheet of one authority's template, in workbook order; `prefilled` figures already in their boxes."""
    from .cover import cover_sheet
    from .model_sheet import model_sheet

    lists, list_ranges = lists_sheet(spec)
    plans = {name: _plan_form_sheet(spec, name, first=(i == 0))
             for i, name in enumerate(form_sheet_names(spec))}
    places = {p.field_id: p for plan in plans.values() for p in plan.places}
    columns: dict[str, ColumnPlace] = {}
    drawn: list[SheetLayout] = []
    for name in spec_sheet_names(spec):
        sections = [s for s in spec.sections if s.sheet == name]
        if sections[0].kind == "table":
            draw = fixed_table_sheet if sections[0].fixed else table_sheet
            sheet, table_columns = draw(spec, sections[0], authority, period, list_ranges)
            columns.update(table_columns)
        else:
            sheet = _draw_form_sheet(spec, plans[name], places, authority, period, list_ranges, prefilled or {})
        drawn.append(sheet)
    _add_rule_highlights(spec, places, {s.name: s for s in drawn})
    rows = identity_rows(spec, authority, period, created, key, encode(prefilled) if prefilled else "")
    cover = cover_sheet(spec, authority, period, created, deadline, send_to)
    model = spec.conceptual_model
    shown = [model_sheet(model)] if model is not None and spec.kind == "consultation" else []
    return TemplateLayout(spec.id, spec.title, authority.name, str(period),
                          [cover, *shown, *drawn, lists, identity_sheet(rows)], places, columns, rows)


def spec_sheet_names(spec: Spec) -> list[str]:
    return list(dict.fromkeys(s.sheet for s in spec.sections))


def form_sheet_names(spec: Spec) -> list[str]:
    return [n for n in spec_sheet_names(spec) if any(s.sheet == n and s.kind == "form" for s in spec.sections)]


def sheet_title(section: Section, authority: Authority, period: Period) -> str:
    return f"{section.title}: {authority.name}, {period}"


# ---------------------------------------------------------------- form sheets


@dataclass(frozen=True)
class _Line:
    kind: str
    row: int
    section: Section
    text: str = ""
    field: Field | None = None


@dataclass
class _FormPlan:
    name: str
    lines: list[_Line]
    places: list[FieldPlace]
    checks: dict[str, int]
    header_rows: list[int]
    rated: bool


def _plan_form_sheet(spec: Spec, name: str, first: bool) -> _FormPlan:
    """Rows of a form sheet: title, intro, (self-check), header, then headings and fields, per section."""
    lines: list[_Line] = []
    places: list[FieldPlace] = []
    checks: dict[str, int] = {}
    header_rows: list[int] = []

    def line(kind: str, section: Section, text: str = "", fld: Field | None = None) -> int:
        lines.append(_Line(kind, len(lines), section, text, fld))
        return len(lines) - 1

    sections = [s for s in spec.sections if s.sheet == name]
    for index, section in enumerate(sections):
        if index:
            line("gap", section)
            line("section_title", section, section.title)
        else:
            line("title", section, section.title)
        if section.intro:
            line("intro", section, section.intro)
        if first and index == 0:
            line("gap", section)
            for kind in ("required", "rules", "status") if _has_template_rules(spec) else ("required", "status"):
                checks[kind] = line(f"check_{kind}", section)
            line("gap", section)
        header_rows.append(line("header", section))
        for kind, text, fld in _grouped(spec, section):
            row = line(kind, section, text, fld)
            if fld is not None:
                places.append(FieldPlace(fld.id, name, row, VALUE_COL,
                                         RATING_COL if section.rated else None,
                                         COMMENT_COL if section.rated else None))
    return _FormPlan(name, lines, places, checks, header_rows, any(s.rated for s in sections))


def _has_template_rules(spec: Spec) -> bool:
    """Whether any rule can be checked as the coordinator types (a survey may have none)."""
    form_ids = {f.id for f in spec.form_fields}
    return any(all(f in form_ids for f in [*r.fields, r.limit]) for r in spec.all_rules)


def _grouped(spec: Spec, section: Section) -> list[tuple[str, str, Field | None]]:
    """A rated form by theme (unthemed context first), then by agency; any other form in spec order."""
    if not section.rated:
        return [("field", f.label, f) for f in section.fields]
    out: list[tuple[str, str, Field | None]] = []
    theme_order = [None, *[t.id for t in spec.themes]]
    theme_order += [t for t in dict.fromkeys(f.theme for f in section.fields) if t not in theme_order]
    agency_order = [None, *[a.id for a in spec.agencies]]
    for theme in theme_order:
        in_theme = [f for f in section.fields if f.theme == theme]
        if not in_theme:
            continue
        out.append(("theme", spec.theme_titles.get(theme, theme) if theme else CONTEXT_HEADING, None))
        agencies = agency_order + [a for a in dict.fromkeys(f.agency for f in in_theme) if a not in agency_order]
        for agency in agencies:
            fields = [f for f in in_theme if f.agency == agency]
            if fields and agency:
                out.append(("agency", spec.agency_titles.get(agency, agency), None))
            out += [("field", f.label, f) for f in fields]
    return out


def _reference(places: dict[str, FieldPlace], home: str) -> Callable[[str], str]:
    """Absolute address of a field's value box, with the sheet name when it is on another sheet."""

    def cell_of(field_id: str) -> str:
        place = places[field_id]
        here = address(place.row, place.value_col)
        return here if place.sheet == home else sheet_prefix(place.sheet) + here

    return cell_of


def _draw_form_sheet(spec: Spec, plan: _FormPlan, places: dict[str, FieldPlace], authority: Authority,
                     period: Period, list_ranges: dict[tuple[str, ...], str],
                     prefilled: dict[str, PrefilledValue]) -> SheetLayout:
    last_col = RATED_DEFINITION_COL if plan.rated else UNRATED_DEFINITION_COL
    sheet = SheetLayout(plan.name, "form", widths=_form_widths(spec, plan), freeze_row=plan.header_rows[0] + 1,
                        repeat_rows=(plan.header_rows[0], plan.header_rows[0]))
    cell_of = _reference(places, plan.name)
    intro_width = sum(sheet.widths[c] for c in range(LABEL_COL, last_col + 1))
    for line in plan.lines:
        r, section = line.row, line.section
        if line.kind == "title":
            sheet.add(r, LABEL_COL, styles.TITLE, sheet_title(section, authority, period))
            sheet.heights[r] = 26
        elif line.kind == "section_title":
            sheet.add(r, LABEL_COL, styles.SUBTITLE, line.text)
            sheet.heights[r] = 20
        elif line.kind == "intro":
            sheet.add(r, LABEL_COL, styles.INTRO, line.text, merge_to=last_col)
            sheet.heights[r] = text_height(line.text, intro_width)
        elif line.kind == "gap":
            sheet.heights[r] = 8
        elif line.kind == "header":
            for col, text in enumerate(identity.form_headers(section.rated)):
                sheet.add(r, col, styles.HEADER, text)
            sheet.heights[r] = 20
        elif line.kind in {"theme", "agency"}:
            style = styles.THEME if line.kind == "theme" else styles.AGENCY
            sheet.add(r, REF_COL, style)
            sheet.add(r, LABEL_COL, style, line.text)
            for col in range(UNIT_COL, last_col + 1):
                sheet.add(r, col, style)
            if line.kind == "theme":
                sheet.heights[r] = 20
        elif line.kind == "field":
            _draw_field_row(sheet, spec, line.field, places[line.field.id], section, period, list_ranges, cell_of,
                            prefilled.get(line.field.id))
    if plan.checks:
        _draw_self_check(sheet, spec, plan, places, last_col)
    return sheet


def _form_widths(spec: Spec, plan: _FormPlan) -> dict[int, float]:
    fields = [p.field_id for p in plan.places]
    ref_width = max([len(f) for f in fields] + [6]) * 0.9 + 2
    has_text = any(spec.fields[f].unit in {"text", "choice"} for f in fields)
    value_width = 36 if has_text else 13
    widths = {REF_COL: round(ref_width, 1), LABEL_COL: 50, UNIT_COL: 10, VALUE_COL: value_width}
    if plan.rated:
        widths.update({RATING_COL: 14, COMMENT_COL: 34, RATED_DEFINITION_COL: 56})
    else:
        widths[UNRATED_DEFINITION_COL] = 60
    return widths


def _draw_field_row(sheet: SheetLayout, spec: Spec, fld: Field, place: FieldPlace, section: Section,
                    period: Period, list_ranges: dict[tuple[str, ...], str],
                    cell_of: Callable[[str], str], prefilled: PrefilledValue | None = None) -> None:
    r = place.row
    definition_col = RATED_DEFINITION_COL if section.rated else UNRATED_DEFINITION_COL
    definition = "\n".join(t for t in (prefilled.note if prefilled else "", fld.definition) if t)
    sheet.heights[r] = max(text_height(fld.label, sheet.widths[LABEL_COL]),
                           text_height(definition, sheet.widths[definition_col], styles.DEFINITION.size),
                           text_height(fld.shown_unit, sheet.widths[UNIT_COL], styles.UNIT.size),
                           text_height("", 1))
    if fld.unit == "text" and not fld.derived:
        sheet.heights[r] = max(sheet.heights[r], text_box_height(fld.max_length, sheet.widths[VALUE_COL]))
    elif section.rated and not fld.derived:
        sheet.heights[r] = max(sheet.heights[r], lines_height(COMMENT_LINES_SHOWN))
    if not fld.derived and (fld.unit == "text" or section.rated):
        sheet.growing_rows.add(r)
    sheet.add(r, REF_COL, styles.REF, fld.id)
    sheet.add(r, LABEL_COL, styles.LABEL, fld.label)
    sheet.add(r, UNIT_COL, styles.UNIT, fld.shown_unit)
    sheet.add(r, definition_col, styles.DEFINITION, definition or None)
    if fld.derived:
        formula = fld.parsed_expression.to_excel(cell_of)
        _check_formula_length(formula, f"the formula for {fld.id}")
        sheet.add(r, VALUE_COL, styles.derived_style(fld.unit), formula=formula, cached="")
        if section.rated:
            sheet.add(r, RATING_COL, styles.NOT_APPLICABLE)
            sheet.add(r, COMMENT_COL, styles.NOT_APPLICABLE)
        return
    context = "rated" if section.rated else "unrated"
    sheet.add(r, VALUE_COL, styles.input_style(fld.unit), _prefilled_number(prefilled))
    sheet.validations.append(Validation(Area.at(r, VALUE_COL), value_rule(fld, period, list_ranges, context)))
    if section.rated:
        sheet.add(r, RATING_COL, styles.INPUT)
        sheet.add(r, COMMENT_COL, styles.INPUT_TEXT)
        sheet.validations.append(Validation(Area.at(r, RATING_COL), rating_rule(spec, list_ranges)))
        sheet.validations.append(Validation(Area.at(r, COMMENT_COL), comment_rule()))


def _prefilled_number(prefilled: PrefilledValue | None) -> int | float | None:
    if prefilled is None:
        return None
    return int(prefilled.value) if float(prefilled.value).is_integer() else prefilled.value


# ---------------------------------------------------------------- the live self-check


def required_boxes(spec: Spec, places: dict[str, FieldPlace]) -> list[FieldPlace]:
    """Value boxes of required, collected form fields, in sheet and row order."""
    chosen = [p for p in places.values() if spec.fields[p.field_id].required and not spec.fields[p.field_id].derived]
    order = {name: i for i, name in enumerate(spec_sheet_names(spec))}
    return sorted(chosen, key=lambda p: (order[p.sheet], p.row))


def required_empty_formula(spec: Spec, places: dict[str, FieldPlace], home: str) -> str:
    """Counts required boxes left empty, unless the figure is marked as not available."""
    terms = []
    for run in _runs(required_boxes(spec, places)):
        first, last = run[0], run[-1]
        prefix = "" if first.sheet == home else sheet_prefix(first.sheet)
        values = prefix + area_address(Area(first.row, first.value_col, last.row, last.value_col))
        if first.rating_col is None:
            terms.append(f"COUNTBLANK({values})")
            continue
        ratings = prefix + area_address(Area(first.row, first.rating_col, last.row, last.rating_col))
        test = f'({values}="")*({ratings}<>{excel_text(spec.not_available_rating)})'
        terms.append(f"SUMPRODUCT({test})" if len(run) > 1 else test)
    return _checked_formula("=" + ("+".join(terms) or "0"), "the count of required boxes still empty")


def _runs(boxes: list[FieldPlace]) -> list[list[FieldPlace]]:
    """Boxes in consecutive rows of one sheet, so that a whole run is counted in one range."""
    runs: list[list[FieldPlace]] = []
    for box in boxes:
        previous = runs[-1][-1] if runs else None
        if previous and previous.sheet == box.sheet and previous.row + 1 == box.row \
                and previous.rating_col == box.rating_col:
            runs[-1].append(box)
        else:
            runs.append([box])
    return runs


def template_rules(spec: Spec, places: dict[str, FieldPlace]) -> list[Rule]:
    """The rules a template can check as the coordinator types: those over form fields."""
    return [r for r in spec.all_rules if all(f in places for f in [*r.fields, r.limit])]


def rule_broken(rule: Rule, cell_of: Callable[[str], str]) -> str:
    """A condition, true while the rule is broken by numbers typed in (blanks and text never break it)."""
    limit = cell_of(rule.limit)
    cells = [cell_of(f) for f in rule.fields]
    if rule.kind == "sum_not_more_than":
        listed = ",".join(cells)
        return f"AND(ISNUMBER({limit}),COUNT({listed})>0,SUM({listed})>{limit})"
    tests = [f"AND(ISNUMBER({c}),ISNUMBER({limit}),{c}>{limit})" for c in cells]
    return tests[0] if len(tests) == 1 else f"OR({','.join(tests)})"


def rules_broken_formula(spec: Spec, places: dict[str, FieldPlace], home: str) -> str:
    """Counts broken error rules only: a warning (an unusual but possible figure) never blocks 'Complete'."""
    cell_of = _reference(places, home)
    errors = [rule for rule in template_rules(spec, places) if rule.severity == "error"]
    terms = [f"IF({rule_broken(rule, cell_of)},1,0)" for rule in errors]
    return _checked_formula("=" + ("+".join(terms) or "0"), "the count of rules broken")


def _draw_self_check(sheet: SheetLayout, spec: Spec, plan: _FormPlan, places: dict[str, FieldPlace],
                     last_col: int) -> None:
    rows = plan.checks
    required_count = len(required_boxes(spec, places))
    hint_col = VALUE_COL + 1
    status_last = min(COMMENT_COL, last_col)
    counts = {
        "required": (REQUIRED_LABEL, required_empty_formula(spec, places, plan.name), required_count,
                     f"Fill these in, or choose '{spec.not_available_rating}' and say why in the comment."
                     if plan.rated else "Fill these in."),
        "rules": (RULES_LABEL, rules_broken_formula(spec, places, plan.name), 0,
                  "A box breaking a rule turns red, such as a part that is more than its total. "
                  "Unusual figures are marked too, but only broken rules stop the return being complete."),
    }
    hint_width = sum(sheet.widths[c] for c in range(hint_col, last_col + 1))
    for kind, (label, formula, cached, hint) in counts.items():
        if kind not in rows:
            continue
        r = rows[kind]
        sheet.add(r, LABEL_COL, styles.CHECK_LABEL, label, merge_to=UNIT_COL)
        sheet.add(r, VALUE_COL, styles.CHECK_VALUE, formula=formula, cached=cached)
        sheet.add(r, hint_col, CHECK_HINT_WRAPPED, hint, merge_to=last_col if last_col > hint_col else None)
        sheet.heights[r] = max(20, text_height(hint, hint_width, styles.CHECK_HINT.size))
        value = address(r, VALUE_COL)
        sheet.conditionals.append(Conditional(Area.at(r, VALUE_COL), f"={value}=0", styles.GOOD))
        sheet.conditionals.append(Conditional(Area.at(r, VALUE_COL), f"={value}<>0", styles.TO_DO))
    r = rows["status"]
    zero = [f"{address(rows[kind], VALUE_COL)}=0" for kind in ("required", "rules") if kind in rows]
    formula = (f"=IF(AND({','.join(zero)}),{excel_text(STATUS_COMPLETE)},"
               f"{excel_text(STATUS_INCOMPLETE)})")
    cached = STATUS_COMPLETE if required_count == 0 else STATUS_INCOMPLETE
    sheet.add(r, LABEL_COL, styles.CHECK_LABEL, STATUS_LABEL, merge_to=UNIT_COL)
    sheet.add(r, VALUE_COL, styles.STATUS, formula=formula, cached=cached, merge_to=status_last)
    sheet.heights[r] = 22
    status = Area(r, VALUE_COL, r, status_last)
    here = address(r, VALUE_COL)
    sheet.conditionals.append(Conditional(status, f"={here}={excel_text(STATUS_COMPLETE)}", styles.GOOD))
    sheet.conditionals.append(Conditional(status, f"={here}<>{excel_text(STATUS_COMPLETE)}", styles.TO_DO))


def _add_rule_highlights(spec: Spec, places: dict[str, FieldPlace], sheets: dict[str, SheetLayout]) -> None:
    """Each box a rule names turns red while that rule is broken."""
    for rule in template_rules(spec, places):
        for field_id in dict.fromkeys([*rule.fields, rule.limit]):
            place = places[field_id]
            formula = "=" + rule_broken(rule, _reference(places, place.sheet))
            sheets[place.sheet].conditionals.append(
                Conditional(Area.at(place.row, place.value_col), formula, styles.BROKEN))


def _checked_formula(formula: str, what: str) -> str:
    _check_formula_length(formula, what)
    return formula


def _check_formula_length(formula: str, what: str) -> None:
    if len(formula) > EXCEL_FORMULA_LIMIT:
        raise LayoutError(f"{what} is {len(formula)} characters long; Excel allows {EXCEL_FORMULA_LIMIT}")


# ---------------------------------------------------------------- table sheets


TABLE_FIRST_ROW = 5
REF_ROW, LABEL_ROW, UNIT_ROW = 2, 3, 4


def table_sheet(spec: Spec, section: Section, authority: Authority, period: Period,
                list_ranges: dict[tuple[str, ...], str]) -> tuple[SheetLayout, dict[str, ColumnPlace]]:
    """Title and intro, the Ref / Row / Unit marker rows, then `max_rows` numbered rows and nothing else."""
    last_row = TABLE_FIRST_ROW + section.max_rows - 1
    last_col = len(section.fields)
    widths = {0: 6.0} | {i + 1: _table_width(f) for i, f in enumerate(section.fields)}
    sheet = SheetLayout(section.sheet, "table", widths=widths, freeze_row=TABLE_FIRST_ROW,
                        repeat_rows=(REF_ROW, UNIT_ROW))
    sheet.add(0, 1, styles.TITLE, sheet_title(section, authority, period))
    sheet.heights[0] = 26
    if section.intro:
        sheet.add(1, 1, styles.INTRO, section.intro, merge_to=last_col)
        sheet.heights[1] = text_height(section.intro, sum(widths[c] for c in range(1, last_col + 1)))
    sheet.add(REF_ROW, 0, styles.SMALL_REF, identity.REF_HEADER)
    sheet.add(LABEL_ROW, 0, styles.HEADER, identity.TABLE_ROW_HEADER)
    sheet.add(UNIT_ROW, 0, styles.UNIT, identity.TABLE_UNIT_HEADER)
    sheet.heights[LABEL_ROW] = _header_height(sheet, section.fields, list(range(1, last_col + 1)))
    columns = {}
    for fld in section.fields:
        col = identity.table_input_columns(section)[fld.id] - 1
        sheet.add(REF_ROW, col, styles.SMALL_REF, fld.id)
        sheet.add(LABEL_ROW, col, styles.HEADER, fld.label)
        sheet.add(UNIT_ROW, col, styles.UNIT, fld.shown_unit)
        for row in range(TABLE_FIRST_ROW, last_row + 1):
            sheet.add(row, col, _table_input_style(fld))
        sheet.validations.append(Validation(Area(TABLE_FIRST_ROW, col, last_row, col),
                                            value_rule(fld, period, list_ranges, "table")))
        columns[fld.id] = ColumnPlace(fld.id, section.sheet, col, TABLE_FIRST_ROW, last_row)
    for number, row in enumerate(range(TABLE_FIRST_ROW, last_row + 1), start=1):
        sheet.add(row, 0, styles.ROW_NUMBER, number)
        sheet.heights[row] = _table_row_height(section, {f.id: c for c, f in enumerate(section.fields, start=1)},
                                               sheet.widths)
        if any(f.unit == "text" for f in section.fields):
            sheet.growing_rows.add(row)
    return sheet, columns


TABLE_TEXT_LINES_SHOWN = 3


def _table_row_height(section: Section, columns: dict[str, int], widths: dict[int, float]) -> float:
    """A table row tall enough to show a few lines of its longest text box (it may be made taller)."""
    heights = [min(text_box_height(f.max_length, widths[columns[f.id]]), lines_height(TABLE_TEXT_LINES_SHOWN))
               for f in section.fields if f.unit == "text"]
    return max(heights + [lines_height(1)])


FIXED_LABEL_COL, FIXED_UNIT_COL = 1, 2
FIXED_LABEL_WIDTH, FIXED_DEFINITION_WIDTH = 46.0, 50.0


def fixed_table_sheet(spec: Spec, section: Section, authority: Authority, period: Period,
                      list_ranges: dict[tuple[str, ...], str]) -> tuple[SheetLayout, dict[str, ColumnPlace]]:
    """A table with one locked, labelled row per item (id, label, unit), its input boxes, then its definition.

    Rows sit under a heading for each group (for indicators, their theme); a
    heading leaves column A empty, so only the fixed rows carry an id there.
    """
    inputs = {field_id: col - 1 for field_id, col in identity.table_input_columns(section).items()}
    definition_col = identity.FIXED_TABLE_FIRST_INPUT_COLUMN - 1 + len(section.fields)
    widths = {REF_COL: round(max([len(r.id) for r in section.rows] + [6]) * 0.9 + 2, 1),
              FIXED_LABEL_COL: FIXED_LABEL_WIDTH, FIXED_UNIT_COL: 10.0,
              **{col: _table_width(fld) for fld, col in zip(section.fields, inputs.values())},
              definition_col: FIXED_DEFINITION_WIDTH}
    sheet = SheetLayout(section.sheet, "table", widths=widths, freeze_row=TABLE_FIRST_ROW,
                        repeat_rows=(REF_ROW, UNIT_ROW))
    _fixed_table_heading(sheet, section, authority, period, inputs, definition_col)
    row, runs = TABLE_FIRST_ROW, []
    for group, members in _row_groups(section):
        if group:
            for col in range(REF_COL, definition_col + 1):
                sheet.add(row, col, styles.THEME, group if col == FIXED_LABEL_COL else None)
            sheet.heights[row] = 20
            row += 1
        runs.append((row, row + len(members) - 1))
        for fixed in members:
            _fixed_row(sheet, section, fixed, row, inputs, definition_col)
            row += 1
    columns = {}
    for fld in section.fields:
        col = inputs[fld.id]
        rule = value_rule(fld, period, list_ranges, "table")
        sheet.validations += [Validation(Area(first, col, last, col), rule) for first, last in runs]
        columns[fld.id] = ColumnPlace(fld.id, section.sheet, col, runs[0][0], runs[-1][1])
    return sheet, columns


def _fixed_table_heading(sheet: SheetLayout, section: Section, authority: Authority, period: Period,
                         inputs: dict[str, int], definition_col: int) -> None:
    sheet.add(0, FIXED_LABEL_COL, styles.TITLE, sheet_title(section, authority, period))
    sheet.heights[0] = 26
    if section.intro:
        sheet.add(1, FIXED_LABEL_COL, styles.INTRO, section.intro, merge_to=definition_col)
        sheet.heights[1] = text_height(section.intro, sum(sheet.widths[c] for c in range(1, definition_col + 1)))
    sheet.add(REF_ROW, REF_COL, styles.SMALL_REF, identity.REF_HEADER)
    sheet.add(LABEL_ROW, REF_COL, styles.HEADER, identity.TABLE_ROW_HEADER)
    sheet.add(UNIT_ROW, REF_COL, styles.UNIT, identity.TABLE_UNIT_HEADER)
    for col, text in ((FIXED_LABEL_COL, identity.FIXED_LABEL_HEADER), (FIXED_UNIT_COL, identity.FIXED_UNIT_HEADER),
                      (definition_col, "Definition")):
        sheet.add(REF_ROW, col, styles.SMALL_REF)
        sheet.add(LABEL_ROW, col, styles.HEADER, text)
        sheet.add(UNIT_ROW, col, styles.UNIT)
    for fld in section.fields:
        col = inputs[fld.id]
        sheet.add(REF_ROW, col, styles.SMALL_REF, fld.id)
        sheet.add(LABEL_ROW, col, styles.HEADER, fld.label)
        sheet.add(UNIT_ROW, col, styles.UNIT, fld.shown_unit)
    sheet.heights[LABEL_ROW] = _header_height(sheet, section.fields, list(inputs.values()))
    sheet.heights[UNIT_ROW] = max(text_height(f.shown_unit, sheet.widths[inputs[f.id]], styles.UNIT.size)
                                  for f in section.fields)


def _row_groups(section: Section) -> list[tuple[str, list]]:
    """Fixed rows under their group headings, groups in order of first appearance."""
    groups: dict[str, list] = {}
    for fixed in section.rows:
        groups.setdefault(fixed.group, []).append(fixed)
    return list(groups.items())


def _fixed_row(sheet: SheetLayout, section: Section, fixed, row: int, inputs: dict[str, int],
               definition_col: int) -> None:
    sheet.add(row, REF_COL, styles.REF, fixed.id)
    sheet.add(row, FIXED_LABEL_COL, styles.LABEL, fixed.label)
    sheet.add(row, FIXED_UNIT_COL, styles.UNIT, fixed.unit or None)
    for fld in section.fields:
        sheet.add(row, inputs[fld.id], _table_input_style(fld))
    sheet.add(row, definition_col, styles.DEFINITION, fixed.definition or None)
    sheet.heights[row] = max(text_height(fixed.label, sheet.widths[FIXED_LABEL_COL]),
                             text_height(fixed.definition, sheet.widths[definition_col], styles.DEFINITION.size),
                             text_height(fixed.unit, sheet.widths[FIXED_UNIT_COL], styles.UNIT.size),
                             _table_row_height(section, inputs, sheet.widths))
    if any(f.unit == "text" for f in section.fields):
        sheet.growing_rows.add(row)


def _table_width(fld: Field) -> float:
    """Room for what is typed; long labels wrap in the header row rather than widen the column."""
    if fld.unit == "choice":
        return float(min(max(len(o) for o in fld.options) + 3, 24))
    if fld.unit == "text":
        return _long_text_width(fld.max_length) if fld.max_length > 200 \
            else float(min(max(len(fld.label) + 2, fld.max_length), 30))
    if fld.unit == "yes_no":
        return 10.0
    return float(min(max(len(fld.label) + 2, 10), 14))


def _table_input_style(fld: Field) -> Style:
    """Table boxes wrap choices as well as text, so a long option stays readable in a narrow column."""
    return styles.INPUT_TEXT if fld.unit == "choice" else styles.input_style(fld.unit)


def _header_height(sheet: SheetLayout, fields: list[Field], cols: list[int]) -> float:
    """Tall enough for the longest wrapped label, measured as a larger font because headers are bold."""
    return max([text_height(f.label, sheet.widths[c], 12.5) for f, c in zip(fields, cols)] + [20])


# ---------------------------------------------------------------- lists and identity


def lists_sheet(spec: Spec) -> tuple[SheetLayout, dict[tuple[str, ...], str]]:
    """Dropdown sources, one column per list, so no list validation is held inline (Excel caps those at 255)."""
    named: dict[tuple[str, ...], str] = {tuple(spec.ratings): identity.RATING_HEADER} if spec.ratings else {}
    for fld in spec.fields.values():
        if fld.options and fld.options not in named:
            named[fld.options] = UNIT_LABELS["yes_no"] if fld.unit == "yes_no" else fld.label
    sheet = SheetLayout(LISTS_SHEET, "lists", visibility="hidden")
    ranges = {}
    for col, (options, heading) in enumerate(named.items()):
        sheet.add(0, col, styles.PLAIN, heading)
        for row, option in enumerate(options, start=1):
            sheet.add(row, col, styles.PLAIN, option)
        sheet.widths[col] = float(min(max(len(o) for o in (*options, heading)) + 2, 60))
        ranges[options] = "=" + sheet_prefix(LISTS_SHEET) + area_address(Area(1, col, len(options), col))
    return sheet, ranges


def identity_rows(spec: Spec, authority: Authority, period: Period, created: datetime,
                  key: bytes, prefilled: str = "") -> list[tuple[str, str]]:
    """The hidden identity sheet's rows; `prefilled` (the record of published figures put in boxes) is signed too."""
    values = {"collection": spec.id, "spec_version": spec.version, "template_version": spec.template_version,
              "la_code": authority.la_code, "period": str(period)}
    ident = {k: str(values[k]) for k in identity.IDENTITY_KEYS}
    extra = [(PREFILL_KEY, prefilled)] if prefilled else []
    signature = identity.sign({**ident, **dict(extra)}, identity.locked_rows(spec), key)
    return [*ident.items(), ("la_name", authority.name), ("created", created.isoformat(timespec="seconds")),
            *extra, (identity.SIGNATURE_KEY, signature)]


def identity_sheet(rows: list[tuple[str, str]]) -> SheetLayout:
    sheet = SheetLayout(identity.IDENTITY_SHEET, "identity", visibility="very_hidden", widths={0: 18, 1: 70})
    for row, (key, value) in enumerate(rows):
        sheet.add(row, 0, styles.PLAIN, key)
        sheet.add(row, 1, styles.PLAIN, value)
    return sheet


# ---------------------------------------------------------------- sizes


TEXT_BOX_CHARACTERS_SHOWN = 400
COMMENT_LINES_SHOWN = 3
TALLEST_ROW_POINTS = 409  # Excel's limit: a row grown for its text stops here


def _long_text_width(max_length: int) -> float:
    """A column wide enough that its longest allowed text fits in Excel's tallest row (with a tenth to spare)."""
    lines = int((TALLEST_ROW_POINTS - lines_height(0)) // (lines_height(1) - lines_height(0)))
    return float(max(50, math.ceil((max_length * 1.1 / lines + 1) / 1.1)))


def text_box_height(max_length: int, width: float) -> float:
    """Points for an input box to show what may be typed in it: all of a short limit, and the first
    few hundred characters of a long one (rows may be made taller on the protected sheet)."""
    return text_height("x" * min(max_length, TEXT_BOX_CHARACTERS_SHOWN), width)


def text_height(text: str, width: float, size: float = 11) -> float:
    """Points needed for wrapped text in a column so many characters wide.

    Spreadsheet programs do not grow a row for wrapped text when they open a
    file, so every row with wrapped text gets its height from here, erring on
    the generous side for fonts wider than Calibri.
    """
    return lines_height(wrapped_lines(text, width, size), size)


def lines_height(lines: int, size: float = 11) -> float:
    """Points for so many lines of text in a font of `size` points, with a little room to spare."""
    return round(lines * size * 1.35 + 4, 1)


def wrapped_lines(text: str, width: float, size: float = 11) -> int:
    per_line = max(1, int(width * 1.1 * 11 / size) - 1)
    return sum(max(1, len(textwrap.wrap(part, per_line, break_long_words=True))) for part in str(text).split("\n"))
