"""Walk the project officer's inbox folder and list every file a borough sent.

The inbox holds whatever was saved from email: workbooks, .eml and .msg files,
mailbox (.mbox) files, zips, and whatever else came along. `walk_inbox` gives
one `Received` record per file, attachment or zip member, in a fixed order so
that two runs over the same folder agree.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from lscb_workbooks.intake.identify import is_tnef, is_workbook
from lscb_workbooks.intake.mail import eml_records, mbox_records, msg_records, tnef_records
from lscb_workbooks.intake.received import (
    MAX_RECEIVED_BYTES, Envelope, Received, believable_time, extension_of, far_too_large, received_file, shown_path,
)
from lscb_workbooks.intake.zipped import zip_records

__all__ = ["Received", "walk_inbox", "containers"]

CONTAINER_EXTENSIONS = frozenset({".eml", ".mbox", ".msg", ".zip"})


def walk_inbox(inbox: Path, large_hashes: dict[str, str] | None = None,
               own: Iterable[Path] = (), files: list[tuple[str, Path]] | None = None) -> Iterator[Received]:
    """Every file under `inbox`, with emails and zips opened, in sorted path order.

    `large_hashes` remembers the sha256 of each file far too large to be a return, by its path,
    size and modification time, so that a later run does not read it again; it is filled in here.
    `own` names the tool's own folders and files (outputs, store, archive), passed over where
    they sit inside the inbox. `files` is `inbox_files`' listing, when the caller has made it already.
    """
    large_hashes = {} if large_hashes is None else large_hashes
    for relative, path in inbox_files(Path(inbox), own) if files is None else files:
        yield from _records_for(relative, path, large_hashes)


def containers(inbox: Path, own: Iterable[Path] = (),
               files: list[tuple[str, Path]] | None = None) -> Iterator[tuple[str, bytes]]:
    """(relative path, bytes) of every email, mailbox and zip file, so they can be archived too; `files` as
    for `walk_inbox`."""
    for relative, path in inbox_files(Path(inbox), own) if files is None else files:
        if extension_of(relative) in CONTAINER_EXTENSIONS and _size(path) <= MAX_RECEIVED_BYTES:
            try:
                yield relative, path.read_bytes()
            except OSError:
                continue


def inbox_files(inbox: Path, own: Iterable[Path] = ()) -> list[tuple[str, Path]]:
    """(POSIX path relative to the inbox, path) of each regular file, sorted by relative path; the relative
    path as text that can be written anywhere (`shown_path`), the path as the file system knows it.

    Hidden files and folders and Office lock files ("~$return.xlsx", left while
    a workbook is open) are not things anyone sent, so they are passed over; so
    are the tool's own folders and files (`own`) when the output folder or the
    store was put inside the inbox.
    """
    root = Path(inbox).resolve()
    mine = {p.resolve() for p in own if p.resolve() != root}
    found: list[tuple[str, Path]] = []
    for folder, subfolders, files in os.walk(inbox):
        here = Path(folder).resolve()  # once a folder: os.walk does not go down a symlinked one
        subfolders[:] = [name for name in subfolders if not name.startswith(".") and here / name not in mine]
        for name in files:
            path = Path(folder) / name
            if _is_sent_file(name, path) and _real(here / name) not in mine:
                found.append((shown_path(path.relative_to(inbox).as_posix()), path))
    return sorted(found)


def _real(path: Path) -> Path:
    """A file's own path, or where it points when it is a symbolic link."""
    return path.resolve() if path.is_symlink() else path


def _is_sent_file(name: str, path: Path) -> bool:
    if name.startswith(".") or name.startswith("~$"):
        return False
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _records_for(relative: str, path: Path, large_hashes: dict[str, str]) -> Iterator[Received]:
    name = PurePosixPath(relative).name
    modified_at = _modified_at(path)
    try:
        if (size := _size(path)) > MAX_RECEIVED_BYTES:
            envelope = Envelope(relative, "", None, None, modified_at)
            key = f"{relative}|{size}|{path.stat().st_mtime_ns}"
            sha256 = large_hashes.get(key) or _streamed_sha256(path)
            large_hashes[key] = sha256
            with path.open("rb") as stream:
                head = stream.read(64)
            yield far_too_large(name, size, head, sha256, relative, envelope)
            return
        data = path.read_bytes()
    except OSError as error:
        yield _unreadable_from_disk(name, relative, modified_at, error)
        return
    try:
        yield from _records_from_bytes(name, data, relative, path, modified_at)
    except Exception:  # a container malformed in a way no check foresaw: keep it whole
        envelope = Envelope(relative, "", None, None, modified_at)
        yield received_file(name, data, relative, envelope, note=_unopenable_note(name))


def _records_from_bytes(name: str, data: bytes, relative: str, path: Path, modified_at: datetime) -> Iterator[Received]:
    extension = extension_of(name)
    if extension == ".eml":
        yield from eml_records(data, relative, modified_at)
    elif extension == ".mbox":
        yield from mbox_records(path, relative, data, modified_at)
    elif extension == ".msg":
        yield from msg_records(data, relative, modified_at)
    elif extension == ".zip" and not is_workbook(data):
        members = Envelope(relative, relative, None, None, modified_at)
        yield from zip_records(name, data, members, zip_source="")
    elif is_tnef(data):
        yield from tnef_records(name, data, relative, modified_at)
    else:
        yield received_file(name, data, relative, Envelope(relative, "", None, None, modified_at))


def _unopenable_note(name: str) -> str:
    return (
        f"{name} could not be opened to find the files in it. Ask the sender to send the return again "
        "as an ordinary attachment."
    )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _streamed_sha256(path: Path) -> str:
    """The sha256 of a large file, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def _modified_at(path: Path) -> datetime:
    """When the file was last changed; a time no real clock gave (`believable_time`), or one that cannot be
    read, counts as the earliest, so that it never outranks a real one."""
    try:
        modified = believable_time(datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc))
    except (OSError, OverflowError, ValueError):
        modified = None
    return modified or datetime.fromtimestamp(0, tz=timezone.utc)


def _unreadable_from_disk(name: str, relative: str, modified_at: datetime, error: OSError) -> Received:
    note = (
        f"{name} could not be read from the inbox folder ({error.strerror or error}). "
        "Check that the file is not open in another program and that you may read it, then run again."
    )
    return received_file(name, b"", relative, Envelope(relative, "", None, None, modified_at), note=note)
