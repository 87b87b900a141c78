"""Typed models of a collection spec: the one source of truth for a return.

These models know nothing about Excel. Templates, validation, pandera schemas
and the master workbook are all derived from them.
"""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field as PydanticField, model_validator

from .expressions import Expression, ExpressionError, parse_expression

Unit = Literal[
    "count", "percentage", "rate_per_10000", "number", "score", "yes_no", "choice", "date", "text"
]
ComparisonKind = Literal["rank", "quartile", "significance", "spine"]
COMPARISONS: tuple[str, ...] = ("rank", "quartile", "significance", "spine")
Polarity = Literal["higher_is_better", "lower_is_better", "neither"]
Severity = Literal["error", "warning"]
Summary = Literal["item", "group", "score", "tally", "list"]
CollectionKind = Literal["dataset", "mapping", "consultation", "good_practice"]
# The final report's chapters, in the order the project plan names them; a survey field may name the one it informs.
Chapter = Literal["datasets", "it_infrastructure", "information_sharing", "good_practice", "childrens_involvement",
                  "interface", "gaps_challenges", "recommendations"]

UNIT_LABELS: dict[str, str] = {
    "count": "Count",
    "percentage": "%",
    "rate_per_10000": "Rate per 10,000",
    "number": "Number",
    "score": "Score",
    "yes_no": "Yes / No",
    "choice": "Choose from list",
    "date": "Date",
    "text": "Text",
}
NUMERIC_UNITS = frozenset({"count", "percentage", "rate_per_10000", "number", "score"})
YES_NO = ("Yes", "No")
ROW_SEPARATOR = "."
IDENTIFIER = r"^[A-Za-z][A-Za-z0-9_]*$"
SHORT_LABEL_MAX = 40
OPEN_DATA_NAME = r"^[a-z][a-z0-9_]*$"


def row_value_id(row_id: str, field_id: str) -> str:
    """The id of one answer on a fixed row, such as `CP_START.decision`: the row's id, then the column's."""
    return f"{row_id}{ROW_SEPARATOR}{field_id}"


def split_value_id(value_id: str) -> tuple[str | None, str]:
    """(row id, column id) of an answer on a fixed row; (None, field id) for anything else."""
    row_id, separator, field_id = str(value_id).rpartition(ROW_SEPARATOR)
    return (row_id, field_id) if separator else (None, str(value_id))


