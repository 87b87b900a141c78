"""`lscb spec check`: every problem in a spec and the register, with its place."""

from __future__ import annotations

from pathlib import Path

from .load import Problem, SpecError, check_spec_text, default_schemas_dir
from .register import check_register, default_register_path


def check_spec_file(path: Path) -> list[Problem]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [Problem(str(path), None, "", f"cannot be read: {exc}")]
    try:
        _, problems = check_spec_text(text, str(path))
    except SpecError as exc:
        return exc.problems
    return problems


def check_all(path: Path | None = None, register_path: Path | None = None) -> tuple[list[Problem], list[str]]:
    paths = [path] if path else sorted(default_schemas_dir().glob("*.yaml"))
    problems: list[Problem] = []
    for spec_file in paths:
        problems += check_spec_file(spec_file)
    register_file = register_path or default_register_path()
    problems += check_register(register_file)[1]
    return problems, [p.name for p in paths] + [register_file.name]
