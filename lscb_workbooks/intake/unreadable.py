"""Why a file could not be read, as a stable code and a message for the coordinator.

The code lets the ledger count and sort problems; the message is what the
project officer sends back, so it says what is wrong and what to do, in the
words of someone who uses Excel rather than someone who writes it.
"""

from __future__ import annotations

from dataclasses import dataclass

RESAVE = "Open it in Excel, save it again as Excel Workbook (.xlsx) and send that."


@dataclass(frozen=True)
class Unreadable:
    """A file that cannot be read as a return.

    `reason` is one of "empty", "not_a_spreadsheet", "csv_renamed",
    "truncated", "encrypted", "too_large", "too_many_cells", "xml_entities",
    "reader_crashed", "reader_timeout", "corrupt".
    """

    reason: str
    message: str


STILL_COPYING = ("If so, run collate again once the copy has finished: the complete file replaces this "
                 "verdict.")


# What the project officer is told of a file that may have been read while still being copied into the
# inbox, and what its sender reads in its place (`for_the_sender`): the sender cannot run collate.
_EMPTY_COPYING = (f", or it was still being copied into the inbox. {STILL_COPYING} Otherwise send", ". Send")
_TRUNCATED_COPYING = (" It may still have been copying into the inbox: "
                      f"{STILL_COPYING[0].lower()}{STILL_COPYING[1:]} Otherwise open", " Open")


def for_the_sender(message: str) -> str:
    """A file's message as its sender is to read it (in a chase email): without the advice to the project
    officer on a file that may still have been copying into the inbox."""
    for officer, sender in (_EMPTY_COPYING, _TRUNCATED_COPYING):
        message = message.replace(officer, sender)
    return message


def empty() -> Unreadable:
    return Unreadable(
        "empty",
        "The file is empty (0 bytes): it was probably attached before Excel had finished saving it"
        f"{_EMPTY_COPYING[0]} the workbook again.",
    )


SEND_THE_WORKBOOK = "Send the return workbook itself, saved as Excel Workbook (.xlsx)."


def not_a_spreadsheet(what_it_is: str, what_to_do: str = "") -> Unreadable:
    return Unreadable("not_a_spreadsheet", f"The file is {what_it_is}, not a spreadsheet. {what_to_do or SEND_THE_WORKBOOK}")


def unknown_format() -> Unreadable:
    """Bytes that are neither a known document or image nor text: nothing can be said of what they are."""
    return Unreadable("not_a_spreadsheet", f"The file is in no format a spreadsheet program opens. {SEND_THE_WORKBOOK}")


def csv_renamed() -> Unreadable:
    return Unreadable(
        "csv_renamed",
        "The file is a CSV (plain text) file with a workbook's name, so the return's sheets, labels and "
        "checks are lost. Fill in the workbook you were sent and return that, saved as Excel Workbook (.xlsx).",
    )


def truncated() -> Unreadable:
    return Unreadable(
        "truncated",
        f"The file is incomplete: it was cut short while being saved, copied or sent.{_TRUNCATED_COPYING[0]} the "
        "original in Excel to check it is all there, save it again and send it again.",
    )


def encrypted() -> Unreadable:
    return Unreadable(
        "encrypted",
        "The workbook is protected with a password, so it cannot be read. Remove the password "
        "(File > Info > Protect Workbook > Encrypt with Password, then clear the password) and send it again.",
    )


def too_large(detail: str) -> Unreadable:
    return Unreadable(
        "too_large",
        f"The file {detail}, far more than any return needs, so it was not opened (a file like this can "
        "stall the computer reading it). Send just the filled-in return, without extra sheets, pictures or "
        "pasted data.",
    )


def too_many_cells(sheet: str, cell: str, max_rows: int, max_columns: int) -> Unreadable:
    return Unreadable(
        "too_many_cells",
        f"Sheet '{sheet}' has a cell as far out as {cell}, far beyond any return (a return never goes past "
        f"row {max_rows:,} or column {max_columns:,}). This usually comes from something typed or pasted by "
        "accident in a far corner of the sheet. Select the rows and columns past the end of the form, delete "
        "them (right-click > Delete), save, and send the workbook again.",
    )


def xml_entities() -> Unreadable:
    return Unreadable(
        "xml_entities",
        "The file contains XML features that are not allowed in a return (a document type declaration or "
        "entity definitions), which Excel never writes: it was made or changed by another program. "
        + RESAVE,
    )


def reader_crashed() -> Unreadable:
    return Unreadable(
        "reader_crashed",
        "The spreadsheet reader failed on this file twice, so it could not be read (it may be damaged, or "
        "made by a program that writes unusual workbooks). " + RESAVE,
    )


def reader_timeout(seconds: float) -> Unreadable:
    return Unreadable(
        "reader_timeout",
        f"Reading this file took longer than {seconds:g} seconds, far longer than a return should, so it was "
        "stopped. Remove anything that is not part of the return (extra sheets, pasted data, pictures), "
        "save it as Excel Workbook (.xlsx) and send it again.",
    )


def corrupt(sheet: str | None = None) -> Unreadable:
    """A damaged file; `sheet` is the title of the sheet that could not be read, where that is known.

    Never the reading library's own words: they mean nothing to a coordinator (a damaged sheet is
    reported as "t", a missing one by its bare title).
    """
    what = (f"The sheet '{sheet}' in this file is damaged (its contents are missing or cut short), so the "
            "file could not be read as a workbook." if sheet else
            "The file is damaged and could not be read as a workbook.")
    return Unreadable(
        "corrupt",
        f"{what} Open it in Excel: if it opens, save it again as Excel Workbook (.xlsx) and send that; if it "
        "does not, send the return again from the original.",
    )