class Strict(BaseModel):
    """Rejects unknown keys, so a typo in a spec fails loudly."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Theme(Strict):
    id: str
    title: str
    description: str = ""


class AgeGroup(Strict):
    """One column of the conceptual model: the children an indicator counts."""

    id: str
    title: str
    description: str = ""


class ModelEntry(Strict):
    """One indicator in its cell of the conceptual model."""

    id: str
    label: str
    theme: str
    age_group: str


class ConceptualModel(Strict):
    """Safeguarding as themes by age groups, and the indicators in each cell; an empty cell is a gap."""

    collection: str
    version: str
    themes: list[Theme]
    age_groups: list[AgeGroup]
    entries: list[ModelEntry] = []

    def cell(self, theme_id: str, age_group_id: str) -> list[ModelEntry]:
        return [e for e in self.entries if e.theme == theme_id and e.age_group == age_group_id]

    @property
    def gaps(self) -> list[tuple[Theme, AgeGroup]]:
        """Every (theme, age group) with no indicator, themes in order, then age groups."""
        return [(t, a) for t in self.themes for a in self.age_groups if not self.cell(t.id, a.id)]

    @property
    def cells(self) -> int:
        return len(self.themes) * len(self.age_groups)


class Agency(Strict):
    id: str
    title: str


class Published(Strict):
    """Where a field's figure is published in the DfE open data standard.

    `column` is the indicator column of the published file, `where` picks its
    rows when the file has filter columns (for example `category: Children in
    Need`), and `source` names the publication, for the sheets that show it.
    """

    column: str = PydanticField(min_length=1)
    source: str = PydanticField(min_length=1)
    where: dict[str, str] = {}


class PlausibleRange(Strict):
    """Where a figure usually falls for a London borough; outside it, a warning asks the coordinator to check.

    Not a hard limit: the return is still accepted. `per_10000_of` names the
    count (the child population, say) the range is per 10,000 of, so that one
    range fits the City of London and Croydon alike. `in_a_year` says the range
    is for a year's figures, and a quarter's return is judged against a quarter
    of it; leave it out for figures at the period's end and for percentages.
    """

    min: float | None = None
    max: float | None = None
    per_10000_of: str | None = PydanticField(default=None, pattern=IDENTIFIER)
    in_a_year: bool = False

    def for_period(self, share_of_year: float) -> tuple[float | None, float | None]:
        """The range for a period that is `share_of_year` of a year (a quarter: 0.25)."""
        scale = share_of_year if self.in_a_year else 1.0
        return (None if self.min is None else self.min * scale, None if self.max is None else self.max * scale)


class Field(Strict):
    """One box on a form, or one column of a table section."""

    id: str = PydanticField(pattern=IDENTIFIER)
    label: str
    short_label: str | None = PydanticField(default=None, min_length=1)
    definition: str = ""
    unit: Unit
    unit_label: str | None = None
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
    summary: Summary | None = None
    split_by: str | None = None
    compare: list[ComparisonKind] | None = None
    chapter: Chapter | None = None
    nothing_choice: str | None = None
    open_data_column: str | None = PydanticField(default=None, pattern=OPEN_DATA_NAME, max_length=50)
    published: Published | None = None
    plausible: PlausibleRange | None = None

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
        if self.unit == "score" and (self.min is None or self.max is None or self.derived):
            raise ValueError(f"field {self.id}: a score is collected, with both min and max (such as 0 and 3)")
        self._check_summary()
        self._check_plausible()
        return self

    def _check_plausible(self) -> None:
        """A usual range fits the kind of figure it is for, and lies inside the figure's hard limits."""
        usual = self.plausible
        if usual is None:
            return
        if usual.min is None and usual.max is None:
            raise ValueError(f"field {self.id}: a plausible range needs min, max or both")
        if usual.min is not None and usual.max is not None and usual.min > usual.max:
            raise ValueError(f"field {self.id}: the plausible min {usual.min:g} is more than its max {usual.max:g}: "
                             "swap them")
        if not self.numeric:
            raise ValueError(f"field {self.id}: a plausible range is for a number; '{self.id}' is {self.unit}. "
                             "Remove 'plausible'")
        if usual.per_10000_of is not None and (self.derived or self.unit not in ("count", "number")):
            raise ValueError(f"field {self.id}: per_10000_of is for a collected count; a rate or percentage "
                             "gives its range as it is shown")
        if usual.in_a_year and self.unit == "percentage":
            raise ValueError(f"field {self.id}: a percentage does not grow with the length of the period: "
                             "remove in_a_year")
        low, high = (0, None) if usual.per_10000_of else self.hard_bounds
        for end, value in (("min", usual.min), ("max", usual.max)):
            if value is not None and ((low is not None and value < low) or (high is not None and value > high)):
                raise ValueError(f"field {self.id}: the plausible {end} {value:g} is outside what the field can hold "
                                 f"({_bounds_words(low, high)}); a usual range lies inside those limits")

    def _check_summary(self) -> None:
        """Each summary in the master workbook needs values of a kind it can summarise."""
        if self.summary == "score" and not (self.numeric and self.min is not None and self.max is not None):
            raise ValueError(f"field {self.id}: a score needs a numeric unit with both min and max, such as 1 to 5")
        if self.summary in ("group",) and self.unit not in ("choice", "yes_no"):
            raise ValueError(f"field {self.id}: rows can only be grouped by a choice or yes/no field")
        if self.summary in ("item", "tally") and self.unit not in ("choice", "yes_no", "text"):
            raise ValueError(f"field {self.id}: summary '{self.summary}' needs a text, choice or yes/no field")
        if self.split_by is not None and self.summary != "tally":
            raise ValueError(f"field {self.id}: split_by only applies to a field with summary 'tally'")
        if self.nothing_choice is not None and self.nothing_choice not in self.options:
            raise ValueError(f"field {self.id}: nothing_choice '{self.nothing_choice}' is not one of its choices")

    @property
    def short(self) -> str:
        """What to show where space is short (charts, narrow headers): `short_label`, else the label."""
        return self.short_label or self.label

    @property
    def shown_unit(self) -> str:
        """The words a template shows in the unit box: `unit_label` when the spec gives one."""
        return self.unit_label or UNIT_LABELS[self.unit]

    @property
    def derived(self) -> bool:
        return self.expression is not None

    @property
    def export_column(self) -> str:
        """The field's column in the open-data export: `open_data_column`, else its id in lower case."""
        return self.open_data_column or self.id.lower()

    @property
    def numeric(self) -> bool:
        return self.unit in NUMERIC_UNITS

    @property
    def whole_number(self) -> bool:
        return self.unit in ("count", "score")

    @property
    def is_count(self) -> bool:
        """A collected count of children or events: a volume, shown and summed but never ranked."""
        return self.unit == "count" and not self.derived

    @cached_property
    def comparisons(self) -> tuple[str, ...]:
        """Which comparisons apply: the spec's `compare`, else what the unit allows.

        Counts are volumes: none. A rate or percentage worked out from a
        numerator and a denominator: all four (it has an interval). Any other
        figure (a score, a derived number): ranked, quartiled and spine-charted,
        but with no interval there is no test of significance.
        """
        if self.compare is not None:
            return tuple(c for c in COMPARISONS if c in self.compare)
        if not self.numeric or self.is_count or self.theme is None:
            return ()
        if self.derived and self.parsed_expression.ratio:
            return COMPARISONS
        if self.derived or self.unit == "score":
            return ("rank", "quartile", "spine")
        return ()

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
        return 0 if self.unit in {"count", "percentage", "rate_per_10000", "score"} else None

    @property
    def upper_bound(self) -> float | None:
        if self.max is not None:
            return self.max
        return 100 if self.unit == "percentage" and not self.derived else None

    @property
    def hard_bounds(self) -> tuple[float | None, float | None]:
        """The limits a value can never pass: the field's own, or for a figure worked out as numerator /
        denominator, 0 and (for a percentage, whose numerator never exceeds its denominator) 100."""
        if not self.derived:
            return self.lower_bound, self.upper_bound
        try:
            ratio = self.parsed_expression.ratio
        except ExpressionError:
            return None, None  # the expression's own problem is reported where it is checked
        if ratio is None:
            return self.min, self.max
        percentage = self.unit == "percentage" and ratio.multiplier == 100
        return (self.min if self.min is not None else 0,
                self.max if self.max is not None else (100 if percentage else None))


