"""What a coordinator may type in each box, and what the spreadsheet says when they get it wrong.

Every input cell of a template carries one of these rules as in-cell data
validation: a short title and the field's definition pop up when the box is
selected, and a plain-English alert stops a wrong entry as it is typed.
Excel caps titles at 32 characters and messages at 255, so texts are cut to
fit here, never by the spreadsheet writer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, Mapping

from ..spec.models import Field, Spec
from ..spec.periods import Period
from ..wording import figure, long_date

TITLE_LIMIT = 32
MESSAGE_LIMIT = 255
COMMENT_MAX_LENGTH = 1000
WHOLE_NUMBER_CEILING = 1_000_000_000
DECIMAL_LIMIT = 1_000_000_000_000
ELLIPSIS = "…"

Context = Literal["rated", "unrated", "table"]


@dataclass(frozen=True)
class InputRule:
    """One in-cell validation: the kind of value allowed, its limits, and the words around it."""

    kind: Literal["whole", "decimal", "list", "date", "length"]
    title: str
    message: str
    error_title: str
    error: str
    minimum: float | date | None = None
    maximum: float | date | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        for text, limit in ((self.title, TITLE_LIMIT), (self.error_title, TITLE_LIMIT),
                            (self.message, MESSAGE_LIMIT), (self.error, MESSAGE_LIMIT)):
            if excel_length(text) > limit:
                raise ValueError(f"'{text[:40]}...' is longer than Excel allows ({limit} characters)")


def excel_length(text: str) -> int:
    """Length as Excel counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def shorten(text: str, limit: int) -> str:
    """The text, cut at a word boundary with an ellipsis when it is longer than the limit."""
    text = " ".join(str(text).split())
    if excel_length(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-(") + ELLIPSIS


def value_rule(field: Field, period: Period, lists: Mapping[tuple[str, ...], str], context: Context) -> InputRule:
    """The rule for a collected field's value box (or each box of a table column)."""
    title = shorten(field.label, TITLE_LIMIT)
    message = shorten(field.definition or _default_message(field), MESSAGE_LIMIT)
    unit = field.unit
    if unit in ("count", "score"):
        low, high = _bound(field.lower_bound, 0), _bound(field.upper_bound, WHOLE_NUMBER_CEILING)
        return InputRule("whole", title, message, "Not a whole number",
                         _error(f"Type a whole number{_range_words(low, high, WHOLE_NUMBER_CEILING)}, with no text.",
                                context), minimum=low, maximum=high)
    if unit in {"number", "percentage", "rate_per_10000"}:
        low, high = _bound(field.lower_bound, -DECIMAL_LIMIT), _bound(field.upper_bound, DECIMAL_LIMIT)
        if unit == "percentage":
            low, high = _bound(field.min, 0), _bound(field.max, 100)
        noun = {"number": "number", "percentage": "percentage", "rate_per_10000": "rate per 10,000"}[unit]
        extra = ", without the % sign" if unit == "percentage" else ", with no text"
        return InputRule("decimal", title, message, f"Not a {noun}",
                         _error(f"Type a {noun}{_range_words(low, high, DECIMAL_LIMIT)}{extra}. "
                                "Decimals are allowed.", context), minimum=low, maximum=high)
    if unit in {"yes_no", "choice"}:
        choose = "Choose Yes or No" if unit == "yes_no" else "Choose one of the options"
        return InputRule("list", title, message, "Choose from the list",
                         _error(f"{choose} from the list: click the arrow beside the box.", context),
                         source=lists[field.options])
    if unit == "date":
        first, last = period.sign_off_window
        return InputRule("date", title, message, "Not a date in range",
                         _error(f"Type a date from {long_date(first)} to {long_date(last)}, "
                                f"for example {last - (last - first) / 2:%d/%m/%Y}.", context),
                         minimum=first, maximum=last)
    return InputRule("length", title, message, "Too long",
                     f"Keep this to {field.max_length:,} characters or fewer. "
                     "Put any longer explanation in a covering email.", maximum=field.max_length)


def rating_rule(spec: Spec, lists: Mapping[tuple[str, ...], str]) -> InputRule:
    options = ", ".join(spec.ratings)
    message = (f"How sure are you of this figure? Choose {options}. If you do not have it, leave the value "
               f"blank, choose '{spec.not_available_rating}' and say why in the comment.")
    return InputRule("list", "Data quality", shorten(message, MESSAGE_LIMIT), "Choose from the list",
                     shorten(f"Choose one of {options} from the list: click the arrow beside the box.",
                             MESSAGE_LIMIT),
                     source=lists[tuple(spec.ratings)])


def comment_rule() -> InputRule:
    return InputRule("length", "Comment",
                     "Anything the reader should know about this figure: why it is not available, how it was "
                     f"estimated, or what changed since last time. Up to {COMMENT_MAX_LENGTH:,} characters.",
                     "Comment too long",
                     f"Keep the comment to {COMMENT_MAX_LENGTH:,} characters or fewer. Put any longer "
                     "explanation in a covering email.", maximum=COMMENT_MAX_LENGTH)


def _default_message(field: Field) -> str:
    how = {
        "count": "Type a whole number.",
        "score": f"Type a whole number from {field.min:g} to {field.max:g}." if field.min is not None and field.max is not None else "Type a score.",
        "number": "Type a number.",
        "percentage": "Type a percentage from 0 to 100.",
        "rate_per_10000": "Type a rate per 10,000.",
        "yes_no": "Choose Yes or No from the list.",
        "choice": "Choose from the list.",
        "date": "Type a date, for example 30/06/2027.",
        "text": f"Type up to {field.max_length:,} characters.",
    }[field.unit]
    return f"{field.label}. {how}"


def _error(sentence: str, context: Context) -> str:
    if context == "rated":
        sentence += " Leave it blank and choose 'Not available' if you do not have the figure."
    elif context == "unrated":
        sentence += " Leave it blank if you do not know."
    return shorten(sentence, MESSAGE_LIMIT)


def _bound(value: float | None, default: float) -> float:
    if value is None:
        return default
    return int(value) if float(value).is_integer() else float(value)


def _range_words(low: float, high: float, ceiling: float) -> str:
    """Words for the limits, with a leading space, or nothing when the limits are only there to catch typos."""
    if high >= ceiling and low <= -ceiling:
        return ""
    if high >= ceiling:
        return f" of {figure(low)} or more"
    if low <= -ceiling:
        return f" of {figure(high)} or less"
    return f" from {figure(low)} to {figure(high)}"
