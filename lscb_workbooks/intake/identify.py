"""What a file is, judged by its bytes: a name can be missing ("Barnet return"), generic ("ATT00001.dat")
or wrong, so it never decides whether a file is read as a workbook.

A zip package is a workbook when its content types or parts say so (.xlsx, .xlsm) or its mimetype is an
OpenDocument spreadsheet (.ods); an OLE file when it holds a workbook stream (.xls) or an encrypted
package (a password-protected .xlsx). Outlook's `winmail.dat` wrapper (TNEF) is recognised by its
signature. Only the zip's directory, its mimetype and content-types parts, or the OLE directory, are read.
"""

from __future__ import annotations

import io
import zipfile

import olefile

ZIP_MAGIC, OLE_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TNEF_MAGIC = b"\x78\x9f\x3e\x22"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
SMALL_PART_BYTES = 64 * 1024


def is_workbook(data: bytes) -> bool:
    """Whether the bytes are a spreadsheet workbook (.xlsx, .xlsm, .xls, .ods), whatever the file is called."""
    try:
        if data.startswith(ZIP_MAGIC):
            return _is_workbook_package(data)
        if data.startswith(OLE_MAGIC):
            return _is_workbook_ole(data)
    except Exception:  # a damaged file is not recognisable; the name may still say it is a workbook
        return False
    return False


def is_tnef(data: bytes) -> bool:
    """Whether the bytes are Outlook's rich-text wrapper (winmail.dat), whatever the file is called."""
    return data.startswith(TNEF_MAGIC)


def _is_workbook_package(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        members = {info.filename.lower(): info for info in package.infolist()}
        mimetype = members.get("mimetype")
        if mimetype is not None and mimetype.file_size <= SMALL_PART_BYTES:
            return package.read(mimetype).strip().startswith(ODS_MIMETYPE)
        types = members.get("[content_types].xml")
        if types is not None and types.file_size <= SMALL_PART_BYTES and b"spreadsheetml" in package.read(types):
            return True
        return "xl/workbook.xml" in members


def _is_workbook_ole(data: bytes) -> bool:
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        return any(ole.exists(stream) for stream in ("Workbook", "Book", "EncryptedPackage"))
