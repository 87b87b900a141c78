"""A workspace: one folder for one collection round, with its settings in `lscb.yaml`.

The project officer runs `lscb init DIR` once per round. Every command run in
that folder (or any folder below it) then finds the collection, period,
deadline, sender, register, signing key, store and output there, so a round
is run without repeating flags; a flag given on the command line still wins.
Settings are checked strictly: a misspelt key or a bad value is named, with
what is allowed, before anything is done.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from email.utils import formataddr, parseaddr
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

import yaml

from .errors import LscbError
from .spec.load import default_schemas_dir
from .spec.periods import Period, PeriodError, parse_period
from .spec.register import EMAIL, Register, check_register, default_register_path
from .wording import long_date

CONFIG_NAME = "lscb.yaml"
EMAIL_KINDS = ("invite", "chase", "feedback")

# Every setting, in the order written by `lscb init`, with what it means and what is allowed.
SETTINGS: dict[str, str] = {
    "collection": "which collection this round is for: one of the specs shipped with the tool",
    "period": "the period returns are for: a financial year such as 2025-26 or a quarter such as 2025-26-Q1",
    "deadline": "the date returns are due, written YYYY-MM-DD (for example 2026-05-15); empty for none",
    "sender": "the address emails come from: name@example.org or 'Name <name@example.org>'",
    "hub": "run the round for one hub only (a hub borough running it for its neighbours); empty for all of London",
    "register": "the register of authorities, with each coordinator's name and email (a CSV file)",
    "key_file": "the key that signs templates; returns are checked against it, so keep it and never send it",
    "template_password": "the password on the templates' sheets: a guard against accidents, not security",
    "inbox": "the folder where returns are saved as they arrive",
    "templates": "the folder for the templates sent to coordinators",
    "output": "the folder for the master workbook, feedback, profiles, CSVs and email drafts",
    "store": "the SQLite store; the archive of every file received sits beside it",
    "email_templates": "the folder of email texts (invite.txt, chase.txt, feedback.txt) you may edit",
    "comparators": ("published figures to show beside London, such as England's: a CSV file in the DfE open data "
                    "standard, or a list of them; empty for none"),
}
REQUIRED = ("collection", "period", "key_file")
DEFAULT_PATHS = {
    "register": "authorities.csv",
    "key_file": "signing.key",
    "inbox": "inbox",
    "templates": "templates",
    "output": "output",
    "store": "store/store.sqlite",
    "email_templates": "email-templates",
}
FOLDERS = ("inbox", "templates", "output", "email_templates")


class WorkspaceError(LscbError):
    """Settings that cannot be used; `problems` names each setting and says what is allowed."""

    def __init__(self, config: Path, problems: list[str], heading: str | None = None) -> None:
        self.config = config
        self.problems = problems
        heading = heading or f"the workspace settings in {config} have problems:"
        super().__init__(heading + "\n" + "\n".join(f"  {p}" for p in problems))


@dataclass(frozen=True)
class Workspace:
    """A checked workspace: every path absolute, every value parsed."""

    root: Path
    collection: str
    period: Period
    deadline: date | None
    sender: str | None
    hub: str | None
    register_path: Path
    key_file: Path
    template_password: str
    inbox: Path
    templates: Path
    output: Path
    store: Path
    email_templates: Path
    register: Register = field(repr=False, default_factory=Register)
    comparators: tuple[Path, ...] = ()

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def signing_key(self) -> bytes:
        """Read only, never made here: a workspace whose key is lost must not sign new templates silently."""
        return self.key_file.read_text().strip().encode()

    @property
    def sender_address(self) -> str | None:
        return parseaddr(self.sender)[1] if self.sender else None

    @property
    def round_register(self) -> Register:
        """The authorities this round is for: the workspace's hub, or all of them."""
        return self.register.in_hub(self.hub) if self.hub else self.register


