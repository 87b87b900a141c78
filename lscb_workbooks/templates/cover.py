"""The Cover sheet: what the return is, whose it is, when it is due, and how to fill it in.

Written for a coordinator who opens the file cold from an email: plain words,
short numbered steps, and the colours explained with the colours themselves.
Every sheet name it mentions comes from the spec.
"""

from __future__ import annotations

from datetime import datetime

from ..spec.models import Spec
from ..spec.periods import Period
from ..spec.register import Authority
from ..wording import long_date
from . import styles
from .layout import (COVER_SHEET, STATUS_COMPLETE, SheetLayout, form_sheet_names, spec_sheet_names,
                     text_height)

AS_AGREED = "As agreed with the project officer"
LABEL_COL, TEXT_COL = 1, 2
WIDTHS = {0: 2.0, 1: 26.0, 2: 100.0}


def cover_sheet(spec: Spec, authority: Authority, period: Period, created: datetime,
                deadline: str | None, send_to: str | None) -> SheetLayout:
    sheet = SheetLayout(COVER_SHEET, "cover", widths=dict(WIDTHS))
    rows: list[tuple[str, object, str]] = []  # (kind, left, right)
    rows.append(("title", spec.title, ""))
    rows.append(("subtitle", f"Return for {authority.name}, {period}", ""))
    rows.append(("gap", "", ""))
    if spec.description:
        rows.append(("fact", "What this is", spec.description))
    if spec.open_to:
        label = spec.fields[spec.name_field].label if spec.name_field in spec.fields else "your board's name"
        rows.append(("fact", "Who can fill it in", f"{spec.open_to}. Write your board's name under '{label}'; "
                                                   "copy this file for each board that sends examples."))
    else:
        rows.append(("fact", "Authority", f"{authority.name} (DfE code {authority.la_code})"))
    rows.append(("fact", "Period", f"{period}: {long_date(period.start)} to {long_date(period.end)}"))
    rows.append(("fact", "Send it back by", deadline or AS_AGREED))
    rows.append(("fact", "Send it to", send_to or AS_AGREED))
    rows.append(("gap", "", ""))
    rows.append(("heading", "How to fill it in", ""))
    for number, step in enumerate(fill_in_steps(spec, deadline, send_to), start=1):
        rows.append(("step", f"{number}.", step))
    rows.append(("gap", "", ""))
    rows.append(("heading", "What the colours mean", ""))
    rows += [("swatch", style, text) for style, text in _colour_key(spec)]
    rows.append(("gap", "", ""))
    rows.append(("heading", "About the protection", ""))
    rows.append(("fact", "Why it is locked", _protection_note()))
    rows.append(("fact", "Version", f"Collection '{spec.id}', spec version {spec.version}, template version "
                                    f"{spec.template_version}; made {long_date(created.date())}."))
    for row, (kind, left, right) in enumerate(rows):
        _draw_cover_row(sheet, row, kind, left, right)
    return sheet


def _draw_cover_row(sheet: SheetLayout, row: int, kind: str, left: object, right: str) -> None:
    if kind == "title":
        sheet.add(row, LABEL_COL, styles.TITLE.but(name="cover_title", size=18), left)
        sheet.heights[row] = 30
    elif kind == "subtitle":
        sheet.add(row, LABEL_COL, styles.SUBTITLE.but(name="cover_subtitle", size=14), left)
        sheet.heights[row] = 22
    elif kind == "heading":
        sheet.add(row, LABEL_COL, styles.SUBTITLE, left)
        sheet.heights[row] = 22
    elif kind == "gap":
        sheet.heights[row] = 8
    elif kind == "swatch":
        sheet.add(row, LABEL_COL, left[0], left[1])
        sheet.add(row, TEXT_COL, styles.COVER_TEXT.but(name="cover_key", valign="vcenter"), right)
        sheet.heights[row] = max(20, text_height(right, WIDTHS[TEXT_COL]))
    else:
        style = styles.STEP_NUMBER if kind == "step" else styles.COVER_LABEL
        sheet.add(row, LABEL_COL, style, left)
        sheet.add(row, TEXT_COL, styles.COVER_TEXT, right)
        sheet.heights[row] = text_height(right, WIDTHS[TEXT_COL])


