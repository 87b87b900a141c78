"""Load a spec from YAML into typed models, naming the file and line of every mistake."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from pydantic import ValidationError

from ..errors import LscbError
from .expressions import ExpressionError
from .models import SHORT_LABEL_MAX, Field, Spec

COLLECTION_ID = r"[a-z][a-z0-9_]*"


@dataclass(frozen=True)
class Problem:
    """One mistake in a spec or register, with where it is."""

    file: str
    line: int | None
    where: str
    message: str

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        return f"{place}: {self.where}: {self.message}" if self.where else f"{place}: {self.message}"


class SpecError(LscbError):
    """A spec that cannot be used; `problems` says every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def default_schemas_dir() -> Path:
    return Path(str(resources.files("lscb_workbooks") / "schemas"))


def spec_path(collection: str) -> Path:
    return default_schemas_dir() / f"{collection}.yaml"


def load_spec(source: str | Path) -> Spec:
    """A spec by collection id (`dataset`) or by path to its YAML file."""
    path = Path(source)
    if not path.suffix:
        path = spec_path(str(source))
    if not path.exists():
        available = ", ".join(sorted(p.stem for p in default_schemas_dir().glob("*.yaml")))
        raise SpecError([Problem(str(source), None, "", f"no such collection or file (collections: {available})")])
    spec, problems = check_spec_text(path.read_text(encoding="utf-8"), str(path))
    if problems or spec is None:
        raise SpecError(problems)
    return spec


def check_spec_text(text: str, name: str, _loading: tuple[Path, ...] = ()) -> tuple[Spec | None, list[Problem]]:
    """The spec in `text` (from the file `name`), with every problem found in it.

    A table section with `rows_from: <collection>` gets one fixed row per
    indicator of that collection, read from the collection's YAML file beside
    `name` (else the shipped one), so the two can never drift apart.
    """
    try:
        data, lines = _load_with_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, [Problem(name, mark.line + 1 if mark else None, "", f"not valid YAML: {exc}")]
    if not isinstance(data, dict):
        return None, [Problem(name, 1, "", "a spec is a mapping of keys such as id, title, sections")]
    problems = _fill_rows_from(data, name, lines, _loading)
    if problems:
        return None, problems
    try:
        spec = Spec.model_validate(data)
    except ValidationError as exc:
        return None, [_problem_from_pydantic(err, name, lines) for err in exc.errors()]
    return spec, _cross_check(spec, name, lines)


def _fill_rows_from(data: dict[str, Any], name: str, lines: dict[tuple, int],
                    loading: tuple[Path, ...]) -> list[Problem]:
    """Give each section with `rows_from` the fixed rows of the collection it names."""
    sections = data.get("sections")
    if not isinstance(sections, list):
        return []
    problems: list[Problem] = []
    for si, section in enumerate(sections):
        source = section.get("rows_from") if isinstance(section, dict) else None
        if not isinstance(source, str) or not re.fullmatch(COLLECTION_ID, source):
            continue  # the model names what is wrong with it
        line, where = _line_for(("sections", si, "rows_from"), lines), f"sections.{si}.rows_from"
        if "rows" in section:
            problems.append(Problem(name, line, where, "give either rows or rows_from, not both"))
            continue
        path = _collection_beside(source, name)
        if path is None:
            problems.append(Problem(name, line, where, f"no collection '{source}' beside this file or among the "
                                                       "shipped collections"))
            continue
        if path.resolve() in loading or path.resolve() == Path(name).resolve():
            problems.append(Problem(name, line, where, f"rows_from '{source}' leads back to this spec"))
            continue
        spec, found = check_spec_text(path.read_text(encoding="utf-8"), str(path), loading + (Path(name).resolve(),))
        if found or spec is None:
            problems.append(Problem(name, line, where, f"the collection '{source}' has problems, so its indicators "
                                                       f"cannot be listed (run `lscb spec check {path}`): {found[0]}"))
            continue
        section["rows"] = [fixed_row_of(spec, f) for f in spec.measures]
        if spec.conceptual_model is not None:
            data["model_of"] = spec.conceptual_model.model_dump()
    return problems


