"""Attachments of emails saved as .eml, kept in an .mbox, or saved from Outlook as .msg.

Every attachment becomes a record carrying the email's sender and sent date,
which decide which of two returns from the same borough is the later one.
Emails are written by many programs, some badly: a missing file name, an
undecodable header or an impossible date still gives a record, never an error.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import mimetypes
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from email.message import EmailMessage, Message
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import tnefparse

from lscb_workbooks.intake.identify import is_tnef, is_workbook

from lscb_workbooks.intake.received import (
    DistinctPaths,
    Envelope,
    Received,
    believable_time,
    clean_file_name,
    clean_text,
    email_without_attachment,
    extension_of,
    received_file,
)
from lscb_workbooks.intake.zipped import zip_records

if TYPE_CHECKING:
    import extract_msg

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
SMALLEST_OLE_FILE = 1536
MAX_NESTING = 3


@dataclass(frozen=True)
class Attachment:
    """One file carried by an email, before it is judged."""

    name: str
    data: bytes


def eml_records(data: bytes, path: str, modified_at: datetime) -> Iterator[Received]:
    """Records for an email saved as a file (.eml) at `path` in the inbox."""
    message = _parse_email(data)
    envelope = _email_envelope(message, path, path, modified_at)
    yield from _email_records(message, data, PurePosixPath(path).name, envelope)


def mbox_records(mbox_path: Path, path: str, data: bytes, modified_at: datetime) -> Iterator[Received]:
    """Records for every message of the mailbox file at `path`; message k is "box.mbox#k"."""
    name = PurePosixPath(path).name
    try:
        messages = _mbox_messages(mbox_path)
    except Exception:
        yield received_file(name, data, path, _inbox_envelope(path, modified_at), note=_bad_mbox_note(name))
        return
    if not messages:
        note = f"{name} holds no email messages: nothing to take in."
        yield received_file(name, data, path, _inbox_envelope(path, modified_at), note=note)
    for number, raw in enumerate(messages, start=1):
        message = _parse_email(raw)
        envelope = _email_envelope(message, f"{path}/{number}", f"{path}#{number}", modified_at)
        yield from _email_records(message, raw, f"message {number}", envelope)


def msg_records(data: bytes, path: str, modified_at: datetime) -> Iterator[Received]:
    """Records for an Outlook message saved as a .msg file at `path` in the inbox."""
    name = PurePosixPath(path).name
    try:
        envelope, attachments = _read_outlook_message(data, path, modified_at)
    except Exception:
        yield received_file(name, data, path, _inbox_envelope(path, modified_at), note=_bad_msg_note(name))
        return
    yield from _records_or_bare_email(attachments, data, name, envelope)


def tnef_records(name: str, data: bytes, path: str, modified_at: datetime) -> Iterator[Received]:
    """Records for Outlook's winmail.dat wrapper saved into the inbox: the files it carries."""
    try:
        attachments = list(_expanded(tnef_attachments(data), depth=1))
    except Exception:
        attachments = []
    envelope = Envelope(path, path, None, None, modified_at)
    if not attachments:
        yield received_file(name, data, path, _inbox_envelope(path, modified_at), note=_bad_tnef_note(name))
        return
    yield from _attachment_records(attachments, envelope)


def _bad_tnef_note(name: str) -> str:
    return (f"{name} is an Outlook wrapper (winmail.dat) with no file in it that could be unpacked. Ask the "
            "sender to attach the workbook again with the email set to HTML or plain text.")


# Emails in MIME form (.eml and .mbox)


def _parse_email(data: bytes) -> EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)  # type: ignore[return-value]


def _email_records(message: Message, raw: bytes, label: str, envelope: Envelope) -> Iterator[Received]:
    attachments = list(_expanded(_mime_attachments(message), depth=0))
    yield from _records_or_bare_email(attachments, raw, label, envelope, _subject(message))


def _records_or_bare_email(
    attachments: list[Attachment], raw: bytes, label: str, envelope: Envelope, subject: str = ""
) -> Iterator[Received]:
    records = list(_attachment_records(attachments, envelope))
    if records:
        yield from records
    else:
        yield email_without_attachment(label, raw, envelope, _no_attachment_note(envelope, subject))


def _attachment_records(attachments: list[Attachment], envelope: Envelope) -> Iterator[Received]:
    paths = DistinctPaths()
    for attachment in attachments:
        path = paths.distinct(f"{envelope.path}/{attachment.name}")
        if extension_of(attachment.name) == ".zip" and not is_workbook(attachment.data):
            members = replace(envelope, path=path)
            yield from zip_records(attachment.name, attachment.data, members, envelope.source)
        else:
            yield received_file(attachment.name, attachment.data, path, envelope)


