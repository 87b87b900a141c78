"""Files packed in a zip: each member becomes a record, within safe limits.

A zip can claim to hold far more than it is worth (a decompression bomb) or
thousands of members; the limits below keep one hostile or mistaken zip from
filling memory, and a member that is itself an email or a zip is kept whole
rather than opened, so that nesting cannot go on for ever.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import PurePosixPath

from lscb_workbooks.intake.received import (
    DistinctPaths,
    EMAIL_EXTENSIONS,
    ZIP_EXTENSIONS,
    Envelope,
    Received,
    clean_text,
    extension_of,
    received_file,
)

MB = 1024 * 1024
MAX_MEMBER_BYTES = 50 * MB
MAX_RATIO = 200
RATIO_APPLIES_FROM_BYTES = 1 * MB
MAX_TOTAL_BYTES = 200 * MB
MAX_MEMBERS = 500


def zip_records(zip_name: str, data: bytes, members: Envelope, zip_source: str) -> Iterator[Received]:
    """Records for the members of the zip at `members.path`.

    `members` is the envelope its members share (their source is the zip, or
    the email the zip came in); `zip_source` is where the zip itself came from,
    used when the zip as a whole gets a record because it could not be opened.
    """
    envelope = Envelope(members.path, zip_source, members.sender, members.sent_at, members.modified_at)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [info for info in archive.infolist() if _is_taken(info)]
    except Exception:  # a corrupt zip can fail in many ways; each means the same to the sender
        yield _whole_zip(zip_name, data, envelope, _corrupt_zip_note(zip_name))
        return
    if not infos:
        yield _whole_zip(zip_name, data, envelope, f"{zip_name} holds no files: nothing to take in.")
        return
    yield from _member_records(archive, sorted(infos, key=_member_path), zip_name, members)
    if len(infos) > MAX_MEMBERS:
        yield _whole_zip(zip_name, data, envelope, _too_many_members_note(zip_name, len(infos)))


def _member_records(
    archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], zip_name: str, envelope: Envelope
) -> Iterator[Received]:
    unpacked = 0
    paths = DistinctPaths()
    for info in infos[:MAX_MEMBERS]:
        name = PurePosixPath(_member_path(info)).name
        path = paths.distinct(f"{envelope.path}/{_member_path(info)}")
        refusal = _refusal(info, name, zip_name, unpacked)
        if refusal:
            yield received_file(name, b"", path, envelope, note=refusal)
            continue
        try:
            data = _read_member(archive, info)
        except Exception:
            yield received_file(name, b"", path, envelope, note=_unreadable_member_note(name, zip_name))
            continue
        unpacked += len(data)
        yield received_file(name, data, path, envelope, note=_nested_container_note(name, zip_name))


def _is_taken(info: zipfile.ZipInfo) -> bool:
    path = _member_path(info)
    if info.is_dir() or not path or path.startswith("__MACOSX/"):
        return False
    name = PurePosixPath(path).name
    return not (name.startswith(".") or name.startswith("~$"))


def _member_path(info: zipfile.ZipInfo) -> str:
    parts = clean_text(info.filename).replace("\\", "/").split("/")
    return "/".join(part for part in parts if part not in ("", ".", ".."))


def _refusal(info: zipfile.ZipInfo, name: str, zip_name: str, unpacked_so_far: int) -> str:
    """Why a member must not be unpacked, or "" when it is safe to."""
    if info.flag_bits & 0x1:
        return (
            f"{name} inside {zip_name} is protected with a password, so it could not be unpacked. "
            "Ask the borough to send the workbook itself, without a password."
        )
    if info.file_size > MAX_MEMBER_BYTES:
        return (
            f"{name} inside {zip_name} would unpack to {info.file_size / MB:,.0f} MB, far more than any "
            "return needs, so it was not unpacked. Ask the borough to send the workbook itself."
        )
    if info.file_size > RATIO_APPLIES_FROM_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return (
            f"{name} inside {zip_name} is packed unusually tightly ({info.file_size / MB:,.0f} MB "
            f"squeezed into {info.compress_size:,} bytes), the mark of a decompression bomb, so it was "
            "not unpacked. Ask the borough to send the workbook itself."
        )
    if unpacked_so_far + info.file_size > MAX_TOTAL_BYTES:
        return (
            f"{name} inside {zip_name} was not unpacked: the zip unpacks to more than "
            f"{MAX_TOTAL_BYTES // MB} MB in all. Ask the borough to send the workbooks themselves."
        )
    return ""


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    with archive.open(info) as stream:
        data = stream.read(info.file_size + 1)
    if len(data) != info.file_size:
        raise zipfile.BadZipFile(f"{info.filename}: size differs from the zip's directory")
    return data


def _nested_container_note(name: str, zip_name: str) -> str:
    extension = extension_of(name)
    if extension in EMAIL_EXTENSIONS:
        return (
            f"{name} is an email inside {zip_name}; emails inside zip files are not opened. "
            "Ask the borough to send the return as an ordinary attachment."
        )
    if extension in ZIP_EXTENSIONS:
        return (
            f"{name} is a zip inside {zip_name}; zip files inside zip files are not opened. "
            "Ask the borough to send the workbook itself."
        )
    return ""


def _unreadable_member_note(name: str, zip_name: str) -> str:
    return (
        f"{name} inside {zip_name} is damaged and could not be unpacked. "
        "Ask the borough to send the workbook itself."
    )


def _corrupt_zip_note(zip_name: str) -> str:
    return (
        f"{zip_name} is not a readable zip file (it may be damaged or cut short), so nothing in it was "
        "taken in. Ask the borough to send the workbook itself."
    )


def _too_many_members_note(zip_name: str, count: int) -> str:
    return (
        f"{zip_name} holds {count:,} files; only the first {MAX_MEMBERS} were taken in. "
        "Ask the borough to send just its return."
    )


def _whole_zip(zip_name: str, data: bytes, envelope: Envelope, note: str) -> Received:
    return received_file(zip_name, data, envelope.path, envelope, note=note)
