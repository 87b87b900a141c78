"""Mapping and consultation rounds on real templates: written, filled in as coordinators would, collated."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from lscb_workbooks.collate import CollationReport, collate
from lscb_workbooks.config import signing_key
from lscb_workbooks.demo.coordinator import Entries, fill_template
from lscb_workbooks.demo.synthetic import synthetic_entries
from lscb_workbooks.spec.load import load_spec
from lscb_workbooks.spec.register import Authority
from lscb_workbooks.templates.render import write_templates

from survey_rounds import COLLECTIONS, PERIOD  # noqa: F401  (the fixtures use them)


@dataclass
class Round:
    """One collection's round: its templates, the returns filled in, what was typed, and the collation."""

    collection: str
    templates: dict[str, Path]
    returns: dict[str, Path]
    typed: dict[str, Entries]
    report: CollationReport

    @property
    def out(self) -> Path:
        return self.report.out_dir


@pytest.fixture(scope="session")
def survey_key(tmp_path_factory) -> bytes:
    return signing_key(tmp_path_factory.mktemp("survey-key") / "signing.key")


@pytest.fixture(scope="session")
def sample(register) -> list[Authority]:
    """Nine authorities from several hubs, so that hub summaries have more than one member."""
    return list(register)[::4] + [register.by_code("302")]


@pytest.fixture(scope="session")
def surveys():
    return {c: load_spec(c) for c in COLLECTIONS}


@pytest.fixture(scope="session")
def survey_templates(surveys, sample, survey_key, tmp_path_factory) -> dict[str, dict[str, Path]]:
    folder = tmp_path_factory.mktemp("survey-templates")
    return {c: {a.la_code: p for a, p in zip(sample, write_templates(surveys[c], sample, PERIOD, folder / c, survey_key))}
            for c in COLLECTIONS}


@pytest.fixture(scope="session")
def rounds(surveys, sample, survey_templates, survey_key, register, tmp_path_factory) -> dict[str, Round]:
    """Each collection collated once for the session, every sampled authority returning synthetic answers."""
    made = {}
    for c in COLLECTIONS:
        folder = tmp_path_factory.mktemp(f"round-{c}")
        typed, returns = {}, {}
        for authority in sample:
            entries = synthetic_entries(surveys[c], authority, PERIOD)
            typed[authority.la_code] = entries
            returns[authority.la_code] = fill_template(survey_templates[c][authority.la_code], entries,
                                                       folder / "inbox" / f"return-{authority.la_code}.xlsx")
        report = collate(folder / "inbox", folder / "out", collection=c, key=survey_key, register=register)
        made[c] = Round(c, survey_templates[c], returns, typed, report)
    return made


@pytest.fixture
def copy_template(tmp_path):
    def copy(path: Path, name: str | None = None) -> Path:
        target = tmp_path / "inbox" / (name or path.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copyfile(path, target))

    return copy