def _collection_beside(collection: str, name: str) -> Path | None:
    for folder in (Path(name).parent, default_schemas_dir()):
        candidate = folder / f"{collection}.yaml"
        if candidate.is_file():
            return candidate
    return None


def fixed_row_of(spec: Spec, field: Field) -> dict[str, str]:
    """One indicator of another collection as a fixed row: its id, label and unit, under its theme.

    A derived indicator's row names the counts it is built from, so that a board
    votes once on the indicator, knowing what supplying it takes.
    """
    parts = spec.components.get(field.id, [])
    built_from = ("Built from: " + "; ".join(f"{p.label} ({p.id})" for p in parts) + ".") if parts else ""
    definition = " ".join(text for text in (field.definition, built_from) if text)
    return {"id": field.id, "label": field.label, "short_label": field.short, "unit": field.shown_unit,
            "group": spec.theme_titles.get(field.theme or "", field.theme or ""), "definition": definition}


# libyaml's parser where PyYAML was built with it (every wheel on PyPI): several times quicker, same nodes
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_with_lines(text: str) -> tuple[Any, dict[tuple, int]]:
    node = yaml.compose(text, Loader=_YAML_LOADER)
    lines: dict[tuple, int] = {}
    scalars = SafeConstructor()

    def build(n: yaml.Node, path: tuple) -> Any:
        lines[path] = n.start_mark.line + 1
        if isinstance(n, yaml.MappingNode):
            out = {}
            for key_node, value_node in n.value:
                key = key_node.value
                if key in out:
                    raise yaml.MarkedYAMLError(
                        problem=f"duplicate key '{key}'", problem_mark=key_node.start_mark
                    )
                out[key] = build(value_node, path + (key,))
            return out
        if isinstance(n, yaml.SequenceNode):
            return [build(item, path + (i,)) for i, item in enumerate(n.value)]
        return scalars.construct_object(n, deep=True)

    return (build(node, ()) if node is not None else None), lines


def _line_for(path: tuple, lines: dict[tuple, int]) -> int | None:
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path)


def _problem_from_pydantic(err: dict[str, Any], name: str, lines: dict[tuple, int]) -> Problem:
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-after")))
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = f"unknown key '{loc[-1]}' (check the spelling; see the spec reference in the README)"
    elif err["type"] == "missing":
        message = f"missing required key '{loc[-1]}'"
    return Problem(name, _line_for(loc, lines), ".".join(str(p) for p in loc), message)


def _check_short_label(field: Field, shown: dict[str, str], name: str, lines: dict[tuple, int], at: tuple,
                       where: str) -> list[Problem]:
    """An indicator's short label (its label where that is short enough) fits where space is short and is
    its own: two indicators never show the same words on a chart or a narrow column."""
    if not field.theme:
        return []
    key = "short_label" if field.short_label else "label"
    line = _line_for(at + (key,), lines) or _line_for(at + ("id",), lines)
    problems = []
    if len(field.short) > SHORT_LABEL_MAX:
        problems.append(Problem(name, line, where, f"the {key.replace('_', ' ')} is {len(field.short)} characters; "
                                f"give a short_label of at most {SHORT_LABEL_MAX} for charts and narrow columns"))
    other = shown.setdefault(field.short.casefold(), field.id)
    if other != field.id and (field.short_label or field.short.casefold() != field.label.casefold()):
        problems.append(Problem(name, line, where, f"'{field.short}' is also the short label of {other}; each "
                                                   "indicator needs words of its own"))
    other = shown.setdefault("label:" + field.label.casefold(), field.id)
    if other != field.id:
        problems.append(Problem(name, _line_for(at + ("label",), lines), where,
                                f"'{field.label}' is also the label of {other}; say what sets them apart (a count "
                                "and its percentage, say)"))
    return problems


