"""One palette for every workbook the tool writes: a category has one colour in every table, chart and marker.

The comparison colours follow OHID Fingertips (better, similar, worse against
a comparator; lower, similar, higher where neither is better), so that a
reader who knows Fingertips reads ours without a legend, and we show one
anyway. The same solid colour fills a table cell, a chart bar and a marker;
the text colour is the one that stays readable on it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Colour:
    """A category's fill (cells, bars, markers) and the text colour readable on it."""

    fill: str
    text: str

    def cell(self) -> dict[str, str]:
        """xlsxwriter format properties for a cell of this category."""
        return {"bg_color": self.fill, "font_color": self.text}


BETTER = Colour("#92D050", "#000000")
SIMILAR = Colour("#FFC000", "#000000")
WORSE = Colour("#C00000", "#FFFFFF")
LOWER = Colour("#5555E6", "#FFFFFF")
HIGHER = Colour("#BED2FF", "#000000")
NOT_COMPARED = Colour("#BFBFBF", "#000000")

COMPARISON: dict[str, Colour] = {
    "better": BETTER, "similar": SIMILAR, "worse": WORSE,
    "lower": LOWER, "higher": HIGHER, "not compared": NOT_COMPARED,
}

# A change over time that is significant reads as better or worse; a small number is not compared.
VERDICT: dict[str, Colour] = {
    **COMPARISON, "improving": BETTER, "worsening": WORSE, "small number": NOT_COMPARED,
}

# Verdicts and votes of the consultation: for keeping reads as better, against as worse.
KEEP_AS_IT_IS = BETTER
KEEP_WITH_CHANGES = Colour("#C5E0B4", "#000000")
CONTESTED = SIMILAR
DROP = WORSE
NO_VOTES = NOT_COMPARED

# The state of a return, wherever a tracker or a status shows it.
RETURN_STATE: dict[str, Colour] = {
    "Accepted": BETTER,
    "Accepted with warnings": SIMILAR,
    "Rejected": WORSE,
    "Could not be read": WORSE,
    "Not received": NOT_COMPARED,
}

# Series that have no category of their own (one score against another), in order.
NEUTRAL_SERIES = ("#1F4E79", "#A9C4EB", "#7F7F7F", "#F4B183", "#548235", "#2F5597")
