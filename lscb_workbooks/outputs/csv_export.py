"""Tidy CSV exports that are safe to open in a spreadsheet.

A text value starting with `=`, `+`, `-`, `@`, tab or carriage return is prefixed
with `'` (OWASP's advice for CSV files that spreadsheets open); numbers untouched.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterable

import pandas as pd

from ..atomic import replacing

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def write_csv(frame: pd.DataFrame, path: Path, columns: Iterable[str] | None = None) -> Path:
    """Write atomically: an interrupted run leaves the last good file in place."""
    columns = list(columns) if columns is not None else list(frame.columns)
    with replacing(path) as temporary, temporary.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in frame[columns].itertuples(index=False):
            writer.writerow([_cell(v) for v in row])
    return path


def _cell(value: object) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return safe_text(value)
