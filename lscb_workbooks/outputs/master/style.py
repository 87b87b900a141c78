"""The master workbook's fixed choices: colours by verdict and status, letters, column widths, sizes."""

from __future__ import annotations

import math

from ...spec.models import Field
from .. import palette, xlsx
from ..comparison import ESTIMATED, MISSING, NOT_AVAILABLE, NO_RETURN, PROVIDED, REJECTED, SMALL_NUMBER, is_score
from .figures import STATUS_WORDS


STATUS_CODES = {PROVIDED: "P", ESTIMATED: "E", NOT_AVAILABLE: "N", MISSING: "M", "suppressed": "P",
                REJECTED: "R", NO_RETURN: "-"}
VERDICT_STYLE = {verdict: (c.fill, c.text) for verdict, c in palette.VERDICT.items() if verdict != "not compared"} | {
    SMALL_NUMBER: (palette.NOT_COMPARED.fill, palette.NOT_COMPARED.text)}
SERIES_COLOURS = {verdict: c.fill for verdict, c in palette.VERDICT.items()} | {SMALL_NUMBER: palette.NOT_COMPARED.fill}
SERIES_NAMES = {
    "better": "Better than London", "similar": "Similar to London", "worse": "Worse than London",
    "higher": "Higher than London", "lower": "Lower than London", "not compared": "Authority",
    SMALL_NUMBER: "Small number (not compared)",
}
# The returns tracker lists first the authorities whose return needs the officer to act.
ACTION_ORDER = {status: i for i, status in enumerate(
    ("Rejected", "Could not be read", STATUS_WORDS["tool_error"], "Not received", "Not a return",
     "Accepted with warnings", "Accepted"))}
COUNT_OF_THINGS = "0"  # counts of returns, issues or authorities: not counts of children, never suppressed
CHART_WIDTH, CHART_HEIGHT = 640, 480
# Authority, Hub, Value, Previous, Change, Change since previous ('no significant change'), Lower, Upper,
# Numerator, Denominator, Rank, Quartile, vs London, vs hub, Data quality, gap; a figure's column holds
# 'not available' and 'rejected' whole
BLOCK_WIDTHS = [22, 12, 11, 11, 11, 18, 11, 11, 11, 12, 11, 11, 11, 11, 13, 2]
ENGLAND_WIDTH = 13  # the gap column, when it holds the comparison with England
GROUP_WIDTHS = [18, 12, 10, 10, 11, 12, 11]  # London and groups, beside each indicator's chart ('12 of 30 Yes')
OVERVIEW_COLUMNS = 10
LINKS_PER_ROW, LINK_SPAN = 4, 3  # links to each indicator's section, four to a row, each across three columns
SPREAD_LABELS = (("lowest", "Lowest authority"), ("q1", "25th percentile"), ("median", "Median authority"),
                 ("q3", "75th percentile"), ("highest", "Highest authority"))
DIRECTION_LETTERS = {"improving": "I", "worsening": "W", "no change": "=", "no significant change": "=",
                     "higher": "H", "lower": "L", SMALL_NUMBER: "*"}
LETTERS = {"better": "B", "similar": "S", "worse": "W", "higher": "H", "lower": "L", SMALL_NUMBER: "*"}
ROW_PX = 20
# Columns a workspace adds to the returns tracker: (column, header, width).
ROUND_COLUMNS = (("timing", "Against the deadline", 16), ("coordinator", "Coordinator", 28),
                 ("last_email", "Last email", 16))
TITLE = "Pan-London safeguarding dataset: master comparison workbook"


def number_format_for(f: Field) -> str:
    """The unit's format; a bounded score (0-3) is a plain number, not a count of children."""
    return "0" if is_score(f) else xlsx.number_format(f.unit)


def is_count(f: Field) -> bool:
    return f.unit == "count" and not f.derived and not is_score(f)


def with_suffix(num_format: str, suffix: str) -> str:
    """A number format that writes words after the figure: `0.0"%"` and ' (worse)' give `0.0"% (worse)"`."""
    if num_format.endswith('"'):
        return num_format[:-1] + suffix.replace('"', "") + '"'
    return f'{num_format}"{suffix}"'


def header_height(headers: list[str], width: float) -> float:
    lines = max((math.ceil(len(h) * 1.25 / max(width - 1, 1)) for h in headers), default=1)
    return min(15 * lines + 6, 170)