def _bounds_words(low: float | None, high: float | None) -> str:
    if high is None:
        return f"at least {low:g}"
    return f"at most {high:g}" if low is None else f"{low:g} to {high:g}"


class FixedRow(Strict):
    """One pre-labelled, locked row of a table, such as one proposed indicator in the consultation.

    A section lists them under `rows`, or names a collection under `rows_from`
    and the loader fills them in from that collection's indicators.
    """

    id: str = PydanticField(pattern=IDENTIFIER)
    label: str
    short_label: str = ""
    unit: str = ""
    group: str = ""
    definition: str = ""


class Section(Strict):
    """A fixed form (one row per field), a table of repeating rows, or a table of fixed rows."""

    id: str
    title: str
    sheet: str = PydanticField(max_length=31)
    kind: Literal["form", "table"] = "form"
    intro: str = ""
    rated: bool = False
    fields: list[Field] = []
    max_rows: int = PydanticField(default=0, ge=0, le=500)
    rows_from: str | None = PydanticField(default=None, pattern=r"^[a-z][a-z0-9_]*$")
    rows: list[FixedRow] = PydanticField(default=[], max_length=500)

    @model_validator(mode="after")
    def _table_has_rows(self) -> "Section":
        if self.kind == "form" and self.fixed:
            raise ValueError(f"section {self.id}: only a table can have fixed rows (rows or rows_from)")
        if self.kind == "table" and self.fixed and self.max_rows:
            raise ValueError(f"section {self.id}: a table of fixed rows has no numbered rows: remove max_rows")
        if self.kind == "table" and not self.fixed and self.max_rows < 1:
            raise ValueError(f"section {self.id}: a table needs max_rows of at least 1, or fixed rows "
                             "(rows, or rows_from naming a collection)")
        if self.rows_from and not self.rows:
            raise ValueError(f"section {self.id}: the collection '{self.rows_from}' named by rows_from has no "
                             "indicators to list")
        if not self.fields:
            raise ValueError(f"section {self.id}: no fields")
        return self

    @property
    def fixed(self) -> bool:
        """A table whose rows are given in advance, one per item, rather than added by the coordinator."""
        return bool(self.rows_from or self.rows)

    def fixed_row(self, row_id: str) -> FixedRow | None:
        return next((r for r in self.rows if r.id == row_id), None)


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
    """How the consultation's votes on each indicator become a suggested verdict.

    `vote` names the column of a fixed-row table where each respondent votes;
    `in_favour` and `against` are its choices that count for keeping and for
    dropping the indicator. Consensus to keep when the share in favour reaches
    `keep_share`; drop when the share against reaches `drop_share`; otherwise
    contested.
    """

    keep_share: float = PydanticField(default=0.75, gt=0, le=1)
    drop_share: float = PydanticField(default=0.5, gt=0, le=1)
    vote: str | None = None
    in_favour: list[str] = []
    against: list[str] = []


