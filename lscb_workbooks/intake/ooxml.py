"""The parts of an Excel (.xlsx, .xlsm) package: which XML member holds which sheet.

A worksheet's title lives in the workbook part and its cells in a member found
through the workbook's relationships; the paths are conventional
("xl/worksheets/sheet1.xml") but not guaranteed, so they are resolved the way
Excel resolves them.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from xml.etree.ElementTree import fromstring

from lscb_workbooks.intake.package import Package
from lscb_workbooks.intake.xml_scan import ENTITY_DECLARATION, column_letters, column_number

OFFICE_DOCUMENT_RELATIONSHIP = "/officeDocument"
WORKSHEET_RELATIONSHIPS = ("/worksheet", "/macrosheet", "/dialogsheet")
WORKSHEET_MEMBER = re.compile(r"(^|/)(worksheets|macrosheets|dialogsheets)/[^/]+\.xml$", re.IGNORECASE)

ROW_OR_CELL = re.compile(
    rb"<(?:\w+:)?row\b([^>]*)>|<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)",
    re.DOTALL,
)
FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
# The same tags found from their 'f', far rarer than the '<' the pattern above is tried at: an f that
# follows '<' is a formula tag, one that follows ':' may be a prefixed one (see `_formula_starts`).
FORMULA_LETTER = re.compile(rb"f(?<=[<:]f)[\s>/]")
# What every cell typed as an error holds, t="e", found from its '=' in one quick pass.
ERROR_TYPE_VALUE = re.compile(rb"=\s*[\"']e[\"']")
CELL_OPENING_TAG = re.compile(rb"<(?:\w+:)?c\b([^>]*)>\s*")
CELL_END = re.compile(rb"</(?:\w+:)?c>")
CACHED_VALUE_TEXT = re.compile(rb"<(?:\w+:)?v(?:\s[^>]*)?>([^<]+)")
ERROR_TYPE = re.compile(rb"\bt\s*=\s*[\"']e[\"']")
ERROR_CELL_TAG = re.compile(rb"<(?:\w+:)?c\b([^>]*\bt\s*=\s*[\"']e[\"'][^>]*)>")
CELL_REFERENCE = re.compile(rb"\br\s*=\s*[\"']\$?([A-Za-z]{1,4})\$?(\d{1,9})[\"']")
ROW_NUMBER = re.compile(rb"\br\s*=\s*[\"'](\d{1,9})[\"']")


@dataclass(frozen=True)
class SheetPart:
    title: str
    member: str


def workbook_member(package: Package) -> str | None:
    """The member holding the workbook part, found from the package's own relationships."""
    for target in _relationship_ids(package, "_rels/.rels", "", (OFFICE_DOCUMENT_RELATIONSHIP,)).values():
        if info := package.info(target):
            return info.filename
    fallback = package.info("xl/workbook.xml")
    return fallback.filename if fallback else None


def workbook_and_sheet_parts(package: Package) -> tuple[str | None, list[SheetPart]]:
    """The workbook member and its sheets' parts, parsed once per opened package: the checks, the formula
    scan and the error scan all ask for them."""
    if "sheet_parts" not in package.derived:
        workbook = workbook_member(package)
        package.derived["sheet_parts"] = (workbook, sheet_parts(package, workbook) if workbook else [])
    return package.derived["sheet_parts"]  # type: ignore[return-value]


def sheet_parts(package: Package, workbook: str) -> list[SheetPart]:
    """Each worksheet's title and member, in the workbook's order."""
    workbook_info = package.info(workbook)
    if workbook_info is None:
        return []
    folder = posixpath.dirname(workbook)
    relationships_member = posixpath.join(folder, "_rels", posixpath.basename(workbook) + ".rels")
    targets = _relationship_ids(package, relationships_member, folder, WORKSHEET_RELATIONSHIPS)
    parts = []
    for sheet in _elements_named(_parse(package.read(workbook_info)), "sheet"):
        info = package.info(targets.get(_relationship_id(sheet) or "", ""))
        if info is not None:
            parts.append(SheetPart(sheet.get("name", ""), info.filename))
    return parts


def is_worksheet_member(name: str) -> bool:
    return bool(WORKSHEET_MEMBER.search(name))


def formula_cells_in_sheet(xml: bytes) -> dict[str, bool | str]:
    """{cell reference: result} for one worksheet's XML: whether the formula has a cached value, or the
    error it shows ("#DIV/0!") when that is its cached value."""
    found: dict[str, bool | str] = {}
    for start in _formula_starts(xml):
        reference = _reference_of_cell_holding(xml, start)
        if reference is None:
            return _formula_cells_by_position(xml)
        end = CELL_END.search(xml, start)
        content = xml[start : end.start() if end else len(xml)]
        found[reference] = _cached_result(xml[xml.rfind(b"<", 0, start):start], content)
    return found


