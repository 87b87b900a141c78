"""How the tool words counts, figures and dates for people: '1 error', '1,234', '2 May 2008', '5th'.

Messages, emails, templates and workbooks all say these the same way, from here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 error`, `3 errors`; `1 authority`, `2 authorities`; `many` for any other irregular plural."""
    return f"{n} {word}" if n == 1 else f"{n} {many or plural_of(word)}"


def plural_of(word: str) -> str:
    """The plural of a regular English noun: authority -> authorities, box -> boxes, day -> days."""
    if word.endswith("y") and word[-2:-1] not in tuple("aeiou"):
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def listed(items: list[str]) -> str:
    """`A`, `A and B`, `A, B and C`: names in a sentence."""
    return " and ".join(filter(None, (", ".join(items[:-1]), items[-1] if items else "")))


def neither_or_none(n: int) -> str:
    """`neither` of two, `none` of more: of tied versions, say."""
    return "neither" if n == 2 else "none"


# A spreadsheet holds a number to 15 significant digits; a message never quotes more than it holds.
SIGNIFICANT_DIGITS = 15


def figure(value: float) -> str:
    """A figure as every message quotes it: to 15 significant digits, thousands grouped (`1,234`,
    `1.903`, `0.3` for 0.30000000000000004), and from 1E+15 on as a spreadsheet shows it (`1E+20`),
    never as a run of digits the spreadsheet never held."""
    return f"{float(value) + 0.0:,.{SIGNIFICANT_DIGITS}G}"


def long_date(day: date, weekday: bool = False) -> str:
    """`2 May 2008`, or `Friday 2 May 2008` with its weekday."""
    return (f"{day:%A} " if weekday else "") + f"{day.day} {day:%B %Y}"


def date_and_time(moment: datetime) -> str:
    """`2 May 2008 at 10:15`."""
    return f"{long_date(moment)} at {moment:%H:%M}"


def when_received(value: Any) -> str:
    """A stored time (ISO text) as a person says it, `2 May 2008 at 10:15`; other text as it is."""
    text = "" if value is None else str(value)
    try:
        return date_and_time(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return text


def ordinal(n: int) -> str:
    """`1st`, `2nd`, `3rd`, `4th`, `11th`, `21st`."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