def _cross_check(spec: Spec, name: str, lines: dict[tuple, int]) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, tuple] = {}
    theme_ids = {t.id for t in spec.themes}
    age_group_ids = [a.id for a in spec.age_groups]
    agency_ids = {a.id for a in spec.agencies}
    sheets: dict[str, str] = {}
    shown: dict[str, str] = {}
    for si, section in enumerate(spec.sections):
        here = ("sections", si)
        if section.sheet in sheets and (section.kind == "table" or spec.sections[[s.id for s in spec.sections].index(sheets[section.sheet])].kind == "table"):
            problems.append(Problem(name, _line_for(here + ("sheet",), lines), f"sections.{si}",
                                    f"sheet '{section.sheet}' is shared with section '{sheets[section.sheet]}'; a table needs a sheet of its own"))
        sheets.setdefault(section.sheet, section.id)
        for fi, field in enumerate(section.fields):
            at = here + ("fields", fi)
            where = f"sections.{si}.fields.{fi} ({field.id})"
            if field.id in seen:
                problems.append(Problem(name, _line_for(at + ("id",), lines), where,
                                        f"duplicate field id '{field.id}' (first used at line {_line_for(seen[field.id], lines)})"))
            seen.setdefault(field.id, at)
            if field.theme and field.theme not in theme_ids:
                problems.append(Problem(name, _line_for(at + ("theme",), lines), where,
                                        f"unknown theme '{field.theme}' (themes: {', '.join(sorted(theme_ids))})"))
            problems += _check_age_group(field, age_group_ids, name, _line_for(at + ("age_group",), lines), where)
            problems += _check_short_label(field, shown, name, lines, at, where)
            if field.agency and field.agency not in agency_ids:
                problems.append(Problem(name, _line_for(at + ("agency",), lines), where,
                                        f"unknown agency '{field.agency}' (agencies: {', '.join(sorted(agency_ids))})"))
    for gi, group in enumerate(spec.age_groups):
        if age_group_ids.index(group.id) != gi:
            problems.append(Problem(name, _line_for(("age_groups", gi, "id"), lines), f"age_groups.{gi}",
                                    f"duplicate age group id '{group.id}'"))
    for si, section in enumerate(spec.sections):
        for fi, field in enumerate(section.fields):
            problems += _check_compare(field, name, _line_for(("sections", si, "fields", fi, "compare"), lines)
                                       or _line_for(("sections", si, "fields", fi, "id"), lines),
                                       f"sections.{si}.fields.{fi} ({field.id})")
            if field.plausible and field.plausible.per_10000_of:
                problems += _check_per_10000_of(spec, field, name, _line_for(
                    ("sections", si, "fields", fi, "plausible", "per_10000_of"), lines), f"sections.{si}.fields.{fi} ({field.id})")
            if field.expression:
                problems += _check_expression(spec, section, field, name, _line_for(("sections", si, "fields", fi, "expression"), lines),
                                              f"sections.{si}.fields.{fi} ({field.id})")
    for ri, rule in enumerate(spec.rules):
        where = f"rules.{ri} ({rule.id})"
        for ref in [*rule.fields, rule.limit]:
            target = spec.fields.get(ref)
            if target is None:
                problems.append(Problem(name, _line_for(("rules", ri), lines), where, f"rule names field '{ref}', which the spec does not define"))
            elif not target.numeric:
                problems.append(Problem(name, _line_for(("rules", ri), lines), where, f"rule names field '{ref}', which is not a number"))
    rule_ids = [r.id for r in spec.rules]
    for ri, rule_id in enumerate(rule_ids):
        if rule_ids.index(rule_id) != ri:
            problems.append(Problem(name, _line_for(("rules", ri, "id"), lines), f"rules.{ri}", f"duplicate rule id '{rule_id}'"))
    if spec.not_available_rating not in spec.ratings and spec.ratings:
        problems.append(Problem(name, _line_for(("not_available_rating",), lines), "not_available_rating",
                                f"'{spec.not_available_rating}' is not one of the ratings {spec.ratings}"))
    problems += _check_tables(spec, name, lines)
    problems += _check_open(spec, name, lines)
    problems += _check_verdicts(spec, name, lines)
    problems += _check_open_data_columns(spec, name, lines)
    return problems


