"""Shared fixtures: every test gets its own signing key, never the user's."""

from __future__ import annotations

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


