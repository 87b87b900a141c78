"""Reading what a coordinator typed: tolerant where the meaning is clear, strict where it is not.

`" 12 "` and `"1,234"` are numbers; `"45%"` in a percentage is 45; `"n/a"`, `"-"` or
`"see note"` in a count is a problem naming the cell, never a silent zero or blank; so is a figure
of 16 digits or more (`1E+20`), which a spreadsheet cannot hold exactly and no return needs.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time

from ..intake.xml_scan import column_letters
from ..spec.models import Field
from ..wording import SIGNIFICANT_DIGITS, figure

# Thousands may be grouped with commas or spaces (ordinary, no-break or narrow), the same all through:
# "1,234" and "1 234 567" are numbers, "12 15" (two figures in one box) is not.
NUMBER = re.compile(r"^[+-]?(\d{1,3}(?P<sep>[, \u00a0\u202f])\d{3}((?P=sep)\d{3})*|\d+)(\.\d+)?$|^[+-]?\.\d+$")
# What a program leaves of a whole number after floating-point arithmetic (0.1 * 3 * 270).
WHOLE_NUMBER_NOISE = 1e-9
# From here on a spreadsheet no longer holds every digit of a number: it cannot be a figure someone counted.
TOO_LARGE = 10.0 ** SIGNIFICANT_DIGITS
TOO_LARGE_RULE = "too_large"
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y", "%d-%m-%Y", "%d %B %Y", "%d %b %Y")


@dataclass(frozen=True)
class Parsed:
    """A cell's value as stored: text as received, the number where there is one, or why not."""

    text: str | None
    number: float | None = None
    problem: str | None = None
    rule: str = ""  # the rule where the problem is more than "not a number" or "not a date"

    @property
    def blank(self) -> bool:
        return self.text is None and self.problem is None


BLANK = Parsed(None)


def parse_cell(raw: object, field: Field) -> Parsed:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return BLANK
    if isinstance(raw, float) and math.isnan(raw):
        return BLANK
    if field.numeric:
        return _parse_number(raw, field)
    if field.unit in ("yes_no", "choice"):
        return _parse_choice(raw, field)
    if field.unit == "date":
        return _parse_date(raw)
    return Parsed(_as_text(raw))


def _parse_number(raw: object, field: Field) -> Parsed:
    if isinstance(raw, bool):
        shown = str(raw).upper()  # as the spreadsheet shows it
        return Parsed(shown, problem=f"{quoted(shown)} is not a number")
    if isinstance(raw, (int, float)):
        number = _without_noise(float(raw))
        if _is_too_large(number):
            return _too_large(figure(number), figure(number))
        return Parsed(_number_text(number), number)
    if isinstance(raw, time):
        return Parsed(_as_text(raw), problem=f"{quoted(raw)} is a time of day, not a number")
    if isinstance(raw, (datetime, date)):
        return Parsed(_as_text(raw), problem=f"{quoted(raw)} is a date, not a number")
    text = str(raw).strip()
    candidate = text
    if field.unit == "percentage" and candidate.endswith("%"):
        candidate = candidate[:-1].rstrip()
    if NUMBER.match(candidate):
        number = _without_noise(float(re.sub(r"[, \u00a0\u202f]", "", candidate)))
        if _is_too_large(number):
            return _too_large(text, quoted(text))
        return Parsed(_number_text(number), number)
    return Parsed(text, problem=f"{quoted(text)} is not a number")


def _is_too_large(number: float) -> bool:
    return not abs(number) < TOO_LARGE  # infinity too; not-a-number never gets here


def _too_large(text: str, shown: str) -> Parsed:
    """Kept as the text the coordinator sees, never as a number: it must not reach the figures."""
    return Parsed(text, problem=f"{shown} is too large to be a figure (it has more than {SIGNIFICANT_DIGITS} "
                                 "digits, more than a spreadsheet holds exactly); please check it",
                  rule=TOO_LARGE_RULE)


def _without_noise(number: float) -> float:
    """A number within 1e-9 of a whole number is that whole number: 81.00000000000001 is 81."""
    if math.isfinite(number) and abs(number - round(number)) <= WHOLE_NUMBER_NOISE:
        return float(round(number))
    return number


def _parse_choice(raw: object, field: Field) -> Parsed:
    text = _as_text(raw).strip()
    aliases = {o.lower(): o for o in field.options}
    if field.unit == "yes_no":
        aliases.update({"y": "Yes", "n": "No", "true": "Yes", "false": "No"})
    return Parsed(aliases.get(text.lower(), text))


def _parse_date(raw: object) -> Parsed:
    if isinstance(raw, datetime):
        return Parsed(raw.date().isoformat())
    if isinstance(raw, date):
        return Parsed(raw.isoformat())
    text = _as_text(raw).strip()
    for pattern in DATE_FORMATS:
        try:
            return Parsed(datetime.strptime(text, pattern).date().isoformat())
        except ValueError:
            continue
    return Parsed(text, problem=f"{quoted(text)} is not a date")


def _as_text(raw: object) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime) and raw.time() == time(0):
        return raw.date().isoformat()
    return str(raw)


def _number_text(number: float) -> str:
    return str(int(number)) if number.is_integer() else repr(number)


def quoted(raw: object) -> str:
    """What was typed, as a message quotes it: in quotes, and cut short after 40 characters."""
    text = str(raw)
    return f"'{text[:40]}…'" if len(text) > 40 else f"'{text}'"


def a1(row: int, col: int) -> str:
    """A cell's address as a coordinator sees it, from its row and column numbers (both from 1)."""
    return f"{column_letters(col)}{row}"