def _check_open_data_columns(spec: Spec, name: str, lines: dict[tuple, int]) -> list[Problem]:
    """Each number of the form gets a column of its own in the open-data export."""
    problems, seen = [], {}
    for si, section in enumerate(spec.sections):
        for fi, field in enumerate(section.fields):
            if section.kind != "form" or not field.numeric:
                continue
            column = field.export_column
            if column in seen:
                problems.append(Problem(name, _line_for(("sections", si, "fields", fi), lines),
                                        f"sections.{si}.fields.{fi} ({field.id})",
                                        f"open-data column '{column}' is also {seen[column]}'s: give one of them "
                                        "open_data_column"))
            seen.setdefault(column, field.id)
    return problems


def _check_age_group(field: Field, listed: list[str], name: str, line: int | None, where: str) -> list[Problem]:
    """Each field sits in one of the age groups the spec lists; an indicator in a theme needs one."""
    if field.age_group is not None and str(field.age_group) not in listed:
        known = f"the spec's age_groups: {', '.join(listed)}" if listed else "the spec lists no age_groups"
        return [Problem(name, line, where, f"age group '{field.age_group}' is not in the conceptual model ({known}); "
                                           "use one of those, or add it to age_groups")]
    if listed and field.theme and field.age_group is None:
        return [Problem(name, line, where, f"an indicator in theme '{field.theme}' needs an age_group "
                                           f"({', '.join(listed)})")]
    return []


def _check_open(spec: Spec, name: str, lines: dict[tuple, int]) -> list[Problem]:
    """An open collection names the required text box where each board writes its name."""
    if spec.open_to is None and spec.name_field is None:
        return []
    field = spec.fields.get(spec.name_field or "")
    if spec.open_to is None or field is None or field.unit != "text" or not field.required \
            or spec.section_of(field.id).kind != "form":
        return [Problem(name, _line_for(("name_field",), lines) or _line_for(("open_to",), lines), "name_field",
                        "an open collection needs both open_to and name_field, naming a required text field of a "
                        "form where each board writes its name")]
    return []


def _check_tables(spec: Spec, name: str, lines: dict[tuple, int]) -> list[Problem]:
    """Fixed rows named once each; summaries the master workbook can draw."""
    problems: list[Problem] = []
    for si, section in enumerate(spec.sections):
        seen: set[str] = set()
        for ri, row in enumerate(section.rows):
            if row.id in seen:
                problems.append(Problem(name, _line_for(("sections", si, "rows", ri, "id"), lines),
                                        f"sections.{si}.rows.{ri}", f"duplicate row id '{row.id}'"))
            seen.add(row.id)
        columns = {f.id: f for f in section.fields}
        for kind in ("item", "group"):
            tagged = [f.id for f in section.fields if f.summary == kind]
            if len(tagged) > 1:
                problems.append(Problem(name, _line_for(("sections", si), lines), f"sections.{si}",
                                        f"only one field of a section can have summary '{kind}' ({', '.join(tagged)})"))
        for fi, field in enumerate(section.fields):
            if field.summary in ("item", "group") and section.kind != "table":
                problems.append(Problem(name, _line_for(("sections", si, "fields", fi, "summary"), lines),
                                        f"sections.{si}.fields.{fi} ({field.id})",
                                        f"summary '{field.summary}' is for a column of a table"))
            if field.split_by is None:
                continue
            other = columns.get(field.split_by)
            if other is None or other.id == field.id or other.unit not in ("choice", "yes_no"):
                problems.append(Problem(name, _line_for(("sections", si, "fields", fi, "split_by"), lines),
                                        f"sections.{si}.fields.{fi} ({field.id})",
                                        f"split_by '{field.split_by}' must name another choice or yes/no field "
                                        "of the same section"))
    return problems


