"""Shared fixtures: every test gets its own signing key, never the user's."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

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




@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """`lscb demo` run once for the session: (its output folder, what it printed)."""
    from lscb_workbooks.cli import main

    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(main, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output
