"""Figures already published in the open data standard, read for comparison and for prefilling templates.

A published file is any CSV in the standard: the time and geography columns,
then filters and indicators. Which column holds which field of the spec is
said once, in the spec (`published: column, where, source`); a file this tool
exported itself is read by each field's own export column. National rows give
England's figures, Regional rows a region's (London, inner and outer London),
Local authority rows an authority's, by its three-digit code.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field as dataclass_field
from pathlib import Path

from ..errors import LscbError
from ..spec.models import Field, Spec
from .standard import (
    LOCAL_AUTHORITY,
    MANDATORY_COLUMNS,
    NATIONAL,
    NUMBER,
    REGIONAL,
    SYMBOLS,
    period_of,
)

ENGLAND_AREA = "England"
MAX_BYTES = 200 * 1024 * 1024


class PublishedError(LscbError):
    """A file that cannot be read as published figures; the message says what to do."""


@dataclass(frozen=True)
class Area:
    level: str   # National, Regional or Local authority
    code: str    # E92000001, a region code, or a three-digit authority code
    name: str


@dataclass(frozen=True)
class PublishedFigure:
    """One published cell: a number, or the GSS symbol published in its place."""

    value: float | None
    symbol: str | None
    source: str
    places: int = 0  # decimal places as published, so a figure worked out again can be matched with it


@dataclass
class Published:
    """Every figure found, by (area code, period, field id), with the areas and the files they came from."""

    figures: dict[tuple[str, str, str], PublishedFigure] = dataclass_field(default_factory=dict)
    areas: dict[str, Area] = dataclass_field(default_factory=dict)
    files: list[str] = dataclass_field(default_factory=list)
    notes: list[str] = dataclass_field(default_factory=list)

    def figure(self, area: str, period: str, field_id: str) -> PublishedFigure | None:
        return self.figures.get((area, str(period), field_id))

    def number(self, area: str, period: str, field_id: str) -> float | None:
        found = self.figure(area, period, field_id)
        return found.value if found else None

    def england_code(self) -> str | None:
        return next((code for code, a in self.areas.items() if a.level == NATIONAL), None)

    def periods(self) -> list[str]:
        return sorted({p for _, p, _ in self.figures})

    def fields(self) -> set[str]:
        return {f for _, _, f in self.figures}

    def ratio_figure(self, spec: Spec, area: str, period: str, field: Field) -> tuple[float | None, bool]:
        """A derived figure for an area, and whether it rests on published counts (and may be tested against).

        Where the numerator and denominator are published and agree with the
        published rate (to the places it is published to), the figure is
        worked out from them, exactly; where they do not agree (counts over
        different authorities, say), or only the rate is published, the
        published rate is used as it stands, for reference only.
        """
        ratio = field.parsed_expression.ratio if field.derived else None
        own = self.figure(area, period, field.id)
        published = own.value if own else None
        if ratio is None:
            return published, False
        numerator = self.number(area, period, ratio.numerator)
        denominator = self.number(area, period, ratio.denominator)
        if numerator is None or denominator is None or denominator <= 0:
            return published, False
        exact = numerator / denominator * ratio.multiplier
        if published is None or abs(exact - published) <= 0.5 * 10 ** -own.places + 1e-9:
            return exact, True
        return published, False


def load_published(paths: list[Path], spec: Spec) -> Published:
    published = Published()
    for path in paths:
        _read_into(published, Path(path), spec)
    if not published.figures:
        names = ", ".join(str(p) for p in paths)
        raise PublishedError(f"no figures for this dataset's fields were found in {names}: check that the file is in "
                             "the open data standard and that the spec names its columns under 'published'")
    return published


def _read_into(published: Published, path: Path, spec: Spec) -> None:
    rows = _rows(path)
    header = list(rows[0].keys()) if rows else []
    missing = [c for c in MANDATORY_COLUMNS if c not in header]
    if missing:
        raise PublishedError(f"{path.name} is not in the open data standard: it has no {', '.join(missing)} "
                             "column(s). Give a data file from explore-education-statistics, or one 'lscb export' wrote.")
    published.files.append(path.name)
    for f in spec.form_fields:
        if f.numeric:
            _read_field(published, path, rows, header, f)


def _rows(path: Path) -> list[dict[str, str]]:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise PublishedError(f"{path.name} is larger than {MAX_BYTES // 2**20} MB: give the file for the "
                                 "tables you need")
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise PublishedError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise PublishedError(f"{path.name} is not UTF-8 text: save it as 'CSV UTF-8' and try again") from None
    try:
        return list(csv.DictReader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise PublishedError(f"{path.name} is not a readable CSV file: {exc}") from None


def _read_field(published: Published, path: Path, rows: list[dict[str, str]], header: list[str], f: Field) -> None:
    """The field's published column (with its filters) if the file has it, else its own export column."""
    column, where, source = None, {}, path.name
    if f.published and f.published.column in header and all(c in header for c in f.published.where):
        column, where, source = f.published.column, f.published.where, f.published.source
    elif f.export_column in header:
        column = f.export_column
    if column is None:
        return
    seen: set[tuple[str, str]] = set()
    for row in rows:
        if any((row.get(c) or "").strip() != v for c, v in where.items()):
            continue
        area, period = _area(row), period_of(row.get("time_period", ""), row.get("time_identifier", ""))
        if area is None or period is None:
            continue
        figure = _figure((row.get(column) or "").strip(), source)
        if figure is None:
            continue
        key = (area.code, period, f.id)
        if key in seen:
            published.notes.append(f"{path.name}: more than one row for {area.name}, {period}, column {column}; "
                                   f"the first was used (name the filter under 'published: where' for {f.id})")
            continue
        seen.add(key)
        published.areas.setdefault(area.code, area)
        published.figures[key] = figure


def _area(row: dict[str, str]) -> Area | None:
    level = (row.get("geographic_level") or "").strip()
    if level == NATIONAL:
        code, name = row.get("country_code", ""), row.get("country_name", "")
    elif level == REGIONAL:
        code, name = row.get("region_code", ""), row.get("region_name", "")
    elif level == LOCAL_AUTHORITY:
        code, name = row.get("old_la_code", ""), row.get("la_name", "")
    else:
        return None
    code = (code or "").strip()
    return Area(level, code, (name or "").strip() or code) if code else None


def _figure(text: str, source: str) -> PublishedFigure | None:
    plain = text.replace(",", "")
    if NUMBER.match(plain):
        value = float(plain)
        places = len(plain.partition(".")[2])
        return PublishedFigure(value, None, source, places) if math.isfinite(value) else None
    if text in SYMBOLS:
        return PublishedFigure(None, text, source)
    return None