def _check_verdicts(spec: Spec, name: str, lines: dict[tuple, int]) -> list[Problem]:
    """A consultation names the column its votes are in, and which of its choices count for and against."""
    verdicts, line = spec.verdicts, _line_for(("verdicts",), lines) or _line_for(("kind",), lines)
    if verdicts.vote is None:
        if spec.kind == "consultation":
            return [Problem(name, line, "verdicts", "a consultation needs verdicts.vote: the column of its fixed-row "
                                                    "table where each indicator is voted on")]
        return []
    field = spec.fields.get(verdicts.vote)
    if field is None or field.unit != "choice" or not spec.section_of(field.id).fixed:
        return [Problem(name, line, "verdicts.vote", f"'{verdicts.vote}' is not a choice column of a table of "
                                                     "fixed rows")]
    problems = []
    for key in ("in_favour", "against"):
        chosen = getattr(verdicts, key)
        unknown = [c for c in chosen if c not in field.options]
        if not chosen or unknown:
            problems.append(Problem(name, _line_for(("verdicts", key), lines) or line, f"verdicts.{key}",
                                    f"name one or more of the choices of '{field.id}' ({', '.join(field.options)})"
                                    + (f"; not a choice: {', '.join(unknown)}" if unknown else "")))
    both = set(verdicts.in_favour) & set(verdicts.against)
    if both:
        problems.append(Problem(name, line, "verdicts", f"{', '.join(sorted(both))} cannot count both in favour and against"))
    return problems


def _check_compare(field, name: str, line: int | None, where: str) -> list[Problem]:
    """Counts are volumes, never ranked; a test of significance needs an interval, so a numerator and denominator."""
    if not field.compare:
        return []
    if field.is_count:
        return [Problem(name, line, where, f"'{field.id}' is a count: counts are volumes and are not compared "
                                           f"({', '.join(field.compare)}). Remove 'compare', and add a derived rate "
                                           "or percentage on its natural population to compare instead")]
    if not field.numeric or field.theme is None:
        return [Problem(name, line, where, "only a numeric indicator with a theme can be compared")]
    try:
        ratio = field.parsed_expression.ratio if field.derived else None
    except ExpressionError:
        return []  # the expression's own problem is reported once, by _check_expression
    if "significance" in field.compare and ratio is None:
        return [Problem(name, line, where, "'significance' needs a rate or percentage worked out as numerator / "
                                           "denominator, which has a 95% interval")]
    return []


def _check_per_10000_of(spec: Spec, field: Field, name: str, line: int | None, where: str) -> list[Problem]:
    """A range per 10,000 is per 10,000 of a count every borough types on the same form, such as its population."""
    base = spec.fields.get(field.plausible.per_10000_of)
    if base is None or base.derived or base.unit not in ("count", "number") or base.id == field.id \
            or spec.section_of(base.id).kind != "form":
        return [Problem(name, line, where, f"plausible.per_10000_of '{field.plausible.per_10000_of}' must name another "
                                           "collected count on the form, such as POP_0_17")]
    return []


def _check_expression(spec, section, field, name, line, where) -> list[Problem]:
    try:
        expression = field.parsed_expression
    except ExpressionError as exc:
        return [Problem(name, line, where, str(exc))]
    problems = []
    for ref in expression.names:
        target = spec.fields.get(ref)
        if target is None:
            problems.append(Problem(name, line, where, f"expression uses '{ref}', which the spec does not define"))
        elif target.derived or not target.numeric:
            problems.append(Problem(name, line, where, f"expression uses '{ref}', which is not a collected number"))
        elif spec.section_of(ref).kind != "form" or section.kind != "form":
            problems.append(Problem(name, line, where, "derived fields work only within forms"))
    return problems
