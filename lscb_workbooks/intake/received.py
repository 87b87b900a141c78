"""One file as it arrived, and where it came from.

Every file found in the inbox, attached to an email or packed in a zip becomes
a `Received` record, whether or not it is a return, so that the ledger has a
row for everything a borough sent and nothing is silently dropped.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import PurePosixPath, PureWindowsPath

from lscb_workbooks.intake.identify import is_workbook

WORKBOOK_EXTENSIONS = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})
EMAIL_EXTENSIONS = frozenset({".eml", ".msg", ".mbox"})
ZIP_EXTENSIONS = frozenset({".zip"})
MB = 1024 * 1024
# A return is tens of kilobytes; anything over this is judged by its size and never read into memory.
MAX_RECEIVED_BYTES = 100 * MB

WORKBOOK = "workbook"
OTHER = "other"
EMAIL_WITHOUT_ATTACHMENT = "email_without_attachment"


@dataclass(frozen=True)
class Received:
    """A file as received: its exact bytes and the envelope it came in.

    `path` is where the file is, relative to the inbox (an attachment is
    "mail/x.eml/<name>", a zip member "r.zip/<member path>", an attachment of
    the third message of an mbox "box.mbox/3/<name>"); `source` is the email,
    mbox message ("box.mbox#3") or zip it came in, "" for a file lying in the
    inbox. `kind` is "workbook", "other" or "email_without_attachment"; for the
    last two, `note` says in plain English why it was not taken in. `kept` is
    False only for a file far too large to be a return: it was judged by its
    size and first bytes, never read whole, and its `data` is empty.
    """

    name: str
    data: bytes
    sha256: str
    path: str
    source: str
    sender: str | None
    sent_at: datetime | None
    modified_at: datetime
    kind: str
    note: str = ""
    kept: bool = True


@dataclass(frozen=True)
class Envelope:
    """What the files inside one container share: where they sit and who sent them."""

    path: str
    source: str
    sender: str | None
    sent_at: datetime | None
    modified_at: datetime


class DistinctPaths:
    """Paths of the files inside one container, kept distinct.

    Two attachments may share a name ("return.xlsx" forwarded twice), and a zip
    may hold the same name twice; the second is placed at "return (2).xlsx" so
    that every record has a path of its own.
    """

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def distinct(self, path: str) -> str:
        candidate, counter = path, 1
        stem, extension = _split_extension(path)
        while candidate.lower() in self._taken:
            counter += 1
            candidate = f"{stem} ({counter}){extension}"
        self._taken.add(candidate.lower())
        return candidate


def received_file(name: str, data: bytes, path: str, envelope: Envelope, note: str = "") -> Received:
    """A record for one file, a workbook or not, judged by its bytes (or, failing them, its extension).

    `note` overrides the usual reason for a file that is not taken in.
    """
    kind = kind_of(name, data)
    if note and kind == WORKBOOK:
        kind = OTHER
    if kind == OTHER and not note:
        note = reason_not_taken_in(name)
    return _record(name, data, path, envelope, kind, note)


def far_too_large(name: str, size: int, head: bytes, sha256: str, path: str, envelope: Envelope) -> Received:
    """A record for a file far too large to be a return: judged by its size and first bytes, its sha256
    taken in a stream."""
    what = what_large_file_is(head)
    note = (f"{name} is {size / MB:,.0f} MB{f' ({what})' if what else ''}, far too large to be a return "
            "(a return is well under 1 MB), so it "
            "was not opened and not copied into the archive; it stays where it is in the inbox. If it was meant "
            "to be the return, ask the borough to send the workbook itself.")
    return Received(name=name, data=b"", sha256=sha256, path=path, source=envelope.source, sender=envelope.sender,
                    sent_at=envelope.sent_at, modified_at=envelope.modified_at, kind=OTHER, note=note, kept=False)


LARGE_FILE_SIGNATURES = (
    (4, b"ftyp", "a video or audio recording"),
    (0, b"\x1aE\xdf\xa3", "a video recording"),
    (0, b"ID3", "an audio recording"),
    (0, b"OggS", "an audio or video recording"),
    (0, b"%PDF", "a PDF"),
    (0, b"PK\x03\x04", "a zip archive or Office file"),
    (0, bytes.fromhex("D0CF11E0A1B11AE1"), "an older Office file"),
)


def what_large_file_is(head: bytes) -> str:
    """What a large file's first bytes say it is, in plain words, or "" when they say nothing known."""
    if head[:4] == b"RIFF":
        return {b"WAVE": "an audio recording", b"AVI ": "a video recording"}.get(head[8:12], "")
    return next((what for offset, magic, what in LARGE_FILE_SIGNATURES if head[offset:offset + len(magic)] == magic),
                "")


def email_without_attachment(name: str, data: bytes, envelope: Envelope, note: str) -> Received:
    return _record(name, data, envelope.path, envelope, EMAIL_WITHOUT_ATTACHMENT, note)


def _record(name: str, data: bytes, path: str, envelope: Envelope, kind: str, note: str) -> Received:
    return Received(
        name=name,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        path=path,
        source=envelope.source,
        sender=envelope.sender,
        sent_at=envelope.sent_at,
        modified_at=envelope.modified_at,
        kind=kind,
        note=note,
    )


