"""The rules of the DfE open data standard for official statistics, as its screener applies them.

These are the files behind explore-education-statistics (EES): a tidy CSV of
time and geography columns followed by filters and indicators, and a
metadata CSV describing every filter and indicator. The rules here follow
the Department's published standard and the checks of its screener, so a
file that passes them here should pass there; each check returns plain
messages, never raises, so that every problem is reported at once.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Sequence

from ..spec.periods import Period

STANDARD_URL = "https://dfe-analytical-services.github.io/analysts-guide/statistics-production/ud.html"
SCREENER_URL = "https://github.com/dfe-analytical-services/eesyscreener"
SYMBOLS_URL = "https://analysisfunction.civilservice.gov.uk/policy-store/symbols-in-tables-definitions-and-help/"

# Observational units, in the order the Department's own files use.
TIME_COLUMNS = ("time_period", "time_identifier")
GEOGRAPHY_COLUMNS = ("geographic_level", "country_code", "country_name", "region_code", "region_name",
                     "old_la_code", "new_la_code", "la_name")
OBSERVATIONAL_COLUMNS = TIME_COLUMNS + GEOGRAPHY_COLUMNS
MANDATORY_COLUMNS = ("time_period", "time_identifier", "geographic_level", "country_code", "country_name")
META_COLUMNS = ("col_name", "col_type", "label", "indicator_grouping", "indicator_unit", "indicator_dp",
                "filter_hint", "filter_grouping_column")

NATIONAL, REGIONAL, LOCAL_AUTHORITY = "National", "Regional", "Local authority"
LEVEL_COLUMNS = {
    NATIONAL: (),
    REGIONAL: ("region_code", "region_name"),
    LOCAL_AUTHORITY: ("old_la_code", "new_la_code", "la_name"),
}
# Columns a row of each level may fill: its own and those of the levels above it, never those below.
LEVEL_MAY_FILL = {
    NATIONAL: (),
    REGIONAL: ("region_code", "region_name"),
    LOCAL_AUTHORITY: ("region_code", "region_name", "old_la_code", "new_la_code", "la_name"),
}
ENGLAND = ("E92000001", "England")
LONDON = ("E12000007", "London")
INNER_LONDON = ("E13000001", "Inner London")
OUTER_LONDON = ("E13000002", "Outer London")
REGIONS = dict([
    ("E12000001", "North East"), ("E12000002", "North West"), ("E12000003", "Yorkshire and The Humber"),
    ("E12000004", "East Midlands"), ("E12000005", "West Midlands"), ("E12000006", "East of England"),
    LONDON, ("E12000008", "South East"), ("E12000009", "South West"), INNER_LONDON, OUTER_LONDON,
])
INNER_OUTER_REGIONS = {"Inner": INNER_LONDON, "Outer": OUTER_LONDON}

# GSS symbols for what is not a number; the screener refuses the legacy ones and null-like words.
CONFIDENTIAL, UNAVAILABLE, NOT_APPLICABLE, ROUNDS_TO_ZERO, LOW_RELIABILITY = "c", "x", "z", "low", "u"
SYMBOLS = {
    CONFIDENTIAL: "confidential (suppressed to protect individuals)",
    UNAVAILABLE: "not available (missing, not returned, or rejected)",
    NOT_APPLICABLE: "not applicable (cannot be worked out, such as a rate on a zero denominator)",
    ROUNDS_TO_ZERO: "positive but rounds to zero",
    LOW_RELIABILITY: "low reliability",
}
LEGACY_SYMBOLS = ("~", ":")
NULL_LIKE = ("NULL", "Null", "null", "NA", "na", "N/A", "n/a", ".", "..", "-")
INDICATOR_UNITS = ("", "%", "pp", "£", "£m")
COLUMN_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_COLUMN_NAME = 50
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")

FINANCIAL_YEAR, REPORTING_YEAR = "Financial year", "Reporting year"
FINANCIAL_QUARTERS = tuple(f"Financial year Q{q}" for q in range(1, 5))
# Time identifiers and their time_period digits; only identifiers of one group may share a file.
TIME_IDENTIFIER_GROUPS: tuple[tuple[tuple[str, ...], int], ...] = (
    (("Calendar year",), 4),
    ((REPORTING_YEAR,), 4),
    (("Academic year",), 6),
    ((FINANCIAL_YEAR,), 6),
    (("Tax year",), 6),
    (("Autumn term", "Spring term", "Summer term", "Autumn and spring term"), 6),
    (("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
      "November", "December"), 4),
    (tuple(f"Calendar year Q{q}" for q in range(1, 5)), 4),
    (tuple(f"Academic year Q{q}" for q in range(1, 5)), 6),
    (FINANCIAL_QUARTERS, 6),
    (tuple(f"Tax year Q{q}" for q in range(1, 5)), 6),
    (tuple(f"Week {w}" for w in range(1, 53)), 4),
    (("Part 1 (April to September)", "Part 2 (October to March)"), 6),
)
TIME_DIGITS = {identifier: digits for group, digits in TIME_IDENTIFIER_GROUPS for identifier in group}


# --- time ---------------------------------------------------------------------------------------------

def time_of(period: Period) -> tuple[str, str]:
    """(time_period, time_identifier) of a period: 2024-25 is ('202425', 'Financial year')."""
    six = f"{period.start_year}{(period.start_year + 1) % 100:02d}"
    return six, (f"Financial year Q{period.quarter}" if period.quarter else FINANCIAL_YEAR)


def period_of(time_period: str, time_identifier: str) -> str | None:
    """The period a published row belongs to, or None for a kind of year the dataset does not use.

    A 'Reporting year' 2025 is the year to 31 March 2025, as the Department's
    children's social care collections report it, so it is financial year 2024-25.
    """
    text = str(time_period).strip()
    if time_identifier == REPORTING_YEAR and re.fullmatch(r"\d{4}", text):
        start = int(text) - 1
        return f"{start}-{(start + 1) % 100:02d}"
    if time_identifier in (FINANCIAL_YEAR, *FINANCIAL_QUARTERS) and _six_digit_year(text):
        start = int(text[:4])
        year = f"{start}-{(start + 1) % 100:02d}"
        return year if time_identifier == FINANCIAL_YEAR else f"{year}-{time_identifier[-2:]}"
    return None


def _six_digit_year(text: str) -> bool:
    return bool(re.fullmatch(r"\d{6}", text)) and (int(text[:4]) + 1) % 100 == int(text[4:])


# --- numbers as written -----------------------------------------------------------------------------------

def number_text(value: float, places: int) -> str:
    """A figure rounded half up (as published statistics are), to `places` decimal places."""
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return format(rounded, "f") if places else str(int(rounded))


def is_symbol(text: str) -> bool:
    return text in SYMBOLS


# --- the checks -------------------------------------------------------------------------------------------

Rows = Sequence[Sequence[str]]


def check_files(header: Sequence[str], rows: Rows, meta_header: Sequence[str], meta_rows: Rows) -> list[str]:
    """Every way the data file (`header`, `rows`) and its metadata break the standard; empty when none."""
    problems = check_header(header) + check_metadata(header, meta_header, meta_rows)
    if problems:
        return problems  # without the right columns the row checks would only repeat the same problem
    records = [dict(zip(header, row)) for row in rows]
    if any(len(row) != len(header) for row in rows):
        problems.append("some rows have a different number of cells from the header row")
    meta = [dict(zip(meta_header, row)) for row in meta_rows]
    indicators = [m["col_name"] for m in meta if m["col_type"] == "Indicator"]
    filters = [m["col_name"] for m in meta if m["col_type"] == "Filter"]
    return (problems + check_time(records) + check_geography(records) + check_indicators(records, indicators)
            + check_filters(records, filters) + check_duplicates(records, header, indicators))


def check_header(header: Sequence[str]) -> list[str]:
    problems = [f"the data file has no '{c}' column" for c in MANDATORY_COLUMNS if c not in header]
    problems += [f"column '{c}' appears more than once" for c in sorted({c for c in header if header.count(c) > 1})]
    problems += [f"column name '{c}' is not snake_case (lower-case letters, digits and underscores, starting "
                 "with a letter)" for c in header if not COLUMN_NAME.match(c)]
    problems += [f"column name '{c}' is longer than {MAX_COLUMN_NAME} characters" for c in header
                 if len(c) > MAX_COLUMN_NAME]
    observational = [c for c in header if c in OBSERVATIONAL_COLUMNS]
    if observational != [c for c in OBSERVATIONAL_COLUMNS if c in header] or header[:len(observational)] != observational:
        problems.append("time and geography columns must come first, in the order "
                        + ", ".join(OBSERVATIONAL_COLUMNS))
    return problems


def check_metadata(header: Sequence[str], meta_header: Sequence[str], meta_rows: Rows) -> list[str]:
    if list(meta_header) != list(META_COLUMNS):
        return [f"the metadata file's columns must be {', '.join(META_COLUMNS)}"]
    meta = [dict(zip(meta_header, row)) for row in meta_rows]
    names = [m["col_name"] for m in meta]
    problems = [f"metadata describes '{n}' more than once" for n in sorted({n for n in names if names.count(n) > 1})]
    problems += [f"metadata describes '{n}', which is not a column of the data file" for n in names if n not in header]
    problems += [f"metadata describes '{n}', a time or geography column it must leave out" for n in names
                 if n in OBSERVATIONAL_COLUMNS]
    problems += [f"column '{c}' has no row in the metadata file" for c in header
                 if c not in OBSERVATIONAL_COLUMNS and c not in names]
    labels = [m["label"] for m in meta]
    for m in meta:
        problems += _meta_row_problems(m)
    problems += [f"label '{label}' is used for more than one column" for label in sorted({x for x in labels if x and labels.count(x) > 1})]
    return problems


def _meta_row_problems(m: dict[str, str]) -> list[str]:
    name = m["col_name"]
    problems = []
    if m["col_type"] not in ("Filter", "Indicator"):
        problems.append(f"metadata for '{name}': col_type must be Filter or Indicator, not '{m['col_type']}'")
    if not m["label"].strip():
        problems.append(f"metadata for '{name}': label is blank")
    if m["indicator_unit"] not in INDICATOR_UNITS:
        problems.append(f"metadata for '{name}': indicator_unit '{m['indicator_unit']}' is not one of "
                        + ", ".join(repr(u) for u in INDICATOR_UNITS))
    if m["indicator_dp"] and not re.fullmatch(r"\d+", m["indicator_dp"]):
        problems.append(f"metadata for '{name}': indicator_dp must be blank or a whole number of 0 or more")
    if m["col_type"] == "Indicator" and (m["filter_hint"] or m["filter_grouping_column"]):
        problems.append(f"metadata for '{name}': an indicator has no filter_hint or filter_grouping_column")
    if m["col_type"] == "Filter" and (m["indicator_grouping"] or m["indicator_unit"] or m["indicator_dp"]):
        problems.append(f"metadata for '{name}': a filter has no indicator_grouping, indicator_unit or indicator_dp")
    return problems


def check_time(records: list[dict[str, str]]) -> list[str]:
    problems, groups = [], set()
    for i, r in enumerate(records, start=2):
        identifier, period = r["time_identifier"], r["time_period"]
        digits = TIME_DIGITS.get(identifier)
        if digits is None:
            problems.append(f"row {i}: time_identifier '{identifier}' is not one the standard allows")
            continue
        groups.add(next(n for n, (group, _) in enumerate(TIME_IDENTIFIER_GROUPS) if identifier in group))
        if not re.fullmatch(rf"\d{{{digits}}}", period):
            problems.append(f"row {i}: time_period '{period}' must be {digits} digits for '{identifier}'")
        elif digits == 6 and not _six_digit_year(period):
            problems.append(f"row {i}: time_period '{period}' must name two consecutive years, such as 202425")
    if len(groups) > 1:
        problems.append("the file mixes kinds of time_identifier (such as years and quarters); use one kind per file")
    return problems


def check_geography(records: list[dict[str, str]]) -> list[str]:
    problems = []
    for i, r in enumerate(records, start=2):
        level = r["geographic_level"]
        if level not in LEVEL_COLUMNS:
            problems.append(f"row {i}: geographic_level '{level}' is not one of {', '.join(LEVEL_COLUMNS)}")
            continue
        if (r["country_code"], r["country_name"]) != ENGLAND:
            problems.append(f"row {i}: country must be {ENGLAND[0]} {ENGLAND[1]}")
        problems += [f"row {i}: a {level} row needs {c}" for c in LEVEL_COLUMNS[level] if not r.get(c, "").strip()]
        problems += [f"row {i}: a {level} row must leave {c} blank" for c in GEOGRAPHY_COLUMNS[3:]
                     if c in r and c not in LEVEL_MAY_FILL[level] and r[c].strip()]
        problems += _code_problems(i, r)
    return problems


def _code_problems(i: int, r: dict[str, str]) -> list[str]:
    problems = []
    code, name = r.get("region_code", ""), r.get("region_name", "")
    if (code or name) and REGIONS.get(code) != name:
        problems.append(f"row {i}: region '{code} {name}' is not a region code and name of England")
    if r.get("old_la_code") and not re.fullmatch(r"\d{3}", r["old_la_code"]):
        problems.append(f"row {i}: old_la_code '{r['old_la_code']}' is not a three-digit code")
    if r.get("new_la_code") and not re.fullmatch(r"E(06|08|09|10)\d{6}", r["new_la_code"]):
        problems.append(f"row {i}: new_la_code '{r['new_la_code']}' is not a nine-character ONS local authority code")
    return problems


def check_indicators(records: list[dict[str, str]], indicators: list[str]) -> list[str]:
    problems = []
    for column in indicators:
        bad = {r[column] for r in records if not (NUMBER.match(r[column]) or is_symbol(r[column]))}
        if "" in bad:
            problems.append(f"indicator '{column}' has blank cells: write a GSS symbol such as x where there is no figure")
        for text in sorted(bad - {""}):
            kind = "a legacy symbol" if text in LEGACY_SYMBOLS else "a null-like word" if text in NULL_LIKE else "neither a number nor a GSS symbol"
            problems.append(f"indicator '{column}' holds '{text}', {kind} ({', '.join(SYMBOLS)} are allowed)")
    return problems


def check_filters(records: list[dict[str, str]], filters: list[str]) -> list[str]:
    problems = []
    for column in filters:
        values = [r[column] for r in records]
        if any(not v.strip() for v in values):
            problems.append(f"filter '{column}' has blank cells")
        if any(v != v.strip() for v in values):
            problems.append(f"filter '{column}' has values with spaces at either end")
    return problems


def check_duplicates(records: list[dict[str, str]], header: Sequence[str], indicators: list[str]) -> list[str]:
    keys = [tuple(r[c] for c in header if c not in indicators) for r in records]
    repeated = len(keys) - len(set(keys))
    return [f"{repeated} row(s) repeat the time, geography and filters of another row"] if repeated else []