def _mime_attachments(message: Message) -> Iterator[Attachment]:
    """Attachments of a message, including those of a message forwarded inside it."""
    for number, part in enumerate(_leaf_parts(message), start=1):
        if _safely(lambda: _is_attachment(part)) is not False:
            yield Attachment(_attachment_name(part, number), _payload(part))


def _leaf_parts(message: Message) -> Iterator[Message]:
    try:
        for part in message.walk():
            if not part.is_multipart():
                yield part
    except Exception:
        return


def _expanded(attachments: Iterable[Attachment], depth: int) -> Iterator[Attachment]:
    """Attachments, with an email attached as a file replaced by its own attachments."""
    for attachment in attachments:
        nested = _nested_email(attachment, depth)
        if nested is None:
            yield attachment
        else:
            yield from nested


def _nested_email(attachment: Attachment, depth: int) -> list[Attachment] | None:
    """The attachments of an email attached as a file, or of Outlook's winmail.dat wrapper; None if it
    is neither (or cannot be opened, when it is kept whole with a note)."""
    if is_tnef(attachment.data) and depth < MAX_NESTING:
        try:
            return list(_expanded(tnef_attachments(attachment.data), depth + 1))
        except Exception:
            return None
    extension = extension_of(attachment.name)
    if depth >= MAX_NESTING or extension not in (".eml", ".msg"):
        return None
    try:
        if extension == ".eml":
            inner = list(_mime_attachments(_parse_email(attachment.data)))
        else:
            inner = _outlook_attachments(attachment.data)
        return list(_expanded(inner, depth + 1))
    except Exception:
        return None


def tnef_attachments(data: bytes) -> list[Attachment]:
    """The files inside Outlook's winmail.dat (TNEF) wrapper, by their long names where Outlook kept them."""
    wrapper = tnefparse.TNEF(data, do_checksum=False)
    attachments = []
    for number, attachment in enumerate(wrapper.attachments, start=1):
        raw = _safely(attachment.long_filename) or _safely(lambda: attachment.name)
        name = clean_file_name(raw) if isinstance(raw, str) else ""
        if isinstance(attachment.data, bytes) and attachment.data:
            attachments.append(Attachment(name or f"attachment-{number}.bin", attachment.data))
    return attachments


def _is_attachment(part: Message) -> bool:
    """Attachments, inline files with a name, and unnamed application data (an unnamed workbook)."""
    if _safely(part.get_content_disposition) == "attachment" or _safely(part.get_filename):
        return True
    return part.get_content_maintype() == "application" or part.get_content_type() == "message/rfc822"


def _attachment_name(part: Message, number: int) -> str:
    raw = _safely(part.get_filename)
    name = clean_file_name(raw) if isinstance(raw, str) else ""
    if name:
        return name
    content_type = _safely(part.get_content_type)
    if not isinstance(content_type, str):
        return f"attachment-{number}.bin"
    if content_type == "message/rfc822":
        return f"attachment-{number}.eml"
    return f"attachment-{number}{mimetypes.guess_extension(content_type, strict=False) or '.bin'}"


