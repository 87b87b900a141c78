"""Is this a genuine, current, unaltered return, and whose is it?

One small check per concern, each with a message a coordinator can act on.
Identity comes from the template's hidden identity sheet and its signature,
never from the file name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from ..intake.reader import Workbook
from ..spec.load import SpecError, load_spec
from ..spec.models import Section, Spec
from ..spec.periods import PeriodError, parse_period
from ..spec.register import Register
from .records import ALTERED_TEMPLATE, IssueRecord
from ..templates.identity import IDENTITY_SHEET, OPEN_CODE, SIGNATURE_KEY, signature_matches, table_input_columns
from ..intake.xml_scan import column_letters
from .locate import Located, TableBlock, locate, value_at

FRESH_TEMPLATE = "Please copy your figures into a fresh copy of the template you were sent, and send that."


@dataclass
class Identified:
    """A return whose identity checks passed: its spec, authority, period and where its cells are."""

    identity: dict[str, str]
    spec: Spec
    located: Located


class SpecLibrary:
    """Specs by collection id, loaded once per run; `known` specs (a revised draft, say) stand in for the shipped."""

    def __init__(self, known: Iterable[Spec] = ()) -> None:
        self._specs: dict[str, Spec | None] = {spec.id: spec for spec in known}

    def get(self, collection: str) -> Spec | None:
        if collection not in self._specs:
            try:
                self._specs[collection] = load_spec(collection) if collection.isidentifier() else None
            except SpecError:
                self._specs[collection] = None
        return self._specs[collection]


def read_identity(workbook: Workbook) -> dict[str, str] | None:
    sheet = workbook.sheet(IDENTITY_SHEET)
    if sheet is None:
        return None
    identity = {}
    for row in range(1, len(sheet.rows) + 1):
        key = value_at(sheet, row, 1)
        if key is not None:
            value = value_at(sheet, row, 2)
            identity[str(key).strip()] = "" if value is None else str(value).strip()
    return identity


def identify(workbook: Workbook, specs: SpecLibrary, register: Register, key: bytes) -> Identified | IssueRecord:
    identity = read_identity(workbook)
    if identity is None:
        return _fatal("not_a_return",
                      "This file is not a return made from one of the project's templates (it has no identity "
                      "sheet). Please fill in the template you were sent for your authority and send that back; "
                      "do not copy its sheets into another workbook.")
    located = locate(workbook)
    checks: list[Callable[[], IssueRecord | None]] = [
        lambda: check_signature(identity, located, key),
        lambda: check_collection(identity, specs),
        lambda: check_template_version(identity, specs.get(identity.get("collection", ""))),
        lambda: check_authority(identity, register, specs.get(identity.get("collection", ""))),
        lambda: check_period(identity, specs.get(identity.get("collection", ""))),
        lambda: check_structure(located, specs.get(identity.get("collection", ""))),
    ]
    for check in checks:
        problem = check()
        if problem:
            if problem.rule != ALTERED_TEMPLATE:
                problem.la_code = identity.get("la_code") or None
                problem.period = identity.get("period") or None
            return problem
    spec = specs.get(identity["collection"])
    if spec.open_to:
        named = name_open_return(identity, workbook, located, spec)
        if isinstance(named, IssueRecord):
            return named
    return Identified(identity, spec, located)


def name_open_return(identity: dict[str, str], workbook: Workbook, located: Located, spec: Spec) -> IssueRecord | None:
    """An open collection's return is known by the name the board wrote, in place of an authority code."""
    field, row = spec.fields[spec.name_field], located.form[spec.name_field]
    sheet = workbook.sheet(row.value.sheet)
    name = " ".join(str(value_at(sheet, row.value.row, row.value.col) or "").split()) if sheet else ""
    if not name:
        return IssueRecord("error", "no_board_name", f"The return does not say which board sent it. Please write "
                           f"your board's name in '{field.label}' (sheet '{row.value.sheet}', cell {row.value.a1}) "
                           "and send it again.", field_id=field.id, sheet=row.value.sheet, cell=row.value.a1)
    identity["la_code"] = name[: field.max_length]
    return None


def check_signature(identity: dict[str, str], located: Located, key: bytes) -> IssueRecord | None:
    if signature_matches(identity, located.signed_rows, key, identity.get(SIGNATURE_KEY, "")):
        return None
    return _fatal(ALTERED_TEMPLATE,
                  "This template has been altered: its identity, or the locked references, labels or units of "
                  "its rows, no longer match the template that was sent out (or it is not one of the templates "
                  f"sent out for this collection). {FRESH_TEMPLATE}")


