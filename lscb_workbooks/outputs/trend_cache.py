"""Each period's trend rows, kept beside the outputs so that a later run works out only what changed.

A trend row (an area's value on an indicator in one period, beside the period
before) follows from two periods' returns in use, the spec, the register and
the tool. The rows of each period are kept in the outputs folder's
`.lscb-cache`, under a fingerprint of all of those; a later run that finds the
same fingerprint reads them back instead of comparing both periods again. A
corrected return for the period shown changes that period's rows only: the
other periods' comparisons, years of them at national scale, are not made again.

The cache is the tool's own working file: anything it cannot read back exactly
(deleted, damaged, from another version of pandas) is worked out again.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import pandas as pd

from ..atomic import replacing
from .manifest import fingerprint

if TYPE_CHECKING:
    from ..store.db import Store

CACHE_FOLDER = ".lscb-cache"


@dataclass
class PeriodValues:
    """The values in use of each period, read only when that period must be compared.

    `digest(period)` says what the period's returns in use are (`Store.figures_digest`), for the
    cache; without it nothing is cached.
    """

    periods: list[str]
    read: Callable[[str], pd.DataFrame]
    digest: Callable[[str], str] | None = None

    @classmethod
    def of_store(cls, store: "Store", collection: str) -> "PeriodValues":
        """The periods with returns in use in the store, each read (and digested) when asked for."""
        return cls(store.periods(collection, in_use=True), lambda period: store.figures_in_use(collection, period),
                   lambda period: store.figures_digest(collection, [period], period))

    @classmethod
    def of_frame(cls, values: pd.DataFrame) -> "PeriodValues":
        """A long values frame of several periods, split by period."""
        if values.empty:
            return cls([], lambda period: values)
        by_period = dict(tuple(values.groupby(values.period.astype(str), sort=False)))
        return cls(list(by_period), lambda period: by_period.get(period, values.iloc[0:0]))


class TrendCache:
    """The trend rows of each period, in `folder/.lscb-cache`, under a fingerprint of what they rest on.

    `name` keeps apart rows worked out differently (the shared pack's, under disclosure control);
    `made_from` is what every period's rows rest on (tool version, spec, register, options).
    """

    def __init__(self, folder: Path, name: str, *made_from: object) -> None:
        self.folder = Path(folder) / CACHE_FOLDER
        self.name = name
        self.common = fingerprint(pd.__version__, *made_from)

    def key(self, period: str, digest: str, before: str | None, digest_before: str | None,
            values_only: bool = False) -> str:
        return fingerprint(self.common, period, digest, before, digest_before, values_only)

    def get(self, period: str, key: str) -> pd.DataFrame | None:
        try:
            with open(self._path(period), "rb") as handle:
                stored_key, rows = pickle.load(handle)
        except Exception:  # no rows yet, or rows this version cannot read: worked out again
            return None
        if stored_key != key or not isinstance(rows, pd.DataFrame):
            return None
        return rows

    def put(self, period: str, key: str, rows: pd.DataFrame) -> None:
        try:
            with replacing(self._path(period)) as temporary:
                temporary.write_bytes(pickle.dumps((key, rows), protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:  # a folder that cannot take it: the next run works the rows out again
            pass

    def _path(self, period: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in period)
        return self.folder / f"{self.name}-{safe}.pickle"