def _payload(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        return b""
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return b""


def _email_envelope(message: Message, path: str, source: str, modified_at: datetime) -> Envelope:
    sender, sent_at = _sender(_raw_header(message, "from")), _sent_at(_raw_header(message, "date"))
    return Envelope(path, source, sender, sent_at, modified_at)


def _raw_header(message: Message, name: str) -> str:
    """A header as written, read without the policy's parser, which can fail on malformed values."""
    for key, value in message.raw_items():
        if key.lower() == name:
            return str(value)
    return ""


def _subject(message: Message) -> str:
    try:
        return clean_text(str(message.get("subject", "")))
    except Exception:
        return clean_text(_raw_header(message, "subject"))


def _mbox_messages(mbox_path: Path) -> list[bytes]:
    box = mailbox.mbox(mbox_path, create=False)
    try:
        return [box.get_bytes(key) for key in box.iterkeys()]
    finally:
        box.close()


# Outlook messages (.msg)


def _read_outlook_message(data: bytes, path: str, modified_at: datetime) -> tuple[Envelope, list[Attachment]]:
    message = _open_outlook_message(data)
    try:
        envelope = Envelope(path, path, _sender(message.sender or ""), _outlook_sent_at(message), modified_at)
        return envelope, list(_expanded(_outlook_message_attachments(message), depth=0))
    finally:
        message.close()


def _open_outlook_message(data: bytes) -> extract_msg.msg_classes.MessageBase:
    # Below this size the library would take the bytes for a file path.
    if len(data) < SMALLEST_OLE_FILE or not data.startswith(OLE_MAGIC):
        raise ValueError("not an Outlook message file")
    # Imported only when an Outlook message arrives: it takes a quarter of a second, on every command otherwise.
    import extract_msg
    from extract_msg.enums import ErrorBehavior

    message = extract_msg.openMsg(data, errorBehavior=ErrorBehavior.SUPPRESS_ALL)
    if not isinstance(message, extract_msg.msg_classes.MessageBase):
        message.close()
        raise ValueError("an Outlook item that is not an email")
    return message


def _outlook_attachments(data: bytes) -> list[Attachment]:
    message = _open_outlook_message(data)
    try:
        return _outlook_message_attachments(message)
    finally:
        message.close()


def _outlook_message_attachments(message: extract_msg.msg_classes.MessageBase, depth: int = 0) -> list[Attachment]:
    from extract_msg.msg_classes import MessageBase  # imported already, by `_open_outlook_message`

    attachments: list[Attachment] = []
    for number, attachment in enumerate(message.attachments, start=1):
        data = attachment.data
        if isinstance(data, MessageBase) and depth < MAX_NESTING:
            attachments.extend(_outlook_message_attachments(data, depth + 1))
        elif isinstance(data, bytes):
            attachments.append(Attachment(_outlook_attachment_name(attachment, number), data))
    return attachments


def _outlook_attachment_name(attachment: object, number: int) -> str:
    for field in ("longFilename", "shortFilename", "displayName"):
        value = getattr(attachment, field, None)
        if isinstance(value, str) and clean_file_name(value):
            return clean_file_name(value)
    mimetype = getattr(attachment, "mimetype", None) or "application/octet-stream"
    return f"attachment-{number}{mimetypes.guess_extension(mimetype, strict=False) or '.bin'}"


def _outlook_sent_at(message: extract_msg.msg_classes.MessageBase) -> datetime | None:
    sent = message.date
    if isinstance(sent, datetime):
        return _believable(sent)
    header = message.header
    return _sent_at(str(header.get("Date", ""))) if header is not None else None


# Headers


def _sender(raw_from: str) -> str | None:
    """The sender's address, or the header's text when it holds no address."""
    text = clean_text(" ".join(raw_from.split()))
    if not text:
        return None
    _, address = parseaddr(text)
    return address if "@" in address else text


def _sent_at(raw_date: str) -> datetime | None:
    """The Date header as an aware datetime (UTC when it gives no zone), or None."""
    text = clean_text(" ".join(raw_date.split()))
    if not text:
        return None
    try:
        sent = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return _believable(sent)


def _believable(sent: datetime) -> datetime | None:
    """`sent`, aware (UTC when it gives no zone), or None when no mail program could have written it
    (`believable_time`): the file's own time then stands instead, as for an email without a date."""
    return believable_time(sent if sent.tzinfo else sent.replace(tzinfo=timezone.utc))


# Notes


def _no_attachment_note(envelope: Envelope, subject: str) -> str:
    sender = f" from {envelope.sender}" if envelope.sender else ""
    sent = f" sent {envelope.sent_at:%d %B %Y %H:%M}" if envelope.sent_at else ""
    about = f" ('{subject}')" if subject else ""
    return (
        f"The email{sender}{sent}{about} carried no attachment, so there is no return in it: nothing to "
        "take in. If it should have brought a return, ask the sender to attach the workbook."
    )


def _bad_msg_note(name: str) -> str:
    return (
        f"{name} is an Outlook message that could not be opened. Ask the sender to forward the return "
        "again as an ordinary attachment, or save the attached workbook from Outlook into the inbox."
    )


def _bad_mbox_note(name: str) -> str:
    return f"{name} could not be read as a mailbox. Save the emails in it one by one (.eml) into the inbox."


def _inbox_envelope(path: str, modified_at: datetime) -> Envelope:
    return Envelope(path, "", None, None, modified_at)


def _safely(method: Callable[[], object]) -> object:
    """A header-derived value, or None when the header is too malformed to give one."""
    try:
        return method()
    except Exception:
        return None
