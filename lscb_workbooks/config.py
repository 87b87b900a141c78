"""The project officer's own settings: where the template-signing key lives.

The key never goes into a template. It is made on first use, in the user's
configuration directory unless `LSCB_KEY_FILE` or `LSCB_CONFIG_DIR` says otherwise.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

KEY_FILE_NAME = "signing.key"


def config_dir() -> Path:
    if os.environ.get("LSCB_CONFIG_DIR"):
        return Path(os.environ["LSCB_CONFIG_DIR"])
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "lscb-workbooks"


def key_path(key_file: Path | None = None) -> Path:
    if key_file:
        return Path(key_file)
    if os.environ.get("LSCB_KEY_FILE"):
        return Path(os.environ["LSCB_KEY_FILE"])
    return config_dir() / KEY_FILE_NAME


def signing_key(key_file: Path | None = None) -> bytes:
    """The HMAC key for template signatures, created (readable by the owner only) on first use."""
    path = key_path(key_file)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()
