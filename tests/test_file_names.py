"""Every file name the tool makes up is valid on Windows, where most project officers work."""

from __future__ import annotations

import re

from lscb_workbooks.emails.drafts import hub_folder
from lscb_workbooks.spec.load import default_schemas_dir, load_spec
from lscb_workbooks.spec.periods import parse_period
from lscb_workbooks.templates.render import template_file_name

RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def windows_safe(name: str) -> bool:
    stem = name.split(".")[0].upper()
    return (re.fullmatch(r"[A-Za-z0-9._ -]+", name) is not None and stem not in RESERVED
            and not name.endswith((" ", ".")) and len(name) < 100)


def test_names_of_templates_profiles_feedback_drafts_and_hub_folders_are_windows_safe(register):
    specs = [load_spec(p) for p in sorted(default_schemas_dir().glob("*.yaml"))]
    names = [template_file_name(s, a, parse_period(p)) for s in specs for a in register for p in ("2026-27", "2026-27-Q4")]
    names += [f"{a.file_stem}.xlsx" for a in register]  # profiles, feedback
    names += [f"{kind}-{a.file_stem}.eml" for kind in ("invite", "chase", "feedback") for a in register]
    names += [hub_folder(h) for h in register.hubs]
    names += ["store.sqlite.lock", "lscb-tool-errors.log", "lscb-demo-folder.txt"]
    assert names and [n for n in names if not windows_safe(n)] == []
