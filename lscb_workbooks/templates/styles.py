"""The look of a return template: one named style per kind of cell.

Styles are plain data so that the layout can say how each cell looks without
knowing how a workbook is written. Only the yellow input styles are unlocked:
everything else a coordinator sees is locked, so a sheet cannot be broken by
accident.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

YELLOW = "#FFF2CC"
GREY = "#E7E6E6"
NAVY = "#1F4E79"
PALE_BLUE = "#DDEBF7"
PALE_GREY = "#F2F2F2"
BORDER_GREY = "#BFBFBF"
TEXT_GREY = "#595959"
GREEN_FILL, GREEN_TEXT = "#C6EFCE", "#006100"
AMBER_FILL, AMBER_TEXT = "#FFEB9C", "#9C5700"
RED_FILL, RED_TEXT = "#FFC7CE", "#9C0006"

FONT = "Calibri"
DATE_FORMAT = "dd/mm/yyyy"


@dataclass(frozen=True)
class Style:
    """How a cell looks, and whether a coordinator may type in it."""

    name: str
    size: float = 11
    bold: bool = False
    italic: bool = False
    color: str | None = None
    fill: str | None = None
    wrap: bool = False
    align: str | None = None
    valign: str = "top"
    num_format: str | None = None
    border: bool = False
    unlocked: bool = False

    def properties(self) -> dict[str, object]:
        """The cell format as a plain mapping, in the spreadsheet writer's vocabulary."""
        props: dict[str, object] = {"font_name": FONT, "font_size": self.size, "valign": self.valign,
                                    "locked": not self.unlocked}
        for key, value in asdict(self).items():
            if key in {"name", "size", "valign", "unlocked", "border"} or value in (None, False):
                continue
            props[{"color": "font_color", "fill": "bg_color", "wrap": "text_wrap"}.get(key, key)] = value
        if self.border:
            props.update(border=1, border_color=BORDER_GREY)
        return props

    def but(self, **changes: object) -> "Style":
        return replace(self, **changes)


@dataclass(frozen=True)
class Highlight:
    """A conditional colour: fill and text colour only."""

    fill: str
    color: str

    def properties(self) -> dict[str, object]:
        return {"bg_color": self.fill, "font_color": self.color}


PLAIN = Style("plain")
TITLE = Style("title", size=15, bold=True, color=NAVY, valign="vcenter")
SUBTITLE = Style("subtitle", size=12, bold=True, color=NAVY)
INTRO = Style("intro", wrap=True)
NOTE = Style("note", size=10, italic=True, color=TEXT_GREY, wrap=True)
HEADER = Style("header", bold=True, color="#FFFFFF", fill=NAVY, wrap=True, border=True, valign="vcenter")
THEME = Style("theme", size=12, bold=True, color=NAVY, fill=PALE_BLUE, valign="vcenter")
AGENCY = Style("agency", bold=True, italic=True, fill=PALE_GREY)
REF = Style("ref", size=9, color=TEXT_GREY, border=True)
LABEL = Style("label", wrap=True, border=True)
UNIT = Style("unit", size=10, align="center", wrap=True, border=True)
DEFINITION = Style("definition", size=9, color=TEXT_GREY, wrap=True, border=True)
DERIVED = Style("derived", fill=GREY, border=True, align="right")
NOT_APPLICABLE = Style("not_applicable", fill=GREY, border=True)
INPUT = Style("input", fill=YELLOW, border=True, unlocked=True)
INPUT_TEXT = INPUT.but(name="input_text", wrap=True)
INPUT_DATE = INPUT.but(name="input_date", num_format=DATE_FORMAT, align="left")
INPUT_COUNT = INPUT.but(name="input_count", num_format="#,##0")
CHECK_LABEL = Style("check_label", bold=True, align="right", valign="vcenter")
CHECK_VALUE = Style("check_value", bold=True, align="center", border=True, valign="vcenter")
CHECK_HINT = Style("check_hint", size=10, italic=True, color=TEXT_GREY, valign="vcenter")
STATUS = Style("status", bold=True, align="center", border=True, valign="vcenter")
ROW_NUMBER = Style("row_number", size=10, align="center", color=TEXT_GREY, border=True)
SMALL_REF = Style("small_ref", size=8, color=TEXT_GREY, fill=GREY)
COVER_LABEL = Style("cover_label", bold=True, color=NAVY, wrap=True)
COVER_TEXT = Style("cover_text", wrap=True)
STEP_NUMBER = Style("step_number", bold=True, align="right")
SWATCH_INPUT = Style("swatch_input", bold=True, fill=YELLOW, border=True, align="center", valign="vcenter")
SWATCH_DERIVED = Style("swatch_derived", bold=True, fill=GREY, border=True, align="center", valign="vcenter")
SWATCH_GREEN = Style("swatch_green", bold=True, fill=GREEN_FILL, color=GREEN_TEXT, border=True, align="center",
                     valign="vcenter")
SWATCH_AMBER = Style("swatch_amber", bold=True, fill=AMBER_FILL, color=AMBER_TEXT, border=True, align="center",
                     valign="vcenter")
SWATCH_RED = Style("swatch_red", bold=True, fill=RED_FILL, color=RED_TEXT, border=True, align="center",
                   valign="vcenter")

GOOD = Highlight(GREEN_FILL, GREEN_TEXT)
TO_DO = Highlight(AMBER_FILL, AMBER_TEXT)
BROKEN = Highlight(RED_FILL, RED_TEXT)

DERIVED_NUMBER_FORMATS = {"percentage": "0.0", "rate_per_10000": "0.0", "count": "#,##0", "number": "0.0", "score": "0"}


def derived_style(unit: str) -> Style:
    return DERIVED.but(name=f"derived_{unit}", num_format=DERIVED_NUMBER_FORMATS.get(unit, "0.0"))


def input_style(unit: str) -> Style:
    if unit == "date":
        return INPUT_DATE
    if unit == "text":
        return INPUT_TEXT
    if unit == "count":
        return INPUT_COUNT
    return INPUT
