"""Files in Microsoft's older container format (OLE): legacy .xls, and password-protected workbooks.

Excel saves a password-protected .xlsx not as a zip but as an OLE file holding
an encrypted package, so an "xlsx" starting with the OLE signature is either a
legacy .xls under a new name or an encrypted workbook; the streams inside tell
which.
"""

from __future__ import annotations

import io

import msoffcrypto
import olefile

from lscb_workbooks.intake import unreadable
from lscb_workbooks.intake.unreadable import Unreadable

MB = 1024 * 1024
MAX_OLE_BYTES = 50 * MB


def ole_problem(data: bytes) -> Unreadable | None:
    """Why an OLE file cannot be read as a return, or None if it is a readable .xls."""
    if len(data) > MAX_OLE_BYTES:
        return unreadable.too_large(f"is {len(data) / MB:,.0f} MB")
    try:
        streams = _stream_names(data)
    except Exception:
        return unreadable.truncated() if len(data) % 512 else unreadable.corrupt()
    if {"encryptioninfo", "encryptedpackage"} <= streams:
        return unreadable.encrypted()
    if "workbook" in streams:
        return _legacy_workbook_problem(data)
    if "book" in streams:  # Excel 5.0/95, which the encryption check does not know: read as it is
        return None
    return unreadable.not_a_spreadsheet(_what_ole_file_is(streams))


def _stream_names(data: bytes) -> set[str]:
    with olefile.OleFileIO(io.BytesIO(data)) as container:
        return {"/".join(path).lower() for path in container.listdir(streams=True, storages=False)}


def _legacy_workbook_problem(data: bytes) -> Unreadable | None:
    try:
        if msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted():
            return unreadable.encrypted()
    except Exception:
        return unreadable.corrupt()
    return None


def _what_ole_file_is(streams: set[str]) -> str:
    if "worddocument" in streams:
        return "a Word document"
    if "powerpoint document" in streams:
        return "a PowerPoint presentation"
    if any(name.startswith("__substg1.0_") for name in streams):
        return "an Outlook message"
    return "an Office file of an unknown kind"
