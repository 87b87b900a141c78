"""Which outputs are already up to date, so that a run rewrites only what its new files change.

Each output (the master, the profiles, one authority's feedback) is written from
a known set of inputs: the returns in use, the spec, the register, the tool's
version, the options of the run. A fingerprint of those inputs is kept beside
the outputs, in `.lscb-outputs.json`, with the sha256 of each file written. A
later run whose fingerprint is the same, and finds every file as it left it,
leaves the output alone; a changed input, or a file deleted or edited since,
means it is written again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Iterable

from ..atomic import replacing

MANIFEST = ".lscb-outputs.json"


def fingerprint(*parts: object) -> str:
    """One sha256 of everything an output is made from (each part by its `repr`)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def file_sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


class OutputManifest:
    """The fingerprint and files of each output in one folder, as the last run wrote them."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / MANIFEST
        self.entries: dict[str, dict] = _load(self.path)
        self.changed = False

    def up_to_date(self, name: str, made_from: str | None) -> bool:
        """The output `name` was written from these very inputs and its files are as they were written.

        `made_from` None: inputs that cannot be fingerprinted; the output is always written.
        """
        entry = self.entries.get(name)
        if made_from is None or not entry or entry.get("fingerprint") != made_from:
            return False
        return all(file_sha256(self.folder / relative) == sha256 for relative, sha256 in entry["files"].items())

    def files(self, name: str) -> list[Path]:
        return [self.folder / relative for relative in self.entries.get(name, {}).get("files", {})]

    def record(self, name: str, made_from: str | None, files: Iterable[Path]) -> None:
        """What `name` was just written from, and the files it wrote (a file outside the folder is not kept)."""
        kept = {}
        for path in files:
            try:
                relative = Path(path).resolve().relative_to(self.folder.resolve()).as_posix()
            except ValueError:
                continue
            kept[relative] = file_sha256(path)
        self.entries[name] = {"fingerprint": made_from, "files": kept}
        self.changed = True

    def forget(self, name: str) -> None:
        if self.entries.pop(name, None) is not None:
            self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        with replacing(self.path) as temporary:
            temporary.write_text(json.dumps(self.entries, indent=1, sort_keys=True), encoding="utf-8")
        self.changed = False


def _load(path: Path) -> dict[str, dict]:
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(entries, dict):
        return {}
    return {str(k): v for k, v in entries.items()
            if isinstance(v, dict) and isinstance(v.get("files"), dict)}