def _formula_starts(xml: bytes) -> list[int]:
    """Where each formula tag (<f>, <x:f ...>) starts. Found from the letter f; a sheet whose tags carry
    a namespace prefix (which no spreadsheet program writes) is searched the slower, general way."""
    starts = []
    for letter in FORMULA_LETTER.finditer(xml):
        if xml[letter.start() - 1] != ord("<"):
            return [formula.start() for formula in FORMULA.finditer(xml)]
        starts.append(letter.start() - 1)
    return starts


def error_values_in_sheet(xml: bytes) -> dict[str, str]:
    """{cell reference: error} for the cells of one worksheet's XML that hold an error with no formula.

    What pasting values over "#DIV/0!" leaves: the cell still shows the error, but the reader gives
    it as an empty cell, so without this it would pass for a box left blank.
    """
    found: dict[str, str] = {}
    if not ERROR_TYPE_VALUE.search(xml):  # no cell typed as an error: the usual sheet, quickly passed
        return found
    for tag in ERROR_CELL_TAG.finditer(xml):
        attributes = tag.group(1)
        reference = CELL_REFERENCE.search(attributes)
        if attributes.endswith(b"/") or reference is None:
            continue
        end = CELL_END.search(xml, tag.end())
        content = xml[tag.end() : end.start() if end else len(xml)]
        shown = CACHED_VALUE_TEXT.search(content)
        if shown is None or FORMULA.search(content):
            continue  # a formula's error is judged with the formulas
        found[f"{reference.group(1).decode().upper()}{int(reference.group(2))}"] = (
            shown.group(1).decode("utf-8", "replace").strip() or "#VALUE!")
    return found


def _cached_result(opening_tag: bytes, content: bytes) -> bool | str:
    cached = CACHED_VALUE_TEXT.search(content)
    if cached is None:
        return False
    if ERROR_TYPE.search(opening_tag):
        return cached.group(1).decode("utf-8", "replace").strip() or "#VALUE!"
    return True


def _reference_of_cell_holding(xml: bytes, formula_start: int) -> str | None:
    """The r attribute of the cell whose first child starts at `formula_start`.

    A formula is always a cell's first child, so the tag just before it is the
    cell's own opening tag.
    """
    tag = CELL_OPENING_TAG.fullmatch(xml, xml.rfind(b"<", 0, formula_start), formula_start)
    if tag is None:
        return None
    reference = CELL_REFERENCE.search(tag.group(1))
    if reference is None:
        return None
    return f"{reference.group(1).decode().upper()}{int(reference.group(2))}"


def _formula_cells_by_position(xml: bytes) -> dict[str, bool | str]:
    """The slow way, for sheets whose cells omit their reference and are placed by position."""
    found: dict[str, bool | str] = {}
    row, column = 0, 0
    for match in ROW_OR_CELL.finditer(xml):
        row_attributes, cell_attributes, content = match.groups()
        if row_attributes is not None:
            row, column = _row_number(row_attributes, row + 1), 0
            continue
        reference = CELL_REFERENCE.search(cell_attributes)
        if reference:
            column, row = column_number(reference.group(1)), int(reference.group(2))
        else:
            column += 1
        if content and FORMULA.search(content):
            found[f"{column_letters(column)}{row}"] = _cached_result(b"<c" + cell_attributes + b">", content)
    return found


def _row_number(attributes: bytes, otherwise: int) -> int:
    match = ROW_NUMBER.search(attributes)
    return int(match.group(1)) if match else otherwise


def _relationship_ids(
    package: Package, relationships_member: str, folder: str, types: tuple[str, ...]
) -> dict[str, str]:
    """{relationship id: member path} for the relationships of the given types."""
    info = package.info(relationships_member)
    if info is None:
        return {}
    found = {}
    for relationship in _elements_named(_parse(package.read(info)), "Relationship"):
        if relationship.get("TargetMode") == "External" or not relationship.get("Type", "").endswith(types):
            continue
        found[relationship.get("Id", "")] = _resolve(folder, relationship.get("Target", ""))
    return found


def _resolve(folder: str, target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(folder, target))


def _relationship_id(sheet: Element) -> str | None:
    """The sheet's r:id, whichever prefix and namespace (transitional or strict) it uses."""
    for key, value in sheet.attrib.items():
        if key.startswith("{") and key.endswith("}id"):
            return value
    return None


def _elements_named(root: Element, local_name: str) -> list[Element]:
    return [element for element in root.iter() if _local_name(element.tag) == local_name]


def _local_name(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _parse(xml: bytes) -> Element:
    """A small package part as a tree, refusing any part that declares entities.

    Without a document type declaration expat has no entities to expand, so
    the standard parser is safe here and several times faster than a guarded one.
    """
    if ENTITY_DECLARATION.search(xml):
        raise ValueError("the part declares XML entities")
    return fromstring(xml)
