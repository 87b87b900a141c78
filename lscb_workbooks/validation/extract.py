"""Read every field of an identified return into values, each traced to its sheet and cell."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..intake.reader import Sheet, Workbook
from ..spec.models import Field, FixedRow, Section, Spec, row_value_id
from ..spec.periods import Period, parse_period
from .records import IssueRecord, ValueRecord
from ..templates.prefill import PREFILL_KEY, decode
from ..wording import figure
from .cells import BLANK, Parsed, a1, parse_cell
from .identity import Identified
from .locate import CellRef, FormRow, TableBlock, cell_in, row_cells


@dataclass
class FieldCells:
    parsed: Parsed
    where: CellRef
    rating: str = ""
    comment: str = ""


@dataclass
class TableRow:
    """One used row of a table: numbered in order, or a fixed row with its id and label."""

    number: int
    values: dict[str, Parsed]
    where: dict[str, CellRef]
    row_id: str | None = None
    row_label: str = ""

    def value_id(self, field_id: str) -> str:
        """The id a value is stored under: the column's id, or `ROW.column` on a fixed row."""
        return row_value_id(self.row_id, field_id) if self.row_id else field_id


@dataclass
class ReturnData:
    """One return's values as read, before the spec's rules are applied to them."""

    spec: Spec
    la_code: str
    period: Period
    form: dict[str, FieldCells] = field(default_factory=dict)
    tables: dict[str, list[TableRow]] = field(default_factory=dict)
    issues: list[IssueRecord] = field(default_factory=list)
    previous: dict[str, float] = field(default_factory=dict)
    prefilled: dict[str, float] = field(default_factory=dict)  # published figures the template put in boxes
    # Worked out once: the checks and the stored values both ask for each derived figure.
    _derived: dict[str, float | None] = field(default_factory=dict, repr=False, compare=False)

    def number(self, field_id: str) -> float | None:
        cells = self.form.get(field_id)
        return cells.parsed.number if cells else None

    def derived_value(self, f: Field) -> float | None:
        if f.id not in self._derived:
            self._derived[f.id] = f.parsed_expression.evaluate({n: self.number(n) for n in f.parsed_expression.names})
        return self._derived[f.id]

    @property
    def answered(self) -> int:
        """How many boxes the coordinator filled in: form boxes and table cells alike."""
        form = sum(1 for f, c in self.form.items() if not self.spec.fields[f].derived and c.parsed.text is not None)
        tables = sum(1 for rows in self.tables.values() for row in rows for p in row.values.values()
                     if p.text is not None)
        return form + tables

    @property
    def is_blank(self) -> bool:
        """Nothing typed: no box of the form (a derived one is the tool's) and no table row. Asked of every
        return, and most have a figure in their first box."""
        fields = self.spec.fields
        typed = any(not c.parsed.blank and not fields[f].derived for f, c in self.form.items())
        return not typed and not any(self.tables.values())

    def value_records(self) -> list[ValueRecord]:
        records = []
        spec, la_code, period = self.spec, self.la_code, str(self.period)
        fields, section_of = spec.fields, spec.section_of
        for field_id, cells in self.form.items():
            f = fields[field_id]
            derived = f.derived
            text, number = _derived_text(self.derived_value(f)) if derived else (cells.parsed.text, cells.parsed.number)
            prefilled = self._prefill_outcome(field_id, number)
            # Made for every box of every return: positional, in ValueRecord's order, as keywords cost more.
            records.append(ValueRecord(
                la_code, period, section_of(field_id).id, field_id, text, number, cells.where.sheet, cells.where.a1,
                cells.rating or (PREFILLED_RATING if prefilled == UNCHANGED else ""), cells.comment, None, derived,
                prefilled,
            ))
        for section_id, rows in self.tables.items():
            for row in rows:
                for column_id, parsed in row.values.items():
                    where = row.where[column_id]
                    records.append(ValueRecord(
                        la_code=la_code, period=period, section_id=section_id,
                        row_number=row.number, field_id=row.value_id(column_id), value=parsed.text,
                        number=parsed.number, sheet=where.sheet, cell=where.a1,
                    ))
        return records

    def _prefill_outcome(self, field_id: str, number: float | None) -> str:
        """'unchanged' where the box still holds the published figure the template put there, 'changed' where not."""
        if field_id not in self.prefilled:
            return ""
        return UNCHANGED if number == self.prefilled[field_id] else CHANGED