def fill_in_steps(spec: Spec, deadline: str | None, send_to: str | None) -> list[str]:
    """Short numbered steps, one per sheet to fill in, then checking and sending."""
    steps = ["Select a yellow box to see what it asks for: a note pops up with its definition, which is also "
             "printed beside it. Type your answer; the box tells you at once if it is not allowed."]
    for name in spec_sheet_names(spec):
        section = next(s for s in spec.sections if s.sheet == name)
        if section.kind == "table":
            intro = f", {_lower_first(section.intro)}" if section.intro else ", add one row for each item."
            steps.append(f"On the '{name}' sheet{intro} Leave the rows you do not need empty.")
        elif section.rated:
            steps.append(f"On the '{name}' sheet, type each figure in its yellow Value box. For every figure, "
                         f"choose under Data quality how sure you are ({_or(spec.ratings)}). If you do not have "
                         f"a figure, leave the value blank, choose '{spec.not_available_rating}' and say why in "
                         "the Comment.")
        else:
            intro = f" ({_lower_first(section.intro).rstrip('.')})" if section.intro else ""
            steps.append(f"Fill in the yellow boxes on the '{name}' sheet{intro}.")
    if any(f.derived for f in spec.form_fields):
        steps.append("Grey boxes are worked out for you from your counts as you type: percentages and rates "
                     "appear once both counts are in.")
    first = form_sheet_names(spec)[0]
    rules = " and the rules broken" if spec.all_rules else ""
    steps.append(f"Before sending, look at the check at the top of the '{first}' sheet: it counts the required "
                 f"boxes still empty{rules}. Send when it says '{STATUS_COMPLETE}' in green.")
    where = f" to {send_to}" if send_to else ""
    when = f" by {deadline}" if deadline else ""
    steps.append(f"Save the file and email it back{where}{when}, as an Excel file (.xlsx), with its name "
                 "unchanged. Please do not copy the figures into another workbook: this one is read back "
                 "automatically.")
    return steps


def _colour_key(spec: Spec) -> list[tuple[tuple[styles.Style, str], str]]:
    """What each colour means, saying only what this collection's template can show."""
    first = form_sheet_names(spec)[0]
    rated = any(s.rated for s in spec.sections)
    marked = f" (or marked '{spec.not_available_rating}')" if rated else ""
    unbroken = " and no rule is broken" if spec.all_rules else ""
    key = [((styles.SWATCH_INPUT, "Type here"), "Yellow boxes are for you to fill in. Everything else is locked.")]
    if any(f.derived for f in spec.form_fields):
        key.append(((styles.SWATCH_DERIVED, "Worked out for you"),
                    "Grey boxes are calculated from your figures, or do not apply. You cannot type in them."))
    key += [
        ((styles.SWATCH_GREEN, "Complete"),
         f"The status at the top of the '{first}' sheet turns green when every required box is filled in"
         f"{marked}{unbroken}."),
        ((styles.SWATCH_AMBER, "Not complete"),
         "Amber means something is still to do: the counts beside it say what."),
    ]
    if spec.all_rules:
        key.append(((styles.SWATCH_RED, "Check this figure"),
                    "A box turns red while it breaks a rule, such as a part that is more than its total."))
    return key


def _protection_note() -> str:
    return ("The sheets are protected to stop accidents, such as typing over a formula or deleting a row; "
            "it is not a security measure. Please do not add, delete, rename or move sheets, rows or columns: "
            "the return is read back automatically and relies on its layout. If something locked looks wrong, "
            "tell the project officer rather than working round it.")


def _lower_first(text: str) -> str:
    text = text.strip()
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


