"""Reporting periods: financial years (`2007-08`) and their quarters (`2007-08-Q4`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from ..errors import LscbError

PERIOD_PATTERN = re.compile(r"^(\d{4})-(\d{2})(?:-Q([1-4]))?$")


class PeriodError(LscbError, ValueError):
    """A period written in a form the tool does not know."""


@dataclass(frozen=True, order=True)
class Period:
    start_year: int
    quarter: int | None = None

    def __str__(self) -> str:
        year = f"{self.start_year}-{(self.start_year + 1) % 100:02d}"
        return f"{year}-Q{self.quarter}" if self.quarter else year

    @property
    def kind(self) -> str:
        return "quarter" if self.quarter else "year"

    @property
    def share_of_year(self) -> float:
        """How much of a year the period covers: what a year's range of a count is scaled by."""
        return 0.25 if self.quarter else 1.0

    @property
    def start(self) -> date:
        if not self.quarter:
            return date(self.start_year, 4, 1)
        month = 4 + 3 * (self.quarter - 1)
        return date(self.start_year + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> date:
        following = self.next()
        return following.start - timedelta(days=1)

    @property
    def sign_off_window(self) -> tuple[date, date]:
        """Dates a return for this period may be signed off: from its start to a year after its end."""
        return self.start, self.end + timedelta(days=366)

    def next(self) -> "Period":
        if not self.quarter:
            return Period(self.start_year + 1)
        if self.quarter == 4:
            return Period(self.start_year + 1, 1)
        return Period(self.start_year, self.quarter + 1)

    def previous(self) -> "Period":
        if not self.quarter:
            return Period(self.start_year - 1)
        if self.quarter == 1:
            return Period(self.start_year - 1, 4)
        return Period(self.start_year, self.quarter - 1)

    def sort_key(self) -> tuple[int, int]:
        return (self.start_year, self.quarter or 0)


def parse_period(text: str) -> Period:
    match = PERIOD_PATTERN.match(str(text).strip())
    if not match:
        raise PeriodError(
            f"'{text}' is not a period: write a financial year as 2007-08 or a quarter as 2007-08-Q4"
        )
    start, end, quarter = int(match[1]), int(match[2]), match[3]
    if (start + 1) % 100 != end:
        raise PeriodError(f"'{text}' is not a financial year: after {start} comes {(start + 1) % 100:02d}")
    return Period(start, int(quarter) if quarter else None)