UNCHANGED, CHANGED = "unchanged", "changed"
PREFILLED_RATING = "Published figure, left unchanged"


def _derived_text(number: float | None) -> tuple[str | None, float | None]:
    if number is None:
        return None, None
    rounded = round(number, 6)
    return (str(int(rounded)) if float(rounded).is_integer() else repr(rounded)), rounded


def extract(identified: Identified, workbook: Workbook) -> ReturnData:
    spec = identified.spec
    data = ReturnData(spec, identified.identity["la_code"], parse_period(identified.identity["period"]),
                      prefilled=decode(identified.identity.get(PREFILL_KEY)))
    data.issues.extend(identified.located.entries_below)
    sheets = {s.title: s for s in workbook.sheets}
    for f in spec.form_fields:
        data.form[f.id] = _read_form_row(f, identified.located.form[f.id], sheets, workbook, data.issues)
    for section in spec.sections:
        if section.kind == "table":
            block = identified.located.tables[tuple(sorted(f.id for f in section.fields))]
            read = _read_fixed_table if section.fixed else _read_table
            data.tables[section.id] = read(section, block, sheets, workbook, data.issues)
    return data


def _read_form_row(f: Field, row: FormRow, sheets: dict[str, Sheet], workbook: Workbook,
                   issues: list[IssueRecord]) -> FieldCells:
    """A form field's value, rating and comment, read from its row's cells found once. A figure worked out
    from others is never read (see `ReturnData.derived_value`), nor is what is typed beside it."""
    where = row.value
    if f.derived:
        return FieldCells(BLANK, where)
    cells = row_cells(sheets[where.sheet], where.row)
    parsed = _read_input(cell_in(cells, where.col), f, where, workbook, issues, rated=row.rating is not None)
    return FieldCells(parsed, where, rating=_plain(cell_in(cells, row.rating.col)) if row.rating else "",
                      comment=_plain(cell_in(cells, row.comment.col)) if row.comment else "")


def _read_input(raw: object, f: Field, where: CellRef, workbook: Workbook, issues: list[IssueRecord],
                fixed: FixedRow | None = None, rated: bool = False) -> Parsed:
    errors = workbook.errors.get(where.sheet)  # most sheets have none: no cell address to work out
    if errors and (shown := errors.get(where.a1)):
        answer = "figure" if f.numeric else "answer"
        issues.append(cell_issue("error", "error_value", f, where,
                                 f"shows the error {shown}, so there is no {answer} to read. "
                                 f"Type the {answer} itself.", fixed))
        return Parsed(None, problem="error value")
    formulas = workbook.formulas.get(where.sheet)
    has_cached = formulas.get(where.a1) if formulas else None
    if isinstance(has_cached, str):
        issues.append(cell_issue("error", "formula_error", f, where,
                                 f"holds a formula that shows the error {has_cached}, so there is no figure to read. "
                                 "Type the figure itself, not a formula.", fixed))
        return Parsed(None, problem="formula")
    if has_cached is False or (has_cached and raw is None):
        issues.append(cell_issue("error", "formula_without_result", f, where,
                                 "holds a formula but no saved result, so its value cannot be read. "
                                 "Type the figure itself, not a formula.", fixed))
        return Parsed(None, problem="formula")
    parsed = parse_cell(raw, f)
    if has_cached:
        result = parsed.text if parsed.number is None else figure(parsed.number)
        issues.append(cell_issue("warning", "formula_in_input", f, where,
                                 f"holds a formula; its result {result} was used. Please type the figure "
                                 "itself next time so that it cannot change.", fixed))
    if parsed.problem:
        rule = parsed.rule or ("not_a_number" if f.numeric else "not_a_date")
        advice = "" if parsed.rule else f" {_type_advice(f, rated)}"
        issues.append(cell_issue("error", rule, f, where, f"{parsed.problem}.{advice}", fixed))
    return parsed


