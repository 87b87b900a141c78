"""Real templates, filled in as coordinators would, for collation tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from lscb_workbooks.config import signing_key
from lscb_workbooks.demo.coordinator import Entries, fill_template
from lscb_workbooks.demo.synthetic import synthetic_entries
from lscb_workbooks.spec.periods import parse_period
from lscb_workbooks.templates.render import write_templates

PERIOD = parse_period("2026-27")


@pytest.fixture(scope="session")
def key(tmp_path_factory) -> bytes:
    return signing_key(tmp_path_factory.mktemp("key") / "signing.key")


@pytest.fixture(scope="session")
def templates(tmp_path_factory, spec, register, key) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("templates")
    paths = write_templates(spec, register, PERIOD, folder, key)
    return {a.la_code: p for a, p in zip(register, paths)}


@pytest.fixture
def make_return(templates, spec, register, tmp_path):
    """A filled return for an authority: synthetic figures, changed as the test asks."""

    def make(la_code: str, name: str | None = None, folder: Path | None = None,
             change=None, entries: Entries | None = None) -> tuple[Path, Entries]:
        entries = entries or synthetic_entries(spec, register.by_code(la_code), PERIOD)
        if change:
            change(entries)
        out = (folder or tmp_path / "inbox") / (name or f"return-{la_code}.xlsx")
        return fill_template(templates[la_code], entries, out), entries

    return make
