"""`lscb spec revise`: the consultation's verdicts turned into a revised draft of the dataset spec, for sign-off.

The revised YAML is the old one edited, not rewritten, so every definition,
source and comment the officer wrote survives and the diff shows only what
the consultation changed: indicators with consensus to drop removed (with the
counts only they needed), contested ones marked, the gaps boards named added
as commented proposals. The sign-off workbook puts every change beside the
votes behind it, for the steering group to approve.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from ..atomic import replacing
from ..errors import LscbError
from ..spec.load import check_spec_text
from ..spec.models import ConceptualModel, Spec
from ..spec.register import Register
from ..store.db import Store
from . import xlsx
from .builder import Column, WorkbookBuilder
from .consultation_master import CONTESTED, DROP, KEEP, grouped_gaps, indicator_summary
from .survey_master import commonest, gather_survey, same_words, table_answers

REMOVED, MARKED, KEPT_AS_NEEDED, PROPOSED = "Removed", "Marked for change", "Kept: needed by another", "Proposed"
CHANGES_SHARE = 0.25  # share of votes asking for changes that marks an indicator for change
PROPOSAL_NAMED_BY = 3  # boards naming a gap (under one theme) before it becomes a proposal


class RevisionError(LscbError):
    """The revision cannot be made; the message says why and what to do."""


@dataclass
class Change:
    field_id: str
    label: str
    theme: str
    age_group: str
    change: str
    reason: str
    votes: dict


@dataclass
class Proposal:
    field_id: str
    gap: str
    theme: str | None
    age_group: str | None
    named_by: str
    boards: int


@dataclass
class Revision:
    spec_path: Path
    signoff_path: Path
    old: Spec
    new: Spec
    period: str
    boards: int
    changes: list[Change]
    proposals: list[Proposal]
    cells: list[dict] = field(default_factory=list)


def revise_spec(spec: Spec, spec_text: str, consultation: Spec, store_path: Path, register: Register, out_dir: Path,
                version: str | None = None, produced_at: datetime | None = None) -> Revision:
    """Write `out_dir`/dataset.yaml (the revised draft) and `out_dir`/sign-off.xlsx; both or neither."""
    if not Path(store_path).is_file():
        raise RevisionError(f"no store at {store_path}: give the store.sqlite of the consultation round")
    store = Store(Path(store_path))
    try:
        periods = store.periods(consultation.id)
        if not periods:
            raise RevisionError(f"the store {store_path} holds no consultation returns: give the consultation "
                                "round's store")
        data = gather_survey(store, consultation, register, periods[-1], produced_at or datetime.now())
    finally:
        store.close()
    proposed = next(s for s in consultation.sections if s.kind == "table" and s.fixed)
    summary = indicator_summary(consultation, proposed, table_answers(data, proposed))
    votes = {r["id"]: r for r in summary.to_dict("records")}
    changes = _changes(spec, votes, consultation)
    proposals = _proposals(spec, consultation, data)
    new_version = version or _next_version(spec.version)
    text = _revised_text(spec_text, spec, changes, proposals, new_version, data.period, len(data.returned))
    out_dir = Path(out_dir)
    spec_path = out_dir / "dataset.yaml"
    new, problems = check_spec_text(text, str(spec_path))
    if problems or new is None:
        raise RevisionError("the revised spec would not pass its check, so nothing was written:\n"
                            + "\n".join(str(p) for p in problems))
    revision = Revision(spec_path, out_dir / "sign-off.xlsx", spec, new, data.period, len(data.returned), changes,
                        proposals, model_cells(spec.conceptual_model, new.conceptual_model, proposals))
    with replacing(spec_path) as temporary:
        temporary.write_text(text, encoding="utf-8")
    xlsx.save_atomically(lambda workbook: _SignOff(workbook, revision).render(), revision.signoff_path)
    return revision


def _next_version(version: str) -> str:
    head, _, last = str(version).rpartition(".")
    return f"{head}.{int(last) + 1}" if last.isdigit() and head else f"{version}.1"


# ---------------------------------------------------------------- what changes


def _changes(spec: Spec, votes: dict[str, dict], consultation: Spec) -> list[Change]:
    vote_field = consultation.fields[consultation.verdicts.vote]
    with_changes = [o for o in vote_field.options if o in consultation.verdicts.in_favour][1:]
    dropped = {f.id for f in spec.indicators if votes.get(f.id, {}).get("verdict") == DROP}
    needed = {}
    for f in spec.form_fields:
        if f.id not in dropped and f.parsed_expression:
            for name in f.parsed_expression.names:
                needed.setdefault(name, f.id)
    kept_as_needed = {i: needed[i] for i in dropped if i in needed}
    dropped -= set(kept_as_needed)
    only_for = {}
    for f in spec.form_fields:
        if f.id in dropped and f.parsed_expression:
            for name in f.parsed_expression.names:
                users = [g.id for g in spec.form_fields if g.parsed_expression and name in g.parsed_expression.names
                         and g.id not in dropped]
                if not users and name not in dropped and votes.get(name, {}).get("verdict") != KEEP:
                    only_for[name] = f.id
    changes = []
    for f in spec.indicators + [spec.fields[i] for i in only_for if not spec.fields[i].theme]:
        v = votes.get(f.id, {})
        words = _vote_words(v, vote_field.options)
        if f.id in dropped:
            changes.append(_change(f, REMOVED, f"consensus to drop: {words}", v))
        elif f.id in only_for:
            changes.append(_change(f, REMOVED, f"collected only to work out {only_for[f.id]}, which is dropped", v))
        elif f.id in kept_as_needed:
            changes.append(_change(f, KEPT_AS_NEEDED, f"voted to drop ({words}), but {kept_as_needed[f.id]} is "
                                                      "worked out from it", v))
        elif v.get("verdict") == CONTESTED or (v.get("votes") and sum(v.get(f"vote:{o}", 0) for o in with_changes)
                                                >= CHANGES_SHARE * v["votes"]):
            changes.append(_change(f, MARKED, f"{v.get('verdict', '').lower()}: {words}", v))
    return changes


def _change(f, change: str, reason: str, votes: dict) -> Change:
    return Change(f.id, f.label, f.theme or "", f.age_group or "", change, reason, votes)


def _vote_words(v: dict, options: tuple[str, ...]) -> str:
    if not v.get("votes"):
        return "no votes"
    return ", ".join(f"{v.get(f'vote:{o}', 0)} {o.lower()}" for o in options) + f" of {v['votes']} votes"


def _proposals(spec: Spec, consultation: Spec, data) -> list[Proposal]:
    section = next((s for s in consultation.sections if s.kind == "table" and not s.fixed
                    and any(f.summary == "item" for f in s.fields)), None)
    if section is None:
        return []
    item = next(f for f in section.fields if f.summary == "item")
    group = next((f for f in section.fields if f.summary == "group"), None)
    age = next((f for f in section.fields if f.options and _age_group_of(spec, f.options[0])), None)
    gaps = grouped_gaps(table_answers(data, section), group, item, data)
    taken = set(spec.fields)
    proposals = []
    for g in gaps.itertuples(index=False):
        if g.authorities < PROPOSAL_NAMED_BY:
            continue
        ages = g.rows[age.id].dropna() if age is not None and age.id in g.rows else pd.Series(dtype=object)
        field_id = _proposal_id(g.item, taken)
        taken.add(field_id)
        proposals.append(Proposal(field_id, g.item, _theme_of(spec, g.group),
                                  _age_group_of(spec, commonest(ages)) if len(ages) else None, g.named_by,
                                  int(g.authorities)))
    return proposals


def _theme_of(spec: Spec, text: str) -> str | None:
    key = same_words(text)
    return next((t.id for t in spec.themes if same_words(t.title).startswith(key) and key), None)


def _age_group_of(spec: Spec, text: str) -> str | None:
    return next((a.id for a in spec.age_groups if same_words(a.title) == same_words(text)), None)


def _proposal_id(name: str, taken: set[str]) -> str:
    base = "PROPOSED_" + re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")[:30].rstrip("_")
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    return candidate


def model_cells(before: ConceptualModel | None, after: ConceptualModel | None,
                proposals: list[Proposal]) -> list[dict]:
    """Every cell of the model: its indicators before and after, proposals for it, and what happened to it."""
    if before is None or after is None:
        return []
    cells = []
    for t in before.themes:
        for a in before.age_groups:
            old = [e.id for e in before.cell(t.id, a.id)]
            new = [e.id for e in after.cell(t.id, a.id)]
            offered = [p.field_id for p in proposals if p.theme == t.id and p.age_group == a.id]
            status = ("emptied by this revision" if old and not new else "gap a proposal would fill" if not new
                      and offered else "still a gap" if not new else "covered")
            cells.append({"theme": t.title, "age_group": a.title, "before": ", ".join(old), "after": ", ".join(new),
                          "proposals": ", ".join(offered), "status": status})
    return cells


# ---------------------------------------------------------------- the revised YAML, edited in place


def _revised_text(text: str, spec: Spec, changes: list[Change], proposals: list[Proposal], version: str,
                  period: str, boards: int) -> str:
    lines = text.split("\n")
    removed = {c.field_id for c in changes if c.change == REMOVED}
    notes = {c.field_id: c for c in changes if c.change in (MARKED, KEPT_AS_NEEDED)}
    out, skip = [], False
    for line in lines:
        item = re.match(r"^  - id: (\S+)\s*$", line)
        if item:
            skip = item.group(1) in removed
            if item.group(1) in notes:
                c = notes[item.group(1)]
                out.append(f"  # REVISED {version}: {c.change.lower()} ({c.reason}); see sign-off.xlsx")
        elif skip and not (line.startswith("    ") or not line.strip()):
            skip = False
        if not skip:
            out.append(line)
    text = "\n".join(out)
    text = re.sub(r"(?m)^version: .*$", f"version: '{version}'", text, count=1)
    text = re.sub(r"(?m)^template_version: .*$", f"template_version: '{version}'", text, count=1)
    text = _without_rules_on(text, removed)
    text = _with_proposals(text, spec, proposals, version)
    header = (f"# REVISED DRAFT {version}, from the consultation {period} ({boards} boards' returns in use): "
              f"{len(removed)} indicator(s) or count(s) removed, {len(notes)} marked, {len(proposals)} gap(s) "
              "proposed below as comments.\n# For the steering group to sign off with sign-off.xlsx; then replace "
              "the dataset spec with this file.\n")
    return header + text


def _without_rules_on(text: str, removed: set[str]) -> str:
    """Rules naming a removed field go with it."""
    out, item, in_rules = [], [], False

    def flush() -> None:
        if not any(re.search(rf"\b{re.escape(r)}\b", line) for line in item for r in removed):
            out.extend(item)
        item.clear()

    for line in text.split("\n"):
        if re.match(r"^\S", line) and not line.startswith("- "):
            flush()
            in_rules = line.startswith("rules:")
            out.append(line)
        elif in_rules and line.startswith("- "):
            flush()
            item.append(line)
        elif in_rules and item:
            item.append(line)
        else:
            out.append(line)
    flush()
    return "\n".join(out)


def _with_proposals(text: str, spec: Spec, proposals: list[Proposal], version: str) -> str:
    if not proposals:
        return text
    first_form = next(s for s in spec.sections if s.kind == "form" and any(f.theme for f in s.fields))
    later = [s for s in spec.sections[spec.sections.index(first_form) + 1:]]
    block = [f"  # PROPOSED {version}: gaps boards named in the consultation, as indicators to consider. Uncomment, "
             "define and source one to add it."]
    for p in proposals:
        block += [f"  # - id: {p.field_id}", f"  #   label: {p.gap}", "  #   unit: count",
                  f"  #   theme: {p.theme or 'CHOOSE A THEME'}", f"  #   age_group: {p.age_group or 'CHOOSE AN AGE GROUP'}",
                  f"  #   definition: named by {p.boards} boards ({p.named_by})"[:300]]
    marker = f"\n- id: {later[0].id}\n" if later else None
    if marker and marker in text:
        return text.replace(marker, "\n" + "\n".join(block) + marker, 1)
    return text.rstrip("\n") + "\n" + "\n".join(block) + "\n"


# ---------------------------------------------------------------- the sign-off workbook


class _SignOff(WorkbookBuilder):
    def __init__(self, workbook, revision: Revision) -> None:
        super().__init__(workbook, header="Dataset sign-off")
        self.r = revision

    def render(self) -> None:
        self.wb.set_properties({"title": f"Sign-off: dataset {self.r.new.version}",
                                "comments": "Made by lscb-workbooks from the consultation's store."})
        self.signoff(self.wb.add_worksheet("Sign-off"))
        self.changes(self.wb.add_worksheet("Changes"))
        self.cells(self.wb.add_worksheet("Model cells"))
        self.proposals(self.wb.add_worksheet("Proposals"))

    def signoff(self, ws) -> None:
        r = self.r
        ws.set_column(0, 0, 34)
        ws.set_column(1, 1, 70)
        ws.write_string(0, 0, f"Dataset {r.old.version} to {r.new.version}: changes for sign-off", self.f.title)
        counts = pd.Series([c.change for c in r.changes]).value_counts() if r.changes else pd.Series(dtype=int)
        emptied = sum(1 for c in r.cells if c["status"] == "emptied by this revision")
        filled = sum(1 for c in r.cells if c["status"] == "gap a proposal would fill")
        facts = [("Consultation", f"{r.period}: returns in use from {r.boards} boards"),
                 ("Indicators before", str(len(r.old.indicators))), ("Indicators after", str(len(r.new.indicators))),
                 *[(name, str(int(counts.get(name, 0)))) for name in (REMOVED, MARKED, KEPT_AS_NEEDED)],
                 ("Gaps proposed", str(len(r.proposals))),
                 ("Model cells emptied", str(emptied)), ("Model cells a proposal would fill", str(filled)),
                 ("Revised spec", r.spec_path.name)]
        row = 2
        for label, value in facts:
            ws.write_string(row, 0, label, self.f.get(bold=True))
            ws.write_string(row, 1, xlsx.cell_text(value), self.f.text)
            row += 1
        row += 1
        ws.write_string(row, 0, "Sign-off", self.f.subtitle)
        box = self.f.get(border=2, bg_color="#FFF2CC", locked=False)
        for label in ("Decision (approved / approved with changes / not approved)", "Name", "Role", "Date",
                      "Signature", "Changes asked for"):
            row += 1
            ws.write_string(row, 0, label, self.f.get(bold=True, text_wrap=True, valign="top"))
            ws.write_blank(row, 1, None, box)
            ws.set_row(row, 30)
        ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})
        xlsx.set_print_layout(ws, "Dataset sign-off")

    def changes(self, ws) -> None:
        share = self.f.get(num_format="0%", text_wrap=True, valign="top")
        columns = [Column("Ref", 18, "field_id", wrap=True), Column("Indicator", 46, "label", wrap=True),
                   Column("Theme", 16, "theme", wrap=True), Column("Age group", 12, "age_group", wrap=True),
                   Column("Change", 20, "change", wrap=True), Column("Why", 60, "reason", wrap=True),
                   Column("Votes", 8, "votes", wrap=True), Column("Share in favour", 10, "in_favour", style=share),
                   Column("Share against", 10, "against", style=share),
                   Column("Suggested verdict", 18, "verdict", wrap=True)]
        rows = [dict(field_id=c.field_id, label=c.label, theme=c.theme, age_group=c.age_group, change=c.change,
                     reason=c.reason, votes=c.votes.get("votes") or 0, in_favour=c.votes.get("in_favour"),
                     against=c.votes.get("against"), verdict=c.votes.get("verdict", "")) for c in self.r.changes]
        rows += [dict(field_id=p.field_id, label=p.gap, theme=p.theme or "", age_group=p.age_group or "",
                      change=PROPOSED, reason=f"named by {p.boards} boards") for p in self.r.proposals]
        self._table(ws, "Every change, with the votes behind it", columns, rows, "Changes")

    def cells(self, ws) -> None:
        columns = [Column("Theme", 40, "theme", wrap=True), Column("Age group", 20, "age_group", wrap=True),
                   Column("Indicators before", 50, "before", wrap=True),
                   Column("Indicators after", 50, "after", wrap=True),
                   Column("Proposals", 30, "proposals", wrap=True), Column("What happened", 24, "status", wrap=True)]
        self._table(ws, "The conceptual model's cells, before and after", columns, self.r.cells, "Model_cells")

    def proposals(self, ws) -> None:
        columns = [Column("Proposed ref", 30, "field_id", wrap=True), Column("Gap named", 40, "gap", wrap=True),
                   Column("Theme", 16, lambda p: p.theme or ""), Column("Age group", 14, lambda p: p.age_group or ""),
                   Column("Boards", 8, "boards", wrap=True), Column("Named by", 70, "named_by", wrap=True)]
        self._table(ws, "Gaps named in the consultation, proposed as indicators", columns, self.r.proposals,
                    "Proposals")

    def _table(self, ws, title: str, columns: list[Column], rows: list, name: str) -> None:
        ws.write_string(0, 0, title, self.f.title)
        self.table(ws, 2, columns, rows, name)
        xlsx.set_print_layout(ws, title, repeat_rows=(2, 2))
