"""Outputs are replaced whole or not at all: an interrupted run leaves the last good file in place."""

from __future__ import annotations

import filecmp
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import LscbError


class OutputError(LscbError, OSError):
    """An output file could not be written or replaced."""


@contextmanager
def replacing(path: Path, unless_same: bool = False) -> Iterator[Path]:
    """A temporary path beside `path` to write to; moved onto `path` only if the block finishes.

    `unless_same`: where `path` already holds exactly what was written, it is left as it is (so its
    modification time still says when its content last changed).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise OutputError(cannot_write(path, exc)) from None
    os.close(handle)
    try:
        yield Path(temporary)
        if unless_same and _same_content(Path(temporary), path):
            Path(temporary).unlink()
            return
        os.chmod(temporary, 0o666 & ~_umask())  # as any new file: mkstemp makes it private to its owner
        try:
            os.replace(temporary, path)
        except OSError as exc:
            raise OutputError(cannot_write(path, exc)) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _same_content(one: Path, other: Path) -> bool:
    try:
        return filecmp.cmp(one, other, shallow=False)
    except OSError:
        return False


def cannot_write(path: Path, exc: OSError) -> str:
    """One line saying why `path` could not be written, and what to do."""
    if path.is_dir():
        return f"cannot write {path}: a folder of that name is in the way; move it, or choose another output folder"
    if isinstance(exc, PermissionError):
        return (f"cannot write {path}: {exc.strerror}. If it is open in Excel or another program, close it; "
                "then run the command again")
    return f"cannot write {path}: {exc.strerror or exc}"


@contextmanager
def replacing_folder(path: Path) -> Iterator[Path]:
    """A new, empty folder beside `path` to fill; it replaces `path` whole only if the block finishes.

    Nothing left in `path` by an earlier run survives.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent))
    try:
        yield temporary
        os.chmod(temporary, 0o777 & ~_umask())
        if path.exists():
            shutil.rmtree(path)
        os.replace(temporary, path)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
