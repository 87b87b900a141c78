"""Real files of every kind a borough might send, made with the tools that make them in life."""

from __future__ import annotations

import io
import os
import re
import struct
import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import openpyxl
from extract_msg import OleWriter

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
SHEET_MEMBER = "xl/worksheets/sheet1.xml"


def xlsx_bytes(cells: dict[str, object] | None = None, title: str = "Return") -> bytes:
    """A workbook with one sheet holding `cells` ({"B3": 5, ...}), saved by openpyxl."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for reference, value in (cells or {"A1": "Safeguarding return"}).items():
        sheet[reference] = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_sheet_xml(workbook: bytes, sheet_xml: Iterable[bytes], member: str = SHEET_MEMBER) -> bytes:
    """The workbook with one part's XML replaced, streamed in so that huge parts never sit in memory."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            if info.filename == member:
                replacement = zipfile.ZipInfo(member)
                replacement.compress_type = zipfile.ZIP_DEFLATED
                with target.open(replacement, "w", force_zip64=True) as stream:
                    for chunk in sheet_xml:
                        stream.write(chunk)
            else:
                target.writestr(info, source.read(info), compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def sheet_xml(cells_xml: str, dimension: str = "A1") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{cells_xml}</sheetData></worksheet>'
    ).encode()


def zeros_sheet(megabytes: int) -> Iterator[bytes]:
    """A sheet part padded with megabytes of zeros: the classic decompression bomb."""
    yield b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    block = b"0" * (1024 * 1024)
    for _ in range(megabytes):
        yield block
    yield b"</sheetData></worksheet>"


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>'
).encode()


def email_bytes(
    attachments: Iterable[tuple[str | None, bytes, tuple[str, str]]] = (),
    sender: str = "Jo Bloggs <jo.bloggs@camden.gov.uk>",
    sent: datetime | None = datetime(2026, 5, 3, 9, 30, tzinfo=timezone.utc),
    subject: str = "Camden return",
    inline_image: bytes | None = None,
) -> bytes:
    """An email as a mail program saves it (.eml), with attachments (name, data, (maintype, subtype))."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "pan-london.dataset@example.org"
    message["Subject"] = subject
    if sent is not None:
        message["Date"] = format_datetime(sent)
    message.set_content("Please find our return attached.\n")
    if inline_image is not None:
        message.add_alternative("<p>Please find our return attached.</p><img src='cid:logo'>", subtype="html")
        message.get_payload()[1].add_related(inline_image, "image", "png", cid="logo")
    for name, data, (maintype, subtype) in attachments:
        if name is None:
            message.add_attachment(data, maintype=maintype, subtype=subtype)
        else:
            message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return bytes(message)


def write(path: Path, data: bytes, modified: datetime | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if modified is not None:
        os.utime(path, (modified.timestamp(), modified.timestamp()))
    return path


def zip_bytes(members: Iterable[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


# Outlook .msg files, written as Outlook writes them: an OLE container of MAPI property streams.


def outlook_message_bytes(
    sender_name: str, sender_address: str, sent: datetime, attachments: Iterable[tuple[str, bytes]]
) -> bytes:
    attachments = list(attachments)
    writer = OleWriter()
    header = b"\0" * 8 + struct.pack("<IIII", 0, len(attachments), 0, len(attachments)) + b"\0" * 8
    properties = header + _property(0x00390040, _filetime(sent)) + _property(0x0E070003, struct.pack("<I", 1))
    writer.addEntry("__properties_version1.0", properties)
    writer.addEntry("__substg1.0_001A001F", _utf16("IPM.Note"))
    writer.addEntry("__substg1.0_0037001F", _utf16("Return"))
    writer.addEntry("__substg1.0_0C1A001F", _utf16(sender_name))
    writer.addEntry("__substg1.0_5D01001F", _utf16(sender_address))
    writer.addEntry("__nameid_version1.0", storage=True)
    for stream in ("00020102", "00030102", "00040102"):
        writer.addEntry(f"__nameid_version1.0/__substg1.0_{stream}", b"")
    for number, (name, data) in enumerate(attachments):
        storage = f"__attach_version1.0_#{number:08X}"
        writer.addEntry(storage, storage=True)
        writer.addEntry(f"{storage}/__properties_version1.0", b"\0" * 8 + _property(0x37050003, struct.pack("<I", 1)))
        writer.addEntry(f"{storage}/__substg1.0_37010102", data)
        writer.addEntry(f"{storage}/__substg1.0_3707001F", _utf16(name))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _property(tag: int, value: bytes) -> bytes:
    return struct.pack("<II", tag, 6) + value.ljust(8, b"\0")


def _filetime(moment: datetime) -> bytes:
    epoch = datetime(1601, 1, 1, tzinfo=timezone.utc)
    return struct.pack("<Q", int((moment - epoch).total_seconds() * 10**7))


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


# Outlook's winmail.dat (TNEF), written as MS-OXTNEF lays it out: a signature, then attributes, each
# a level, an id, a type, a length, the data and a checksum.


def winmail_dat(attachments: Iterable[tuple[str, bytes]]) -> bytes:
    out = struct.pack("<IH", 0x223E9F78, 0x0001)
    out += _tnef_attribute(1, 0x9006, 0x0008, struct.pack("<I", 0x00010000))  # TNEF version
    out += _tnef_attribute(1, 0x9007, 0x0006, struct.pack("<II", 1252, 0))  # OEM code page
    for name, data in attachments:
        out += _tnef_attribute(2, 0x9002, 0x0006, bytes(14))  # rendering data: starts an attachment
        out += _tnef_attribute(2, 0x8010, 0x0001, name.encode("cp1252") + b"\0")  # title (file name)
        out += _tnef_attribute(2, 0x800F, 0x0006, data)  # the file itself
    return out


def _tnef_attribute(level: int, ident: int, kind: int, data: bytes) -> bytes:
    return struct.pack("<BHHI", level, ident, kind, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)


def saved_at(path: Path, moment: str) -> bytes:
    """The workbook's bytes with its own last-saved time (docProps/core.xml) set, as Excel stamps it."""
    source = zipfile.ZipFile(path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + moment.encode(), data)
            target.writestr(info, data)
    return buffer.getvalue()