def find_workspace(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding `lscb.yaml`."""
    start = Path(start).resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None


def load_workspace(root: Path) -> Workspace:
    """Read and check `root/lscb.yaml`; raise `WorkspaceError` listing every problem."""
    root = Path(root).resolve()
    config = root / CONFIG_NAME
    if not config.is_file():
        raise WorkspaceError(config, [f"there is no {CONFIG_NAME} in it: make a workspace with 'lscb init {root}'"],
                             heading=f"{root} is not a workspace:")
    raw, lines = _read_config(config)
    problems = check_settings(raw, root, lines)
    if problems:
        raise WorkspaceError(config, problems)
    return _workspace(root, raw)


def check_settings(raw: dict[str, Any], root: Path, lines: dict[str, int] | None = None) -> list[str]:
    """Every problem in the settings, each naming its key (and line) and what is allowed."""
    lines = lines or {}

    def at(key: str, message: str) -> str:
        return f"line {lines[key]}: {key}: {message}" if key in lines else f"{key}: {message}"

    problems = [at(k, f"is not a setting (check the spelling; settings are {', '.join(SETTINGS)})")
                for k in raw if k not in SETTINGS]
    problems += [f"{k}: is missing; add it: {SETTINGS[k]}" for k in REQUIRED if _blank(raw.get(k))]
    for key, check in _CHECKS.items():
        value = raw.get(key)
        if key in SETTINGS and not _blank(value) and (message := check(value, root, raw)):
            problems.append(at(key, message))
    return problems


def _check_collection(value: Any, root: Path, raw: dict) -> str | None:
    available = sorted(p.stem for p in default_schemas_dir().glob("*.yaml"))
    if str(value) not in available:
        return f"'{value}' is not a collection (collections: {', '.join(available)})"
    return None


def _check_period(value: Any, root: Path, raw: dict) -> str | None:
    try:
        parse_period(str(value))
    except PeriodError as exc:
        return str(exc)
    return None


def _check_deadline(value: Any, root: Path, raw: dict) -> str | None:
    return None if _as_date(value) else f"'{value}' is not a date: write it as YYYY-MM-DD, for example 2026-05-15"


def _check_sender(value: Any, root: Path, raw: dict) -> str | None:
    if not valid_sender(str(value)):
        return f"'{value}' is not an email address: write it as name@example.org or 'Name <name@example.org>'"
    return None


def _check_password(value: Any, root: Path, raw: dict) -> str | None:
    if not isinstance(value, str):
        return "should be text: put it in quotes"
    if len(value) > 255:
        return f"is {len(value)} characters long; Excel allows at most 255"
    return None


def _check_register(value: Any, root: Path, raw: dict) -> str | None:
    path = root / str(value)
    if not path.is_file():
        return f"{path} does not exist: copy the register there, or point 'register' at it"
    _, problems = check_register(path)
    if problems:
        return "has problems:\n" + "\n".join(f"    {p}" for p in problems)
    return None


def _check_hub(value: Any, root: Path, raw: dict) -> str | None:
    if not isinstance(value, str):
        return f"'{value}' should be the name of a hub borough, in quotes"
    path = root / str(raw.get("register") or DEFAULT_PATHS["register"])
    register, problems = check_register(path if path.is_file() else default_register_path())
    if problems:
        return None  # the register's own problems are reported under 'register'
    if not register.in_hub(value):
        return f"'{value}' is not a hub in the register (hubs: {', '.join(register.hubs)})"
    return None


def comparator_paths(value: Any, root: Path) -> tuple[Path, ...]:
    values = value if isinstance(value, list) else [] if _blank(value) else [value]
    return tuple(root / str(v) for v in values)


def _check_comparators(value: Any, root: Path, raw: dict) -> str | None:
    if not isinstance(value, (str, list)):
        return "should be a file name, or a list of them"
    missing = [str(p) for p in comparator_paths(value, root) if not p.is_file()]
    return f"{', '.join(missing)} does not exist: save the published file there, or fix the name" if missing else None


def _check_key_file(value: Any, root: Path, raw: dict) -> str | None:
    path = root / str(value)
    if not path.is_file():
        return (f"{path} does not exist. Templates are signed with this key and returns are checked against it: "
                "put back your copy of the key, or, before any template has gone out, make a new "
                "workspace with 'lscb init'")
    if not path.read_text().strip():
        return f"{path} is empty: put back your copy of the key"
    return None


def _check_folder(value: Any, root: Path, raw: dict) -> str | None:
    path = root / str(value)
    if path.exists() and not path.is_dir():
        return f"{path} is a file, not a folder"
    return None


def _check_store(value: Any, root: Path, raw: dict) -> str | None:
    path = root / str(value)
    if path.is_dir():
        return f"{path} is a folder: name the store's file, for example store/store.sqlite"
    return None


_CHECKS = {
    "collection": _check_collection,
    "period": _check_period,
    "deadline": _check_deadline,
    "sender": _check_sender,
    "hub": _check_hub,
    "register": _check_register,
    "key_file": _check_key_file,
    "template_password": _check_password,
    "inbox": _check_folder,
    "templates": _check_folder,
    "output": _check_folder,
    "store": _check_store,
    "email_templates": _check_folder,
    "comparators": _check_comparators,
}


def valid_sender(text: str) -> bool:
    name, address = parseaddr(text)
    return bool(address) and EMAIL.match(address) is not None and "<" not in name


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


class _SettingsLoader(yaml.SafeLoader):
    """YAML without implicit dates: a deadline stays as typed, so a bad one gets our message, not YAML's."""


_SettingsLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read_config(config: Path) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        text = config.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=_SettingsLoader)
        data = yaml.load(text, Loader=_SettingsLoader)
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkspaceError(config, [f"cannot be read: {exc}"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise WorkspaceError(config, [f"{where}not valid YAML: {getattr(exc, 'problem', None) or exc}"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise WorkspaceError(config, ["should be a list of settings, one 'key: value' a line"])
    lines = {}
    if isinstance(node, yaml.MappingNode):
        lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
    return {str(k): v for k, v in data.items()}, lines


def _workspace(root: Path, raw: dict[str, Any]) -> Workspace:
    def path(key: str) -> Path:
        value = raw.get(key)
        return root / str(DEFAULT_PATHS[key] if _blank(value) else value)

    register_path = path("register")
    register, _ = check_register(register_path)
    return Workspace(
        root=root,
        collection=str(raw["collection"]),
        period=parse_period(str(raw["period"])),
        deadline=_as_date(raw.get("deadline")),
        sender=None if _blank(raw.get("sender")) else str(raw["sender"]).strip(),
        hub=None if _blank(raw.get("hub")) else _hub_name(register, str(raw["hub"])),
        register_path=register_path,
        key_file=path("key_file"),
        template_password=str(raw.get("template_password") or _default_password()),
        inbox=path("inbox"),
        templates=path("templates"),
        output=path("output"),
        store=path("store"),
        email_templates=path("email_templates"),
        register=register,
        comparators=comparator_paths(raw.get("comparators"), root),
    )


def _hub_name(register: Register, hub: str) -> str:
    chosen = register.in_hub(hub)
    return chosen[0].hub if chosen else hub


def _default_password() -> str:
    from .templates.protect import SHEET_PASSWORD

    return SHEET_PASSWORD


# Making a workspace ---------------------------------------------------------------------------


def latest_ended_year(today: date) -> Period:
    """The last financial year to have ended by `today`: the usual subject of a round."""
    start = today.year - 1 if today.month >= 4 else today.year - 2
    return Period(start)


def init_workspace(root: Path, collection: str = "dataset", period: str | None = None,
                   deadline: str | None = None, sender: str | None = None, hub: str | None = None,
                   today: date | None = None) -> Workspace:
    """Make the folders, the settings, the register copy, a new signing key and the email texts.

    Refuses a folder that already holds a workspace, so a round's key is never
    replaced by accident.
    """
    root = Path(root).resolve()
    config = root / CONFIG_NAME
    if config.exists():
        raise WorkspaceError(config, [f"{root} is already a workspace; use it, or choose another folder"])
    raw: dict[str, Any] = {
        "collection": collection,
        "period": period or str(latest_ended_year(today or date.today())),
        "deadline": deadline or "",
        "sender": sender or "",
        "hub": hub or "",
        **DEFAULT_PATHS,
        "template_password": secrets.token_urlsafe(12),
    }
    problems = [p for p in check_settings(raw, root) if not p.startswith(("key_file", "register"))]
    if problems:
        raise WorkspaceError(config, problems)
    root.mkdir(parents=True, exist_ok=True)
    for key in FOLDERS:
        (root / DEFAULT_PATHS[key]).mkdir(parents=True, exist_ok=True)
    (root / DEFAULT_PATHS["store"]).parent.mkdir(parents=True, exist_ok=True)
    _copy_if_absent(default_register_path(), root / DEFAULT_PATHS["register"])
    _write_key(root / DEFAULT_PATHS["key_file"])
    for name in (f"{kind}.txt" for kind in EMAIL_KINDS):
        _copy_if_absent(_shipped_email_text(name), root / DEFAULT_PATHS["email_templates"] / name)
    problems = check_settings(raw, root)
    if problems:
        raise WorkspaceError(config, problems)
    _write_config(config, raw)
    return load_workspace(root)


def _shipped_email_text(name: str) -> Path:
    return Path(str(resources.files("lscb_workbooks") / "emails" / name))


def _copy_if_absent(source: Path, target: Path) -> None:
    if not target.exists():
        shutil.copyfile(source, target)


def _write_key(path: Path) -> None:
    """A new random key, readable by the owner only; an existing key is never replaced."""
    if path.exists():
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))


def _write_config(config: Path, raw: dict[str, Any]) -> None:
    lines = [
        "# lscb workspace: the settings for one collection round.",
        "# Every lscb command run in this folder, or in a folder below it, uses them;",
        "# a flag given on the command line still wins. Paths are relative to this folder.",
        "# Unknown keys are refused, so a misspelt setting never goes unnoticed.",
        "",
    ]
    for key in SETTINGS:
        lines.append(f"# {SETTINGS[key][0].upper()}{SETTINGS[key][1:]}.")
        lines.append(f"{key}: {_yaml_scalar(raw.get(key))}".rstrip())
        lines.append("")
    config.write_text("\n".join(lines), encoding="utf-8")


def _yaml_scalar(value: Any) -> str:
    if _blank(value):
        return ""
    return yaml.safe_dump(str(value), default_style='"').strip()


# The audit log --------------------------------------------------------------------------------


@dataclass
class AuditRun:
    """One command as recorded in the store's audit log; `note` adds what it changed."""

    id: int
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if text:
            self.notes.append(text)


@contextmanager
def audit_run(store_path: Path, command: str, command_line: str) -> Iterator[AuditRun]:
    """Record a command in the store's `runs` table: when, the command line, and what changed.

    A command that fails is recorded too, with why, so the log shows every
    attempt the officer made.
    """
    from .store.db import Store

    store = Store(store_path)
    try:
        run = AuditRun(store.start_run(now_text(), command, command_line))
    finally:
        store.close()
    try:
        yield run
    except BaseException as exc:
        _finish(store_path, run.id, "; ".join(run.notes + [f"failed: {_reason(exc)}"]))
        raise
    _finish(store_path, run.id, "; ".join(run.notes) or "nothing changed")


def _finish(store_path: Path, run_id: int, changes: str) -> None:
    from .store.db import Store

    store = Store(store_path)
    try:
        store.finish_run(run_id, changes)
    finally:
        store.close()


def _reason(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return str(message).splitlines()[0]


def now_text() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def sender_display(sender: str) -> str:
    """`Name <address>` as written in a From header."""
    name, address = parseaddr(sender)
    return formataddr((name, address)) if name else address


def describe_deadline(deadline: date | None) -> str:
    """'Friday 15 May 2026', as people write a date."""
    return long_date(deadline, weekday=True) if deadline else ""
