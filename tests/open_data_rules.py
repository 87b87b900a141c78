"""The DfE open data standard's rules, restated for tests from the published standard and its screener.

They do not use `lscb_workbooks.opendata.standard`: the tool's own self-check
is tested against these, not trusted.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

PUBLISHED_ORDER = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name",
                   "region_code", "region_name", "old_la_code", "new_la_code", "la_name"]
META_HEADER = ["col_name", "col_type", "label", "indicator_grouping", "indicator_unit", "indicator_dp",
               "filter_hint", "filter_grouping_column"]
GSS_SYMBOLS = {"c", "x", "z", "low", "u"}
LONDON_REGIONS = {("E12000007", "London"), ("E13000001", "Inner London"), ("E13000002", "Outer London")}


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "UTF-8 without a byte-order mark"
    rows = list(csv.reader(raw.decode("utf-8").splitlines()))
    return rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]


def standard_problems(data: Path, meta: Path) -> list[str]:
    """The screener's rules, restated: what the Department's checker would fail."""
    header, rows = read(data)
    meta_header, meta_rows = read(meta)
    problems = []
    if header[:10] != PUBLISHED_ORDER:
        problems.append("observational columns")
    if any(not re.fullmatch(r"[a-z][a-z0-9_]{0,49}", c) for c in header) or len(set(header)) != len(header):
        problems.append("column names")
    if meta_header != META_HEADER:
        problems.append("metadata columns")
    indicators = [m["col_name"] for m in meta_rows if m["col_type"] == "Indicator"]
    if sorted(indicators) != sorted(header[10:]) or len(meta_rows) != len(indicators):
        problems.append("metadata rows")
    labels = [m["label"] for m in meta_rows]
    if len(set(labels)) != len(labels) or not all(labels):
        problems.append("labels")
    if any(m["indicator_unit"] not in ("", "%", "pp", "£", "£m") for m in meta_rows):
        problems.append("units")
    if any(m["indicator_dp"] and not m["indicator_dp"].isdigit() for m in meta_rows):
        problems.append("decimal places")
    for r in rows:
        if r["time_identifier"] != "Financial year" or not re.fullmatch(r"\d{6}", r["time_period"]) \
                or (int(r["time_period"][:4]) + 1) % 100 != int(r["time_period"][4:]):
            problems.append(f"time {r['time_period']} {r['time_identifier']}")
        if (r["country_code"], r["country_name"]) != ("E92000001", "England"):
            problems.append("country")
        if r["geographic_level"] == "Regional":
            if (r["region_code"], r["region_name"]) not in LONDON_REGIONS or r["old_la_code"] or r["new_la_code"] \
                    or r["la_name"]:
                problems.append(f"regional row {r['region_name']}")
        elif r["geographic_level"] == "Local authority":
            if not (re.fullmatch(r"\d{3}", r["old_la_code"]) and re.fullmatch(r"E09\d{6}", r["new_la_code"])
                    and r["la_name"] and (r["region_code"], r["region_name"]) in LONDON_REGIONS):
                problems.append(f"authority row {r['la_name']}")
        else:
            problems.append(f"level {r['geographic_level']}")
        for column in indicators:
            cell = r[column]
            if not (re.fullmatch(r"-?\d+(\.\d+)?", cell) or cell in GSS_SYMBOLS):
                problems.append(f"cell '{cell}' in {column}")
    keys = [tuple(r[c] for c in PUBLISHED_ORDER) for r in rows]
    if len(set(keys)) != len(keys):
        problems.append("duplicate rows")
    return problems