def kind_of(name: str, data: bytes = b"") -> str:
    """A workbook when its bytes are one, whatever it is called; or when it is named as one, so that a
    renamed or damaged file is read and its problem explained."""
    return WORKBOOK if extension_of(name) in WORKBOOK_EXTENSIONS or is_workbook(data) else OTHER


def extension_of(name: str) -> str:
    return PurePosixPath(name).suffix.lower()


def clean_text(text: str) -> str:
    """Text from a header or an archive, made safe to write anywhere.

    Undecodable bytes arrive as lone surrogates; they become U+FFFD so that a
    CSV or workbook writer never fails on them. Control characters go.
    """
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc").strip()


# Which of two returns is the later is decided by when each was sent or saved; a time no real clock gave
# (a Date header of year 9999, a file dated 2446) would outrank every correction sent after it.
EARLIEST_TIME = datetime(1990, 1, 1, tzinfo=timezone.utc)
LATEST_TIME = datetime(2100, 1, 1, tzinfo=timezone.utc)


def believable_time(moment: datetime) -> datetime | None:
    """An aware `moment`, or None when it cannot be a real sending or saving time: before 1990, from
    2100 on, or off the calendar once put in UTC."""
    try:
        in_utc = moment.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        return None
    return moment if EARLIEST_TIME <= in_utc < LATEST_TIME else None


def shown_path(text: str) -> str:
    """A path as the file system gave it, as text that can be stored and written anywhere.

    A name whose bytes are not UTF-8 (unzipped from an older Windows zip, say) reaches Python with
    each odd byte held as a lone surrogate, which the store, a CSV or a workbook cannot take. Such
    names were nearly always written in Windows' Western European code page, so each such byte is
    read as that ('barnet-é.xlsx', not 'barnet-�.xlsx'); any other lone surrogate becomes U+FFFD.
    """
    return _LONE_SURROGATE.sub(_from_code_page, text)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _from_code_page(match: re.Match) -> str:
    point = ord(match.group())
    return bytes([point - 0xDC00]).decode("cp1252", "replace") if 0xDC80 <= point <= 0xDCFF else "\ufffd"


def clean_file_name(raw: str) -> str:
    """The last component of a file name as a sender's program wrote it."""
    return PureWindowsPath(clean_text(raw)).name.strip()


def _split_extension(path: str) -> tuple[str, str]:
    name_start = path.rfind("/") + 1
    dot = path.rfind(".")
    return (path[:dot], path[dot:]) if dot > name_start else (path, "")


_IMAGES = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".svg", ".webp", ".heic", ".ico"}
)
_DOCUMENTS = frozenset({".doc", ".docx", ".odt", ".rtf", ".txt", ".pages", ".md"})
_PRESENTATIONS = frozenset({".ppt", ".pptx", ".odp", ".key"})
_SIGNATURES = frozenset({".p7s", ".p7m", ".asc", ".sig"})
_EXCEL_TEMPLATES = frozenset({".xltx", ".xltm", ".xlt"})


def reason_not_taken_in(name: str) -> str:
    """Why a file that is not a workbook was not read, and what to do about it."""
    extension = extension_of(name)
    if extension in _IMAGES:
        return f"{name} is an image, not a return: nothing to do."
    if extension in _SIGNATURES:
        return f"{name} is an email signature certificate, not a return: nothing to do."
    if name.lower() == "winmail.dat":
        return (
            f"{name} is an Outlook wrapper that hides the real attachments, so the return in it cannot be "
            "read. Ask the sender to attach the workbook again with the email set to HTML or plain text."
        )
    if extension == ".pdf":
        return (
            f"{name} is a PDF, not a return: figures in a PDF cannot be collated. If it was meant to be "
            "the return, ask the borough to send the Excel workbook instead."
        )
    if extension in {".csv", ".tsv"}:
        return (
            f"{name} is a CSV file, not the return workbook, so it was not read. Ask the borough to fill "
            "in the workbook they were sent and return that."
        )
    if extension == ".xlsb":
        return (
            f"{name} is an Excel Binary Workbook (.xlsb), which is not read. Ask the borough to open it, "
            "choose File > Save As > Excel Workbook (.xlsx) and send it again."
        )
    if extension in _EXCEL_TEMPLATES:
        return (
            f"{name} is an Excel template, not a saved return. Ask the borough to open it, choose "
            "File > Save As > Excel Workbook (.xlsx) and send it again."
        )
    if extension == ".numbers":
        return (
            f"{name} is an Apple Numbers file, which is not read. Ask the borough to export it as an "
            "Excel workbook (File > Export To > Excel) and send that."
        )
    if extension in _DOCUMENTS:
        return (
            f"{name} is a document, not a return: nothing to read. If it holds figures meant for the "
            "return, ask the borough to put them in the workbook."
        )
    if extension in _PRESENTATIONS:
        return f"{name} is a presentation, not a return: nothing to read."
    if extension in {".htm", ".html"}:
        return f"{name} is a web page, not a return: nothing to read."
    if extension == ".ics":
        return f"{name} is a calendar invitation, not a return: nothing to do."
    if extension == ".vcf":
        return f"{name} is a contact card, not a return: nothing to do."
    return (
        f"{name} is not an Excel workbook (.xlsx, .xlsm, .xls or .ods), so it was not read. If it was "
        "meant to be the return, ask the borough to send the workbook itself."
    )
