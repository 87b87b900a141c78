"""The project officer's own settings: where the template-signing key lives.

The key never goes into a template. Only the commands that sign templates
(`init`, `templates`) make one, in the user's configuration directory unless
`LSCB_KEY_FILE` or `LSCB_CONFIG_DIR` says otherwise; the commands that check
returns refuse a missing key, since a new key would call every genuine return
altered.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .errors import LscbError

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


class KeyMissing(LscbError):
    """The signing key is not where the command looked."""


def signing_key(key_file: Path | None = None) -> bytes:
    """The HMAC key for template signatures, created (readable by the owner only) on first use.

    For signing templates only: checking returns uses `existing_signing_key`.
    """
    path = key_path(key_file)
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise LscbError(f"cannot make the signing key {path}: {exc.strerror}") from None
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return existing_signing_key(path)


def existing_signing_key(key_file: Path | None = None) -> bytes:
    """The key the templates were signed with; refuses, naming the path, when it is missing or empty."""
    path = key_path(key_file)
    try:
        key = path.read_text(encoding="ascii").strip().encode()
    except FileNotFoundError:
        raise KeyMissing(f"no signing key at {path}: give --key-file the key the templates were signed with "
                         "(the one 'lscb templates' or 'lscb init' made)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyMissing(f"cannot read the signing key {path} ({getattr(exc, 'strerror', None) or exc}): "
                         "give --key-file the key the templates were signed with") from None
    if not key:
        raise KeyMissing(f"the signing key {path} is empty: put back your copy of the key")
    return key
