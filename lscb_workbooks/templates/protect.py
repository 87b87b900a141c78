"""Protection of a return template: a guard against accidents, not security.

Sheets are protected so that a coordinator cannot type over a formula, a label
or a field id by mistake; the workbook structure is locked so that sheets are
not added, renamed or deleted. Excel's legacy sheet password is a 16-bit hash,
so the password is kept here in the open, and the Cover says what protection
is for.
"""

from __future__ import annotations

import io
import re
import zipfile

from ..errors import LscbError

SHEET_PASSWORD = "lscb-return"

SHEET_OPTIONS: dict[str, bool] = {
    "select_locked_cells": True,
    "select_unlocked_cells": True,
    "format_columns": True,
    "format_rows": True,
}

WORKBOOK_PART = "xl/workbook.xml"
STRUCTURE_LOCK = b'<workbookProtection lockStructure="1"/>'
_WORKBOOK_PR = re.compile(rb"<workbookPr\b[^>]*/>")


class ProtectionError(LscbError, RuntimeError):
    """The written workbook did not have the shape expected, so its structure could not be locked."""


def lock_structure(xlsx: bytes) -> bytes:
    """The same workbook with its structure locked (the spreadsheet writer has no option for this).

    `<workbookProtection>` must follow `<workbookPr>` in `xl/workbook.xml`, as the
    Office Open XML schema orders them.
    """
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == WORKBOOK_PART:
                data = _add_structure_lock(data)
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _add_structure_lock(workbook_xml: bytes) -> bytes:
    if b"<workbookProtection" in workbook_xml:
        return workbook_xml
    patched, count = _WORKBOOK_PR.subn(lambda m: m.group(0) + STRUCTURE_LOCK, workbook_xml, count=1)
    if count != 1:
        raise ProtectionError(f"{WORKBOOK_PART} has no <workbookPr/> element to follow")
    return patched