def _type_advice(f: Field, rated: bool) -> str:
    """What to do instead; only a rated form has a Data quality box to say a figure is not available."""
    if f.numeric and rated:
        return ("Enter 0 if there were none, or leave it blank, choose 'Not available' under Data quality "
                "and explain in the comment.")
    if f.numeric:
        low, high = f.lower_bound, f.upper_bound
        scale = f" from {figure(low)} to {figure(high)}" if low is not None and high is not None else ""
        return f"Type a number{scale}, or leave the box empty if you have no answer."
    return "Enter the date as a date, for example 31/03/2027."


def _read_table(section: Section, block: TableBlock, sheets, workbook: Workbook,
                issues: list[IssueRecord]) -> list[TableRow]:
    """The numbered rows in use, in order; an empty row is not a row."""
    rows = []
    for number, row in enumerate(block.data_rows, start=1):
        read = _read_row(section.fields, block, row, sheets, workbook, issues)
        if read:
            rows.append(TableRow(number, *read))
    return rows


def _read_fixed_table(section: Section, block: TableBlock, sheets, workbook: Workbook,
                      issues: list[IssueRecord]) -> list[TableRow]:
    """The fixed rows answered, each found by its id wherever it now sits, numbered in the spec's order."""
    rows = []
    missing = [r for r in section.rows if r.id not in block.fixed_rows]
    if missing:
        names = "; ".join(f"{r.label} ({r.id})" for r in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        issues.append(IssueRecord("error", "missing_rows",
                                  f"Rows are missing from the '{section.title}' sheet: {names}{more}. This return "
                                  "was probably made from an older list. Please copy your answers into a fresh "
                                  "copy of the template you were sent, and send that.", sheet=block.sheet))
    for number, fixed in enumerate(section.rows, start=1):
        if fixed.id not in block.fixed_rows:
            continue
        read = _read_row(section.fields, block, block.fixed_rows[fixed.id], sheets, workbook, issues, fixed)
        if read:
            rows.append(TableRow(number, *read, row_id=fixed.id, row_label=fixed.label))
    return rows


def _read_row(fields: list[Field], block: TableBlock, row: int, sheets, workbook: Workbook,
              issues: list[IssueRecord], fixed: FixedRow | None = None
              ) -> tuple[dict[str, Parsed], dict[str, CellRef]] | None:
    """A row's values and cells, or None when nothing was typed on it."""
    cells = row_cells(sheets[block.sheet], row)
    raws = {f.id: cell_in(cells, block.columns[f.id]) for f in fields}
    if all(v is None or (isinstance(v, str) and not v.strip()) for v in raws.values()) \
            and not _shows_an_error(workbook, block, row):
        return None  # most numbered rows of a table are left empty: nothing more to work out for them
    where = {f.id: CellRef(block.sheet, row, block.columns[f.id]) for f in fields}
    return {f.id: _read_input(raws[f.id], f, where[f.id], workbook, issues, fixed) for f in fields}, where


def _shows_an_error(workbook: Workbook, block: TableBlock, row: int) -> bool:
    """Whether a row that reads as empty holds an error pasted as a value, which the reader gives as empty."""
    errors = workbook.errors.get(block.sheet)
    return bool(errors) and any(a1(row, col) in errors for col in block.columns.values())


def _plain(value: object) -> str:
    """A rating or comment as stored: text, a whole number without its '.0', nothing for an empty cell."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def cell_issue(severity: str, rule: str, f: Field, where: CellRef, what: str,
               fixed: FixedRow | None = None) -> IssueRecord:
    """An issue whose message names the row, the indicator and the cell, as a coordinator sees them.

    On a fixed row the row's own label comes first, and the issue is filed
    under the answer's id (`ROW.column`), as its value is.
    """
    if fixed is not None:
        return IssueRecord(
            severity=severity, rule=rule, field_id=row_value_id(fixed.id, f.id), sheet=where.sheet, cell=where.a1,
            message=f"'{fixed.label}' ({fixed.id}), {f.label} ({where.a1}, sheet '{where.sheet}'): {what}",
        )
    return IssueRecord(
        severity=severity, rule=rule, field_id=f.id, sheet=where.sheet, cell=where.a1,
        message=f"Row {where.row}, '{f.label}' ({where.a1}, sheet '{where.sheet}'): {what}",
    )
