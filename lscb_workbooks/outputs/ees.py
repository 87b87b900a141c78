"""The collated dataset in the Department for Education's open data standard (the files behind EES).

One data file and its metadata file: London, inner and outer London as
Regional rows, then every authority, with each number of the return (counts
and the rates and percentages derived from them) as an indicator column named
from the spec. Where there is no figure the file says why with a GSS symbol:
`x` not available (not returned, rejected, left blank or marked 'Not
available'), `c` suppressed, `z` not applicable (a rate on a zero
denominator). The files are checked against the standard's rules before they
are written, and nothing is written when they fail.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..atomic import replacing
from ..errors import LscbError
from ..opendata.standard import (
    CONFIDENTIAL,
    ENGLAND,
    INNER_OUTER_REGIONS,
    LOCAL_AUTHORITY,
    LONDON,
    META_COLUMNS,
    NOT_APPLICABLE,
    OBSERVATIONAL_COLUMNS,
    REGIONAL,
    UNAVAILABLE,
    check_files,
    number_text,
    time_of,
)
from ..spec.models import Field, Spec
from ..spec.periods import parse_period
from ..spec.register import Register
from .comparison import ESTIMATED, PROVIDED, Comparison, compare_period

UNITS = {"percentage": "%"}


class ExportError(LscbError):
    """The export would break the open data standard, or there is nothing to export."""


@dataclass
class EesExport:
    data: Path
    metadata: Path
    periods: list[str]
    rows: int
    indicators: int


def export_fields(spec: Spec) -> list[Field]:
    """The numbers of the return, in spec order: every count and every rate or percentage derived from them."""
    return [f for f in spec.form_fields if f.numeric]


def decimal_places(field: Field) -> int:
    return 0 if field.unit == "count" and not field.derived else 1


def metadata_rows(spec: Spec) -> list[list[str]]:
    """One row per indicator; a label shared by a count and its percentage gets its unit added, so each is unique."""
    fields = export_fields(spec)
    labels = [f.label for f in fields]
    rows = []
    for f in fields:
        label = f.label if labels.count(f.label) == 1 else f"{f.label} ({_unit_words(f)})"
        rows.append([f.export_column, "Indicator", label, spec.theme_titles.get(f.theme or "", ""),
                     UNITS.get(f.unit, ""), str(decimal_places(f)), "", ""])
    return rows


def _unit_words(field: Field) -> str:
    return {"count": "number", "percentage": "percentage", "rate_per_10000": "rate per 10,000"}.get(field.unit, field.unit)


def data_header(spec: Spec) -> list[str]:
    return [*OBSERVATIONAL_COLUMNS, *(f.export_column for f in export_fields(spec))]


def data_rows(comparison: Comparison) -> list[list[str]]:
    """London, inner and outer London, then each authority of the register, for one period."""
    spec, period = comparison.spec, parse_period(comparison.period)
    fields = export_fields(spec)
    time = list(time_of(period))
    rows = []
    for group_type, group, (code, name) in (("London", "London", LONDON),
                                            *(("Inner/Outer", side, region) for side, region in INNER_OUTER_REGIONS.items())):
        figures = comparison.rows_by_group.get((group_type, group))
        if figures is None:
            continue
        geography = [REGIONAL, *ENGLAND, code, name, "", "", ""]
        rows.append(time + geography + [_group_cell(f, figures.get(f.id)) for f in fields])
    for authority in comparison.register:
        figures = comparison.rows_by_authority.get(authority.la_code, {})
        region = INNER_OUTER_REGIONS.get(authority.inner_outer, LONDON)  # as the Department's own files place them
        geography = [LOCAL_AUTHORITY, *ENGLAND, *region, authority.la_code, authority.ons_code, authority.name]
        rows.append(time + geography + [_authority_cell(f, figures.get(f.id)) for f in fields])
    return rows


def _authority_cell(field: Field, row: dict | None) -> str:
    if row is None:
        return UNAVAILABLE
    if row.get("suppressed"):
        return CONFIDENTIAL
    if row["status"] not in (PROVIDED, ESTIMATED):
        return UNAVAILABLE
    return _figure(field, row["value"])


def _group_cell(field: Field, row: dict | None) -> str:
    if row is None or not row.get("authorities"):
        return UNAVAILABLE
    if row.get("suppressed"):
        return CONFIDENTIAL
    return _figure(field, row["value"])


def _figure(field: Field, value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NOT_APPLICABLE if field.derived else UNAVAILABLE
    return number_text(float(value), decimal_places(field))


def ees_tables(comparisons: list[Comparison]) -> tuple[list[str], list[list[str]], list[list[str]]]:
    """(header, data rows, metadata rows) for one or more periods of the same spec."""
    spec = comparisons[0].spec
    rows = [row for comparison in comparisons for row in data_rows(comparison)]
    return data_header(spec), rows, metadata_rows(spec)


def file_stem(spec: Spec, periods: list[str]) -> str:
    """`lscb_dataset_202627`, or `lscb_dataset_202526_to_202627` for several periods: no spaces, as EES asks."""
    times = [time_of(parse_period(p))[0] + (f"_q{parse_period(p).quarter}" if parse_period(p).quarter else "")
             for p in periods]
    return f"lscb_{spec.id}_" + (times[0] if len(times) == 1 else f"{times[0]}_to_{times[-1]}")


def periods_to_export(available: list[str], period: str | None) -> list[str]:
    """The period asked for; else every period of the latest one's kind (years and quarters never share a file)."""
    if period:
        if period not in available:
            raise ExportError(f"the store has no returns for {period} (periods: {', '.join(available) or 'none'})")
        return [period]
    if not available:
        raise ExportError("the store has no returns yet: run 'lscb collate' first")
    ordered = sorted(available, key=lambda p: parse_period(p).sort_key())
    kind = parse_period(ordered[-1]).kind
    return [p for p in ordered if parse_period(p).kind == kind]


def comparisons_for_export(values_by_period: dict[str, pd.DataFrame], spec: Spec, register: Register,
                           suppress: bool) -> list[Comparison]:
    fields = export_fields(spec)
    out = []
    for period, values in values_by_period.items():
        out.append(compare_period(spec, register, values, period, fields=fields, suppress=suppress))
    return out


def export_ees(store, spec: Spec, register: Register, out_dir: Path, period: str | None = None,
               suppress: bool = False) -> EesExport:
    """Write the data file and metadata file into `out_dir`, after checking both against the standard."""
    if spec.kind != "dataset":
        raise ExportError(f"'{spec.id}' is a {spec.kind} survey; only a dataset collection can be exported as "
                          "official statistics")
    periods = periods_to_export(store.periods(spec.id), period)
    values = {p: store.values_in_use(spec.id, p) for p in periods}
    header, rows, meta = ees_tables(comparisons_for_export(values, spec, register, suppress))
    problems = check_files(header, rows, META_COLUMNS, meta)
    if problems:
        raise ExportError("the export would not meet the open data standard, so nothing was written:\n  "
                          + "\n  ".join(problems))
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = file_stem(spec, periods)
    data = _write(out_dir / f"{stem}.csv", header, rows)
    metadata = _write(out_dir / f"{stem}.meta.csv", list(META_COLUMNS), meta)
    return EesExport(data, metadata, periods, len(rows), len(meta))


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """UTF-8 without a byte-order mark, as the standard asks; written whole or not at all."""
    with replacing(path) as temporary, temporary.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path