def check_collection(identity: dict[str, str], specs: SpecLibrary) -> IssueRecord | None:
    collection = identity.get("collection", "")
    if specs.get(collection) is not None:
        return None
    return _fatal("unknown_collection",
                  f"This return is for the collection '{collection}', which this project does not run. "
                  "Please check with the project officer which template to use.")


def check_template_version(identity: dict[str, str], spec: Spec | None) -> IssueRecord | None:
    version = identity.get("template_version", "")
    if spec is None or spec.accepts_template_version(version):
        return None
    return _fatal("old_template_version",
                  f"This return was made from template version {version or '(none)'}, but the current version "
                  f"is {spec.template_version}. Please download the current template and copy your figures "
                  "across, then send it again.")


def check_authority(identity: dict[str, str], register: Register, spec: Spec | None = None) -> IssueRecord | None:
    code = identity.get("la_code", "")
    if register.by_code(code) or (spec is not None and spec.open_to and code == OPEN_CODE):
        return None
    return _fatal("unknown_authority",
                  f"This return names authority code '{code}', which is not in the register of authorities. "
                  "Please contact the project officer for the right template.")


def check_period(identity: dict[str, str], spec: Spec | None) -> IssueRecord | None:
    try:
        period = parse_period(identity.get("period", ""))
    except PeriodError as exc:
        return _fatal("bad_period", f"{exc}. {FRESH_TEMPLATE}")
    if spec and spec.period_type not in ("any", period.kind):
        return _fatal("bad_period", f"This collection is returned by {spec.period_type}, not by {period.kind}.")
    return None


def check_structure(located: Located, spec: Spec | None) -> IssueRecord | None:
    if spec is None:
        return None
    if located.duplicates:
        field_id, first, second = located.duplicates[0]
        return _fatal("duplicate_row",
                      f"The reference for '{_label(spec, field_id)}' ({field_id}) appears twice (cells {first} and "
                      f"{second}), so it is not clear which figure is meant. {FRESH_TEMPLATE}")
    if located.layout_problems:
        return _fatal("altered_layout", f"{located.layout_problems[0]} {FRESH_TEMPLATE}")
    missing = [f for s in spec.sections if s.kind == "form" for f in s.fields if f.id not in located.form]
    if missing:
        names = "; ".join(f"{f.label} ({f.id})" for f in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        return _fatal("missing_rows", f"Rows are missing from the return: {names}{more}. {FRESH_TEMPLATE}")
    for section in spec.sections:
        if section.kind != "table":
            continue
        block = located.tables.get(tuple(sorted(f.id for f in section.fields)))
        if block is None:
            return _fatal("missing_table", f"The '{section.title}' sheet is missing or has been changed. {FRESH_TEMPLATE}")
        if problem := _moved_columns(section, block):
            return _fatal("altered_layout", f"{problem} {FRESH_TEMPLATE}")
    unrated = [s.title for s in spec.sections if s.kind == "form" and s.rated
               and any(located.form[f.id].rating is None for f in s.fields)]
    if unrated:
        return _fatal("altered_layout", f"The Data quality and Comment columns of '{unrated[0]}' are missing. "
                      f"{FRESH_TEMPLATE}")
    return None


def _moved_columns(section: Section, block: TableBlock) -> str | None:
    """Whether each of a table's columns is where the template put it, and no other column claims a reference."""
    expected = {col: field_id for field_id, col in table_input_columns(section).items()}
    if block.ref_cells == expected:
        return None
    moved = [f"{field_id} should be in column {column_letters(col)}" for col, field_id in expected.items()
             if block.ref_cells.get(col) != field_id]
    extra = [f"column {column_letters(col)} is headed {text}" for col, text in block.ref_cells.items()
             if col not in expected]
    return (f"On sheet '{block.sheet}', the columns are not where the template put them ("
            f"{'; '.join((moved + extra)[:3])}). A column has been inserted, deleted or moved, so it is not "
            "certain which figures are meant.")


def _label(spec: Spec, field_id: str) -> str:
    field = spec.fields.get(field_id)
    return field.label if field else field_id


def _fatal(rule: str, message: str) -> IssueRecord:
    return IssueRecord(severity="error", rule=rule, message=message)
