"""What validation finds in a return: its values and its problems, as records the store keeps."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ValueRecord:
    la_code: str
    period: str
    section_id: str
    field_id: str
    value: str | None
    number: float | None
    sheet: str
    cell: str
    rating: str = ""
    comment: str = ""
    row_number: int | None = None
    derived: bool = False
    prefilled: str = ""  # 'unchanged' or 'changed' where the template put a published figure in the box


# The rule of a return with nothing typed in it: the store knows such a return by it, and never lets it
# replace one with figures (a reply-all that still carries the unfilled template is a common way to get one).
BLANK_RETURN = "blank_return"
# The rule of a return whose signature does not match: when every return of a run has it, the key is at fault.
ALTERED_TEMPLATE = "altered_template"


@dataclass
class IssueRecord:
    """A problem in what a borough sent: where it is and what to do about it."""

    severity: str
    rule: str
    message: str
    field_id: str = ""
    sheet: str = ""
    cell: str = ""
    la_code: str | None = None
    period: str | None = None
