"""Checks on a file's bytes before any spreadsheet library sees them.

A spreadsheet reader trusts what a file says about itself: how big its parts
unpack to, how far its cells reach, what its XML declares. A damaged or hostile
file can make a reader allocate gigabytes, spin for minutes or, in the case of
python-calamine, abort the whole process (a file whose only cells are A1 and
XFD1048576; upstream issue tafia/calamine#693). These checks look at the
bytes themselves, judge the file by its content rather than its name, and turn
every problem into an `Unreadable` record with a message for the coordinator.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator

from lscb_workbooks.intake import ooxml, unreadable
from lscb_workbooks.intake.biff import xls_formulas
from lscb_workbooks.intake.ods import formula_cells_in_content, value_beyond
from lscb_workbooks.intake.ole import ole_problem
from lscb_workbooks.intake.package import Package, on_package
from lscb_workbooks.intake.sniff import what_loose_bytes_are
from lscb_workbooks.intake.unreadable import Unreadable
from lscb_workbooks.intake.xml_scan import (
    BLOCK_BYTES,
    ENTITY_DECLARATION,
    column_letters,
    cell_beyond,
    dimension_beyond,
    has_entity_declaration,
    part_windows,
)

__all__ = ["Unreadable", "check_workbook_bytes", "error_values", "formula_cells"]

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")

MB = 1024 * 1024
MAX_MEMBER_BYTES = 50 * MB
MAX_PACKAGE_BYTES = 100 * MB
MAX_RATIO = 100
# Below this a high ratio is harmless (a small part of repeated markup packs tightly).
RATIO_APPLIES_FROM_BYTES = 1 * MB
MAX_ROWS = 20_000
MAX_COLUMNS = 500

ODS_MIMETYPES = (
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.spreadsheet-template",
)
XML_SUFFIXES = (".xml", ".rels", ".vml")


def check_workbook_bytes(name: str, data: bytes, package: Package | None = None) -> Unreadable | None:
    """Why `data` must not be handed to a spreadsheet reader, or None when it may be.

    `name` is the file's name as received; the verdict never depends on it. `package` is `data` already
    opened (`opened_package`), so that what the checks inflate serves the formula scan too.
    """
    if not data:
        return unreadable.empty()
    if data.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        if package is not None:
            return _package_problem(package)
        return _zip_package_problem(data)
    if data.startswith(OLE_MAGIC):
        return ole_problem(data)
    return what_loose_bytes_are(data)


def opened_package(data: bytes) -> Package | None:
    """`data` opened as a zip package, to be checked and scanned once; None when it is not one."""
    if not data.startswith(ZIP_MAGIC):
        return None
    try:
        return Package(data)
    except Exception:  # no readable central directory: the checks say so
        return None


def formula_cells(data: bytes, package: Package | None = None) -> dict[str, dict[str, bool | str]]:
    """{sheet title: {cell reference: result}} for the formulas of a workbook, whatever its format.

    The result is True when the formula's value was saved with the file, False when it was not
    (it would read as empty), or the error the cell shows ("#DIV/0!"). Collation uses it to judge a
    formula typed into an input cell the same way in an .xlsx, .xlsm, .ods or .xls.
    """
    try:
        if data.startswith(ZIP_MAGIC):
            return on_package(data, package, _formula_cells_of_package)
        if data.startswith(OLE_MAGIC):
            return {sheet: {f"{column_letters(col)}{row}": result.error or True
                            for (row, col), result in cells.items()}
                    for sheet, cells in xls_formulas(data).items()}
    except Exception:  # a file the reader could not use either; no formulas to report
        return {}
    return {}


def _formula_cells_of_package(package: Package) -> dict[str, dict[str, bool | str]]:
    if (content := package.info("content.xml")) and package.info("mimetype"):
        return formula_cells_in_content(package, content)
    return {title: ooxml.formula_cells_in_sheet(xml) for title, xml in _ooxml_sheets(package)}


def error_values(data: bytes, package: Package | None = None) -> dict[str, dict[str, str]]:
    """{sheet title: {cell reference: error}} for the cells of an .xlsx or .xlsm that hold an error
    ("#DIV/0!") with no formula, as pasting values over an error leaves them; only sheets that have any.

    The reader gives such a cell as empty, so collation would otherwise say a box the coordinator sees
    "#DIV/0!" in is empty.
    """
    if not data.startswith(ZIP_MAGIC):
        return {}
    try:
        return on_package(data, package, _error_values_of_package)
    except Exception:  # a file the reader could not use either; nothing to report
        return {}


def _error_values_of_package(package: Package) -> dict[str, dict[str, str]]:
    if package.info("mimetype"):  # an .ods: its cells say nothing of errors this way
        return {}
    found = {}
    for title, xml in _ooxml_sheets(package):
        if errors := ooxml.error_values_in_sheet(xml):
            found[title] = errors
    return found


def _ooxml_sheets(package: Package) -> Iterator[tuple[str, bytes]]:
    """(title, XML) of each worksheet of an .xlsx or .xlsm, in the workbook's order, one inflated at a time;
    none without a workbook part."""
    for part in ooxml.workbook_and_sheet_parts(package)[1]:
        yield part.title, package.read(package.zip.getinfo(part.member))


# Zip packages: .xlsx, .xlsm, .ods, and things renamed to look like them


def _zip_package_problem(data: bytes) -> Unreadable | None:
    try:
        package = Package(data)
    except Exception:  # no readable central directory: the end of the file is missing
        return unreadable.truncated()
    with package:
        return _package_problem(package)


def _package_problem(package: Package) -> Unreadable | None:
    problem = _size_problem(package.infos)
    if problem:
        return problem
    if len(package.members) < len(package.infos):
        # Two parts of one name (part names ignore case), which no spreadsheet program writes: the checks
        # could pass one copy while the reader takes the other.
        return unreadable.corrupt()
    try:
        return _package_content_problem(package)
    except Exception:  # a part that fails its CRC or does not parse
        return unreadable.corrupt()


def _size_problem(infos: list[zipfile.ZipInfo]) -> Unreadable | None:
    """A decompression bomb, judged on the sizes the zip declares (nothing is inflated yet)."""
    total = sum(info.file_size for info in infos)
    if total > MAX_PACKAGE_BYTES:
        return unreadable.too_large(f"unpacks to {total / MB:,.0f} MB")
    for info in infos:
        if info.file_size > MAX_MEMBER_BYTES:
            return unreadable.too_large(f"has a part that unpacks to {info.file_size / MB:,.0f} MB")
        if info.file_size > RATIO_APPLIES_FROM_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            return unreadable.too_large(
                f"has a part packed {info.file_size // max(info.compress_size, 1):,} to 1 "
                f"({info.file_size / MB:,.0f} MB squeezed into {info.compress_size:,} bytes)"
            )
    return None


def _package_content_problem(package: Package) -> Unreadable | None:
    for info in package.infos:
        if _is_xml(info) and not ooxml.is_worksheet_member(info.filename) and has_entity_declaration(package, info):
            return unreadable.xml_entities()
    if mimetype := package.info("mimetype"):
        return _ods_problem(package, mimetype)
    workbook, parts = ooxml.workbook_and_sheet_parts(package)
    if workbook is None:
        return unreadable.not_a_spreadsheet(_what_other_zip_is(package), _other_zip_advice(package))
    return _worksheets_problem(package, parts)


def _worksheets_problem(package: Package, parts: list[ooxml.SheetPart]) -> Unreadable | None:
    titles = {part.member: part.title for part in parts}
    conventional = [info.filename for info in package.infos if ooxml.is_worksheet_member(info.filename)]
    for member in sorted(set(titles) | set(conventional)):
        try:
            problem = _worksheet_problem(package, package.zip.getinfo(member), titles.get(member, member))
        except Exception:  # the sheet's part fails its CRC or does not inflate: name the sheet where known
            return unreadable.corrupt(titles.get(member))
        if problem:
            return problem
    return None


def _worksheet_problem(package: Package, info: zipfile.ZipInfo, title: str) -> Unreadable | None:
    """Entity declarations or cells beyond the bounds, reading a large sheet one block at a time.

    The declared dimension, near the top of the part, is checked on the first
    block before anything more is inflated.
    """
    for number, window in enumerate(part_windows(package, info)):
        if problem := _window_problem(window, title, first=number == 0):
            return problem
    return None


def _window_problem(window: bytes, title: str, first: bool) -> Unreadable | None:
    if first and (far := dimension_beyond(window[:BLOCK_BYTES], MAX_ROWS, MAX_COLUMNS)):
        return unreadable.too_many_cells(title, far.reference, MAX_ROWS, MAX_COLUMNS)
    if ENTITY_DECLARATION.search(window):
        return unreadable.xml_entities()
    if far := cell_beyond(window, MAX_ROWS, MAX_COLUMNS):
        return unreadable.too_many_cells(title, far.reference, MAX_ROWS, MAX_COLUMNS)
    return None


def _ods_problem(package: Package, mimetype: zipfile.ZipInfo) -> Unreadable | None:
    declared = package.read(mimetype)[:200].decode("ascii", "replace").strip()
    if declared not in ODS_MIMETYPES:
        return unreadable.not_a_spreadsheet("an OpenDocument text document or presentation")
    content = package.info("content.xml")
    if content is None:
        return unreadable.corrupt()
    far = value_beyond(package, content, MAX_ROWS, MAX_COLUMNS)
    if far:
        return unreadable.too_many_cells(far.sheet, far.reference, MAX_ROWS, MAX_COLUMNS)
    return None


def _is_xml(info: zipfile.ZipInfo) -> bool:
    return info.filename.lower().endswith(XML_SUFFIXES)


def _what_other_zip_is(package: Package) -> str:
    if package.info("xl/workbook.bin"):
        return "an Excel Binary Workbook (.xlsb)"
    if package.info("word/document.xml"):
        return "a Word document"
    if package.info("ppt/presentation.xml"):
        return "a PowerPoint presentation"
    return "a zip archive of other files"


def _other_zip_advice(package: Package) -> str:
    if package.info("xl/workbook.bin"):
        return "Open it in Excel and choose File > Save As > Excel Workbook (.xlsx), then send that."
    return ""

