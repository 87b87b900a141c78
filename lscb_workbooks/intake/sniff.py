"""What a file is when it is neither a zip package nor an OLE file, judged by its bytes.

Boroughs rename files: a CSV export or a web page saved from a system gets a
".xlsx" name and Excel opens it with a warning. Naming what the file really is
tells the coordinator what went wrong.
"""

from __future__ import annotations

from lscb_workbooks.intake import unreadable
from lscb_workbooks.intake.unreadable import Unreadable

HEAD_BYTES = 4096
DELIMITERS = (",", ";", "\t", "|")
IMAGE_MAGIC = {
    b"\x89PNG": "an image (PNG)",
    b"\xff\xd8\xff": "an image (JPEG)",
    b"GIF8": "an image (GIF)",
}


def what_loose_bytes_are(data: bytes) -> Unreadable:
    head = data[:HEAD_BYTES]
    if head.startswith(b"%PDF"):
        return unreadable.not_a_spreadsheet(
            "a PDF", "Figures in a PDF cannot be collated: send the Excel workbook instead."
        )
    for magic, description in IMAGE_MAGIC.items():
        if head.startswith(magic):
            return unreadable.not_a_spreadsheet(description)
    text = _as_text(head)
    if text is None:
        return unreadable.unknown_format()
    return _what_text_is(text.lstrip("\ufeff \t\r\n"))


def _what_text_is(text: str) -> Unreadable:
    lowered = text[:1024].lower()
    if lowered.startswith("{\\rtf"):
        return unreadable.not_a_spreadsheet("a Rich Text (RTF) document")
    if "urn:schemas-microsoft-com:office:spreadsheet" in lowered:
        return unreadable.not_a_spreadsheet(
            "an 'XML Spreadsheet 2003' file",
            "Open it in Excel and choose File > Save As > Excel Workbook (.xlsx), then send that.",
        )
    if lowered.startswith(("<!doctype html", "<html")) or "<html" in lowered or "<table" in lowered:
        return unreadable.not_a_spreadsheet(
            "a web page (HTML) with a workbook's name",
            "Open it in Excel and choose File > Save As > Excel Workbook (.xlsx), then send that.",
        )
    if _looks_delimited(text):
        return unreadable.csv_renamed()
    return unreadable.not_a_spreadsheet("plain text")


def _as_text(head: bytes) -> str | None:
    """The head decoded as text, or None if it looks binary."""
    text = _decoded(head)
    return text if _mostly_printable(text) else None


def _decoded(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    # The head may end part-way through a character.
    for cut in range(4):
        try:
            return head[: len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
    return head.decode("cp1252", errors="replace")


def _mostly_printable(text: str) -> bool:
    if not text:
        return False
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\r\n\t")
    return printable / len(text) > 0.95


def _looks_delimited(text: str) -> bool:
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if not lines:
        return False
    return any(all(line.count(delimiter) >= 1 for line in lines[:5]) for delimiter in DELIMITERS)
