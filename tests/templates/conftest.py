"""Templates for the whole register, written once per test session and read back by the tests."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from lscb_workbooks.spec.periods import parse_period
from lscb_workbooks.templates.render import write_templates

KEY = b"template-tests-" + b"0" * 17
PERIOD = "2026-27"


@pytest.fixture(scope="session")
def key() -> bytes:
    return KEY


@pytest.fixture(scope="session")
def period():
    return parse_period(PERIOD)


@pytest.fixture(scope="session")
def written(spec, register, period, tmp_path_factory):
    """la_code -> path of every authority's template."""
    out = tmp_path_factory.mktemp("templates")
    paths = write_templates(spec, register, period, out, KEY, deadline="Friday 28 May 2027",
                            send_to="pan-london.dataset@example.org")
    return {a.la_code: p for a, p in zip(register, paths)}


@pytest.fixture(scope="session")
def barnet(register):
    return register.by_code("302")


@pytest.fixture(scope="session")
def barnet_path(written, barnet):
    return written[barnet.la_code]


@pytest.fixture()
def barnet_book(barnet_path):
    return load_workbook(barnet_path)