class Spec(Strict):
    id: str = PydanticField(pattern=r"^[a-z][a-z0-9_]*$")
    kind: CollectionKind = "dataset"
    title: str
    version: str
    template_version: str
    compatible_template_versions: list[str] = []
    period_type: Literal["year", "quarter", "any"] = "any"
    description: str = ""
    ratings: list[str] = ["Robust", "Estimated", "Not available"]
    not_available_rating: str = "Not available"
    themes: list[Theme] = []
    age_groups: list[AgeGroup] = []
    agencies: list[Agency] = []
    sections: list[Section]
    rules: list[Rule] = []
    plausibility: Plausibility = Plausibility()
    verdicts: Verdicts = Verdicts()
    generated_from: str | None = None
    small_denominator: int = PydanticField(default=30, ge=1)
    open_to: str | None = None  # an open collection: anyone it names may return it, not only the register
    name_field: str | None = None  # in an open collection, the form field where a board writes its name
    model_of: ConceptualModel | None = None  # filled in by the loader from the collection named by rows_from

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
    def components(self) -> dict[str, list[Field]]:
        """For each derived indicator, the collected fields its expression is built from, in order."""
        return {f.id: [self.fields[n] for n in f.parsed_expression.names if n in self.fields]
                for f in self.form_fields if f.derived}

    @cached_property
    def measures(self) -> list[Field]:
        """Indicators the board compares: those not collected only to work out another indicator."""
        inputs = {name for f in self.form_fields if f.parsed_expression for name in f.parsed_expression.names}
        return [f for f in self.indicators if f.id not in inputs]

    @cached_property
    def conceptual_model(self) -> ConceptualModel | None:
        """This spec's own model (themes by its age groups), else the one of the collection its rows come from."""
        if not self.age_groups:
            return self.model_of
        entries = [ModelEntry(id=f.id, label=f.label, theme=f.theme, age_group=f.age_group)
                   for f in self.measures if f.theme and f.age_group]
        return ConceptualModel(collection=self.id, version=self.version, themes=self.themes,
                               age_groups=self.age_groups, entries=entries)

    @cached_property
    def theme_titles(self) -> dict[str, str]:
        return {t.id: t.title for t in self.themes}

    @cached_property
    def agency_titles(self) -> dict[str, str]:
        return {a.id: a.title for a in self.agencies}

    @cached_property
    def _sections_by_field(self) -> dict[str, Section]:
        return {f.id: s for s in self.sections for f in s.fields}

    def section_of(self, field_id: str) -> Section:
        return self._sections_by_field[field_id]

    def value_field(self, value_id: str) -> Field | None:
        """The field (or table column) a stored value belongs to, for a plain or a fixed-row value id."""
        return self.fields.get(split_value_id(value_id)[1]) if value_id else None

    def value_row(self, value_id: str) -> FixedRow | None:
        """The fixed row a value id such as `CP_START.decision` sits on, if any."""
        row_id, field_id = split_value_id(value_id)
        if row_id is None or field_id not in self.fields:
            return None
        return self.section_of(field_id).fixed_row(row_id)

    def value_label(self, value_id: str) -> str:
        """What a person calls a stored value: the field's label, with its fixed row's label first."""
        field, row = self.value_field(value_id), self.value_row(value_id)
        if field is None:
            return ""
        return f"{row.label}: {field.label}" if row else field.label

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
