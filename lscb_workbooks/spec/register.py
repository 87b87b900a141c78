"""The register of authorities: who returns, under which code, in which hub."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from .load import Problem, SpecError, default_schemas_dir

REQUIRED_COLUMNS = ("la_code", "name", "ons_code", "inner_outer", "sub_region", "hub")
OPTIONAL_COLUMNS = ("coordinator_name", "coordinator_email")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Authority:
    la_code: str
    name: str
    ons_code: str
    inner_outer: str
    sub_region: str
    hub: str
    coordinator_name: str = ""
    coordinator_email: str = ""

    @property
    def is_hub(self) -> bool:
        return self.hub == self.name

    @property
    def file_stem(self) -> str:
        """A file name a person can read: `302-Barnet`."""
        return f"{self.la_code}-{re.sub(r'[^A-Za-z0-9]+', '-', self.name).strip('-')}"


class Register(tuple):
    """The authorities in register order, looked up by DfE code."""

    def by_code(self, la_code: str) -> Authority | None:
        return next((a for a in self if a.la_code == str(la_code)), None)

    @property
    def hubs(self) -> list[str]:
        return sorted({a.hub for a in self})

    def in_hub(self, hub: str) -> "Register":
        return Register(a for a in self if a.hub.lower() == hub.lower())

    def coordinated_by(self, sender: str | None) -> "Register":
        """The authorities whose coordinator's email is `sender`'s (an email's sender address, as intake
        keeps it), ignoring case: whose a file most likely is when nothing in it says."""
        address = (sender or "").strip().lower()
        return Register(a for a in self if address and a.coordinator_email.strip().lower() == address)


def default_register_path() -> Path:
    return default_schemas_dir() / "authorities.csv"


def load_register(path: Path | None = None) -> Register:
    authorities, problems = check_register(path or default_register_path())
    if problems:
        raise SpecError(problems)
    return authorities


def check_register(path: Path) -> tuple[Register, list[Problem]]:
    name = str(path)
    if not path.exists():
        return Register(), [Problem(name, None, "", "register of authorities not found")]
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            return Register(), [Problem(name, 1, "header", f"missing column(s): {', '.join(missing)}")]
        unknown = [c for c in reader.fieldnames or [] if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
        problems = [Problem(name, 1, "header", f"unknown column '{c}'") for c in unknown]
        authorities = []
        for line, row in enumerate(reader, start=2):
            row_problems = _check_row(row, name, line)
            problems += row_problems
            if not row_problems:
                authorities.append(Authority(**{k: (row.get(k) or "").strip() for k in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}))
    problems += _check_unique(authorities, name)
    return Register(authorities), problems


def _check_row(row: dict[str, str], name: str, line: int) -> list[Problem]:
    problems = []
    for column in REQUIRED_COLUMNS:
        if not (row.get(column) or "").strip():
            problems.append(Problem(name, line, column, "is empty"))
    code = (row.get("la_code") or "").strip()
    if code and not re.fullmatch(r"\d{3}", code):
        problems.append(Problem(name, line, "la_code", f"'{code}' is not a three-digit DfE code"))
    email = (row.get("coordinator_email") or "").strip()
    if email and not EMAIL.match(email):
        problems.append(Problem(name, line, "coordinator_email", f"'{email}' is not an email address"))
    return problems


def _check_unique(authorities: list[Authority], name: str) -> list[Problem]:
    problems = []
    for column in ("la_code", "name", "ons_code"):
        values = [getattr(a, column) for a in authorities]
        for value in sorted({v for v in values if values.count(v) > 1}):
            problems.append(Problem(name, None, column, f"'{value}' appears more than once"))
    names = {a.name for a in authorities}
    for hub in sorted({a.hub for a in authorities} - names):
        problems.append(Problem(name, None, "hub", f"hub '{hub}' is not an authority in the register"))
    return problems
