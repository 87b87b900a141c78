"""A real workspace in a temporary folder, the `lscb` command run inside it, and returns typed as coordinators would."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from lscb_workbooks.cli import main
from lscb_workbooks.demo.coordinator import fill_template
from lscb_workbooks.demo.synthetic import synthetic_entries
from lscb_workbooks.spec.periods import parse_period
from lscb_workbooks.spec.register import load_register
from workspace_helpers import CONTACTS, DEADLINE, PERIOD, SENDER, add_contacts


@pytest.fixture
def lscb(monkeypatch):
    """Run `lscb ARGS` in a folder (the workspace by default), as the officer would type it."""

    def run(*args: str, cwd: Path | None = None, ok: bool = True):
        if cwd is not None:
            monkeypatch.chdir(cwd)
        result = CliRunner().invoke(main, [str(a) for a in args])
        if ok:
            assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
        return result

    return run


@pytest.fixture
def workspace(tmp_path, lscb, monkeypatch) -> Path:
    root = tmp_path / "round"
    lscb("init", root, "--period", PERIOD, "--deadline", DEADLINE, "--sender", SENDER, cwd=tmp_path)
    add_contacts(root / "authorities.csv", CONTACTS)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def send_return(spec):
    """A coordinator fills in the workspace's template for `la_code` and it lands in the inbox at `when`."""

    def send(root: Path, la_code: str, when: datetime, change=None, name: str | None = None) -> Path:
        register = load_register(root / "authorities.csv")
        authority = register.by_code(la_code)
        entries = synthetic_entries(spec, authority, parse_period(PERIOD))
        if change:
            change(entries)
        [template] = (root / "templates").glob(f"*_{authority.file_stem}.xlsx")
        path = fill_template(template, entries, root / "inbox" / (name or f"{authority.name} return.xlsx"))
        stamp = when.replace(tzinfo=timezone.utc).timestamp()
        os.utime(path, (stamp, stamp))
        return path

    return send
