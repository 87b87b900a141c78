"""Typed models of a collection spec: the one source of truth for a return.

These models know nothing about Excel. Templates, validation, pandera schemas
and the master workbook are all derived from them.
"""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field as PydanticField, model_validator

from .expressions import Expression, parse_expression

Unit = Literal[
    "count", "percentage", "rate_per_10000", "number", "yes_no", "choice", "date", "text"
]
Polarity = Literal["higher_is_better", "lower_is_better", "neither"]
Severity = Literal["error", "warning"]

UNIT_LABELS: dict[str, str] = {
    "count": "Count",
    "percentage": "%",
    "rate_per_10000": "Rate per 10,000",
    "number": "Number",
    "yes_no": "Yes / No",
    "choice": "Choose from list",
    "date": "Date",
    "text": "Text",
}
NUMERIC_UNITS = frozenset({"count", "percentage", "rate_per_10000", "number"})
YES_NO = ("Yes", "No")


class Strict(BaseModel):
    """Rejects unknown keys, so a typo in a spec fails loudly."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Theme(Strict):
    id: str
    title: str
    description: str = ""


class Agency(Strict):
    id: str
    title: str


class Field(Strict):
    """One box on a form, or one column of a table section."""

    id: str = PydanticField(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    label: str
    definition: str = ""
    unit: Unit
    agency: str | None = None
    theme: str | None = None
    age_group: str | None = None
    required: bool = True
    min: float | None = None
    max: float | None = None
    choices: list[str] | None = None
    polarity: Polarity = "neither"
    expression: str | None = None
    source: str = ""
    national_indicator: str | None = None
    headline: bool = False
    max_length: int = 1000

    @model_validator(mode="after")
    def _choices_match_unit(self) -> "Field":
        if self.unit == "choice" and not self.choices:
            raise ValueError(f"field {self.id}: unit 'choice' needs a list of choices")
        if self.unit != "choice" and self.choices:
            raise ValueError(f"field {self.id}: choices are only for unit 'choice'")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"field {self.id}: min {self.min} is more than max {self.max}")
        if self.expression is not None and self.unit not in NUMERIC_UNITS:
            raise ValueError(f"field {self.id}: only numeric fields can be derived")
        return self

    @property
    def derived(self) -> bool:
        return self.expression is not None

    @property
    def numeric(self) -> bool:
        return self.unit in NUMERIC_UNITS

    @property
    def whole_number(self) -> bool:
        return self.unit == "count"

    @cached_property
    def parsed_expression(self) -> Expression | None:
        return parse_expression(self.expression) if self.expression else None

    @property
    def options(self) -> tuple[str, ...]:
        """The values a coordinator may pick from, for yes/no and choice fields."""
        if self.unit == "yes_no":
            return YES_NO
        return tuple(self.choices or ())

    @property
    def lower_bound(self) -> float | None:
        if self.min is not None:
            return self.min
        return 0 if self.unit in {"count", "percentage", "rate_per_10000"} else None

    @property
    def upper_bound(self) -> float | None:
        if self.max is not None:
            return self.max
        return 100 if self.unit == "percentage" and not self.derived else None


class Section(Strict):
    """A fixed form (one row per field) or a table of repeating rows."""

    id: str
    title: str
    sheet: str = PydanticField(max_length=31)
    kind: Literal["form", "table"] = "form"
    intro: str = ""
    rated: bool = False
    fields: list[Field] = []
    max_rows: int = PydanticField(default=0, ge=0, le=500)

    @model_validator(mode="after")
    def _table_has_rows(self) -> "Section":
        if self.kind == "table" and self.max_rows < 1:
            raise ValueError(f"section {self.id}: a table needs max_rows of at least 1")
        if not self.fields:
            raise ValueError(f"section {self.id}: no fields")
        return self


class Rule(Strict):
    """A cross-field rule: a value (or a sum of values) never exceeds a limit field."""

    id: str
    kind: Literal["not_more_than", "sum_not_more_than"]
    fields: list[str] = PydanticField(min_length=1)
    limit: str
    severity: Severity = "error"
    message: str = ""


class Plausibility(Strict):
    """How far a count may move from the authority's previous period before a warning."""

    max_ratio: float = 2.0
    min_base: float = 10


class Verdicts(Strict):
    """Thresholds for the consultation's suggested verdict on each indicator."""

    keep_share: float = 0.75
    drop_share: float = 0.5


class Spec(Strict):
    id: str = PydanticField(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    version: str
    template_version: str
    compatible_template_versions: list[str] = []
    period_type: Literal["year", "quarter", "any"] = "any"
    description: str = ""
    ratings: list[str] = ["Robust", "Estimated", "Not available"]
    not_available_rating: str = "Not available"
    themes: list[Theme] = []
    agencies: list[Agency] = []
    sections: list[Section]
    rules: list[Rule] = []
    plausibility: Plausibility = Plausibility()
    verdicts: Verdicts = Verdicts()
    generated_from: str | None = None

    @cached_property
    def fields(self) -> dict[str, Field]:
        return {f.id: f for s in self.sections for f in s.fields}

    @cached_property
    def form_fields(self) -> list[Field]:
        return [f for s in self.sections if s.kind == "form" for f in s.fields]

    @cached_property
    def indicators(self) -> list[Field]:
        """Fields that belong to a theme of the conceptual model, in spec order."""
        return [f for f in self.form_fields if f.theme]

    @cached_property
    def theme_titles(self) -> dict[str, str]:
        return {t.id: t.title for t in self.themes}

    @cached_property
    def agency_titles(self) -> dict[str, str]:
        return {a.id: a.title for a in self.agencies}

    def section_of(self, field_id: str) -> Section:
        return next(s for s in self.sections if any(f.id == field_id for f in s.fields))

    def accepts_template_version(self, version: str) -> bool:
        return version == self.template_version or version in self.compatible_template_versions

    @cached_property
    def all_rules(self) -> list[Rule]:
        """The spec's own rules plus one for every derived percentage: numerator within denominator."""
        implied = []
        for f in self.form_fields:
            ratio = f.parsed_expression.ratio if f.parsed_expression else None
            if f.unit == "percentage" and ratio and ratio.multiplier == 100:
                implied.append(Rule(
                    id=f"{f.id}_numerator_within_denominator",
                    kind="not_more_than",
                    fields=[ratio.numerator],
                    limit=ratio.denominator,
                    severity="error",
                ))
        own = {(tuple(r.fields), r.limit) for r in self.rules}
        return list(self.rules) + [r for r in implied if (tuple(r.fields), r.limit) not in own]
