"""Shared fixtures: every test gets its own signing key, never the user's."""

from __future__ import annotations

import os
import shutil

import pytest

from lscb_workbooks.spec.load import load_spec
from lscb_workbooks.spec.register import load_register


@pytest.fixture(autouse=True)
def own_config_dir(tmp_path_factory, monkeypatch):
    config = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("LSCB_CONFIG_DIR", str(config))
    monkeypatch.delenv("LSCB_KEY_FILE", raising=False)
    return config


@pytest.fixture(scope="session")
def spec():
    return load_spec("dataset")


@pytest.fixture(scope="session")
def register():
    return load_register()


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


# In CI (.ci/run sets CI=true) a missing LibreOffice is a failure, never a skip.
requires_libreoffice = pytest.mark.skipif(
    soffice_path() is None and not os.environ.get("CI"),
    reason="LibreOffice is not installed (.ci/run installs it)",
)
