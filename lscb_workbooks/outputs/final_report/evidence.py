"""What the report rests on: each collection's returns in use, read from whichever store holds them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from ...errors import LscbError
from ...spec.models import Field, Spec
from ...spec.register import Register
from ...store.db import IN_USE, Store
from ..good_practice_master import good_practice_examples
from ..survey_master import SurveyData, gather_survey
from .document import Source

SURVEY_TITLES = {"mapping": "Mapping survey", "consultation": "Consultation on the draft dataset",
                 "dataset": "Pilot dataset returns", "good_practice": "Good practice from LSCBs"}


class ReportError(LscbError):
    """The report cannot be drafted (no store given holds anything); the message says what to do."""


@dataclass
class Stores:
    """Several stores opened for reading; each collection is read from the first store that holds it."""

    paths: list[Path]
    opened: list[Store] = field(default_factory=list)

    def __enter__(self) -> "Stores":
        for path in self.paths:
            if not Path(path).is_file():
                self.close()
                raise ReportError(f"no store at {path}: give the store.sqlite that 'lscb collate' wrote")
            self.opened.append(Store(Path(path)))
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for store in self.opened:
            store.close()
        self.opened = []

    def holding(self, collection: str) -> Store | None:
        for store in self.opened:
            if store.periods(collection):
                return store
        return None


@dataclass
class Survey:
    """One survey's latest round: the answers in use and how many boards gave them."""

    data: SurveyData

    @property
    def spec(self) -> Spec:
        return self.data.spec

    @property
    def returns(self) -> int:
        return len(self.data.returned)

    def source(self, answering: int | None = None) -> Source:
        return Source(SURVEY_TITLES.get(self.spec.id, self.spec.title), self.spec.id, self.data.period,
                      self.returns if answering is None else answering, self.returns, len(self.data.register))


@dataclass
class Pilot:
    """The dataset's returns in use, period by period."""

    spec: Spec
    register: Register
    periods: list[str]
    values: dict[str, pd.DataFrame]
    submissions: dict[str, pd.DataFrame]

    @property
    def latest(self) -> str:
        return self.periods[-1]

    def returned(self, period: str) -> list[str]:
        values = self.values[period]
        order = [a.la_code for a in self.register]
        found = set(values.la_code) if not values.empty else set()
        return [code for code in order if code in found]

    def source(self, period: str | None = None, answering: int | None = None) -> Source:
        period = period or self.latest
        returns = len(self.returned(period))
        return Source(SURVEY_TITLES["dataset"], self.spec.id, period, returns if answering is None else answering,
                      returns, len(self.register))

    def sources(self) -> list[Source]:
        return [self.source(p) for p in self.periods]


@dataclass
class GoodPractice:
    """Examples of good practice sent in by any LSCB: one row per example."""

    spec: Spec
    period: str
    examples: pd.DataFrame  # board, and one column per field

    @property
    def boards(self) -> int:
        return self.examples.board.nunique() if not self.examples.empty else 0

    def source(self) -> Source:
        return Source(SURVEY_TITLES["good_practice"], self.spec.id, self.period, self.boards)


@dataclass
class Evidence:
    register: Register
    dataset_spec: Spec
    mapping: Survey | None
    consultation: Survey | None
    pilot: Pilot | None
    good_practice: GoodPractice | None
    produced_at: datetime


def gather(stores: Stores, specs: dict[str, Spec], register: Register, produced_at: datetime) -> Evidence:
    """Everything the report needs, read once. `specs` holds the spec of each collection by id."""
    surveys = {}
    for collection in ("mapping", "consultation"):
        store = stores.holding(collection)
        if store is not None and collection in specs:
            period = store.periods(collection)[-1]
            surveys[collection] = Survey(gather_survey(store, specs[collection], register, period, produced_at))
    return Evidence(register, specs["dataset"], surveys.get("mapping"), surveys.get("consultation"),
                    _pilot(stores, specs["dataset"], register), _good_practice(stores, specs.get("good_practice")),
                    produced_at)


def _pilot(stores: Stores, spec: Spec, register: Register) -> Pilot | None:
    store = stores.holding(spec.id)
    if store is None:
        return None
    periods = store.periods(spec.id)
    values = {p: store.values_in_use(spec.id, p) for p in periods}
    submissions = {p: store.submissions(spec.id, p) for p in periods}
    periods = [p for p in periods if not values[p].empty] or periods
    return Pilot(spec, register, periods, values, submissions)


def _good_practice(stores: Stores, spec: Spec | None) -> GoodPractice | None:
    store = stores.holding(spec.id) if spec is not None else None
    if store is None:
        return None
    period = store.periods(spec.id)[-1]
    return GoodPractice(spec, period, good_practice_examples(store, spec, period))


def answered(frame: pd.DataFrame, f: Field) -> int:
    """How many boards gave at least one answer to a field."""
    if frame.empty or f.id not in frame:
        return 0
    return int(frame[frame[f.id].notna()].la_code.nunique())


def in_use(submissions: pd.DataFrame) -> pd.DataFrame:
    return submissions[submissions.status.isin(IN_USE)] if not submissions.empty else submissions
