"""Tidy CSV exports that are safe to open in a spreadsheet.

A text value starting with `=`, `+`, `-`, `@`, tab or carriage return is prefixed
with `'` (OWASP's advice for CSV files that spreadsheets open); numbers untouched.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from ..atomic import replacing

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A number as the store keeps it in text (a value column holds numbers and text alike): written as it is.
PLAIN_NUMBER = re.compile(r"-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def safe_text(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading `'`; a number, even a negative one, does not."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not PLAIN_NUMBER.fullmatch(value):
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


def stream_csv(rows: Iterable[Sequence[object]], path: Path, columns: Sequence[str]) -> Path:
    """Write rows as they come (from a store query, say), atomically; a file whose content would not
    change is left as it is, so that its modification time still says when it last changed."""
    with replacing(path, unless_same=True) as temporary, temporary.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(v) for v in row])
    return path


def _cell(value: object) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return safe_text(value)
