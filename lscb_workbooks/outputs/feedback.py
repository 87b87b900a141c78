"""Feedback workbooks: what was wrong with a borough's return, in a form its coordinator can act on.

The project officer emails one workbook back to each borough whose latest
return had errors or warnings, or whose file could not be read at all. The
coordinator is a spreadsheet user, not a technical one: the first sheet says
in plain words what happened and what to do, the second lists every problem
with the cell it is in, the third shows every figure we read, with the cells
that have problems marked by colour and by words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ..intake.unreadable import for_the_sender
from ..spec.models import Spec
from ..spec.periods import PeriodError, parse_period
from ..spec.register import Authority, Register
from ..store.db import Store
from ..validation.records import BLANK_RETURN
from . import xlsx
from ..wording import listed, neither_or_none, plural, when_received
from .builder import Column, WorkbookBuilder
from .comparison import recompute_derived

VALIDATED = ("accepted", "accepted_with_warnings", "rejected", "undecided")
NEEDS_FEEDBACK = ("accepted_with_warnings", "rejected", "unreadable", "undecided")

STATUS_WORDS: dict[str, tuple[str, str]] = {
    "rejected": (
        "Rejected: this return cannot be used yet",
        "Please correct and send the whole return again",
    ),
    "accepted_with_warnings": (
        "Accepted with warnings",
        "Please check these figures and reply or resend if any is wrong",
    ),
    "accepted": ("Accepted", "Nothing to do"),
    "undecided": (  # worded with the number of versions: see ReturnFeedback.outcome
        "{versions} of your return arrived together: {none} is in use yet",
        "Please reply to say which version counts: its file name and when you last saved it",
    ),
    "unreadable": (
        "Could not be read",
        "Please send the return again: the completed template, saved in Excel as .xlsx, without a password",
    ),
}

SEVERITY_WORDS = {"error": "Error", "warning": "Warning"}
SEVERITY_ORDER = {"error": 0, "warning": 1}
HIGHLIGHT = {"error": "#F8CBAD", "warning": "#FFE699"}
WHOLE_FILE = "(whole file)"
CELL_REFERENCE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


@dataclass
class ReturnFeedback:
    """Everything one authority's feedback workbook says, gathered from the store before any writing."""

    authority: Authority
    period: str
    submission: dict[str, Any]
    problems: pd.DataFrame
    figures: pd.DataFrame
    unreadable: list[dict[str, Any]] = field(default_factory=list)
    tied: list[dict[str, Any]] = field(default_factory=list)  # the versions that tie, when the return is undecided

    @property
    def status(self) -> str:
        return str(self.submission["status"])

    @property
    def outcome(self) -> tuple[str, str]:
        """What happened to the return and what to do, in the coordinator's words."""
        words, action = STATUS_WORDS.get(self.status, (self.status.replace("_", " ").capitalize(), ""))
        if self.status == "undecided":
            words = words.format(versions=plural(len(self.tied), "version"), none=neither_or_none(len(self.tied)))
        return words, action

    @property
    def note(self) -> str:
        """Our note on the file. The store's note on tied versions is for the project officer, who settles
        the tie with a command; the coordinator is told what happened and what comes next instead."""
        return _tie_note(self.tied) if self.status == "undecided" else for_the_sender(_text(self.submission.get("message")))

    @property
    def errors(self) -> int:
        return int((self.problems.severity == "error").sum())

    @property
    def warnings(self) -> int:
        return int((self.problems.severity == "warning").sum())


def write_feedback(
    store: Store, spec: Spec, register: Register, out_dir: Path, period: str | None = None
) -> list[Path]:
    """One feedback workbook per authority whose latest return for `period` needs attention.

    Without a period, the latest period in the store is used. Feedback left in
    `out_dir` by an earlier run for an authority whose return is now clean is
    removed, so the project officer never sends out advice that no longer holds.
    """
    out_dir = Path(out_dir)
    period = period or _latest_period(store, spec)
    due = gather_feedback(store, spec, register, period) if period else []
    written = [
        xlsx.save_atomically(lambda workbook, fb=fb: render_feedback(workbook, fb, spec), out_dir / f"{fb.authority.file_stem}.xlsx")
        for fb in due
    ]
    _remove_stale(out_dir, register, written)
    return written


def gather_feedback(store: Store, spec: Spec, register: Register, period: str) -> list[ReturnFeedback]:
    """The feedback due for `period`, in register order; nothing is written."""
    submissions = store.submissions(spec.id, period)
    unreadable = _unreadable_files(store, spec, period)
    issues = store.issues(spec.id, period)
    previous = _previous_figures(store, spec, period)
    # Each authority's rows, and each return's issues, found once: not by filtering whole frames 33 times over.
    validated = _by(submissions[submissions.status.isin(VALIDATED)], "la_code")
    blank = set(issues.submission_id[issues.rule == BLANK_RETURN])
    unreadable_by = _by(unreadable, "la_code")
    issues_by = _by(issues, "submission_id")
    due = []
    for authority in register:
        latest = _latest_validated(validated.get(authority.la_code), blank)
        failed = _unreadable_after(unreadable_by.get(authority.la_code), latest)
        own_issues = issues_by.get(latest["id"], issues.iloc[0:0]) if latest is not None else issues.iloc[0:0]
        if not _needs_feedback(latest, own_issues, failed):
            continue
        primary = latest if latest is not None else failed[-1]
        due.append(ReturnFeedback(
            authority=authority,
            period=period,
            submission=primary,
            problems=_problems(spec, own_issues, failed),
            figures=_with_previous(_figures(store, spec, latest["id"]), previous.get(authority.la_code, {}))
            if latest is not None else _no_figures(),
            unreadable=failed,
            tied=_tied_versions(submissions, latest),
        ))
    return due


def render_feedback(workbook: xlsxwriter.Workbook, feedback: ReturnFeedback, spec: Spec) -> None:
    header = f"{feedback.authority.name} · {feedback.period} · Feedback on your {spec.title.lower()} return"
    book = WorkbookBuilder(workbook, header=header)
    workbook.set_properties({
        "title": f"Feedback on {feedback.authority.name}'s return for {feedback.period}",
        "subject": spec.title,
        "comments": "Made by lscb-workbooks from the checks run on the return when it was received.",
    })
    _what_to_do_sheet(workbook.add_worksheet("What to do"), feedback, spec, book)
    _problems_sheet(workbook.add_worksheet("Problems"), feedback, book)
    _figures_sheet(workbook.add_worksheet("Your figures"), feedback, book)


# Choosing what to report ---------------------------------------------------------------------


def _latest_period(store: Store, spec: Spec) -> str | None:
    periods = store.periods(spec.id)
    return periods[-1] if periods else None


def _by(frame: pd.DataFrame, column: str) -> dict[Any, pd.DataFrame]:
    """`frame`'s rows for each value of `column`, in their order."""
    return dict(tuple(frame.groupby(column, sort=False))) if not frame.empty else {}


def _latest_validated(own: pd.DataFrame | None, blank: set[int]) -> dict[str, Any] | None:
    """An authority's latest checked return (of `own`, its returns checked), passing over a blank one (its id
    in `blank`) sent after a return with figures: that blank replaced nothing, so there is nothing to feed back."""
    if own is None or own.empty:
        return None
    is_blank = own.id.isin(blank)
    if not is_blank.all():
        own = own[~is_blank]
    return own.sort_values(["received_at", "path", "id"]).iloc[-1].to_dict()


def _tied_versions(submissions: pd.DataFrame, latest: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The versions that tie with an undecided return, itself among them, in the order they were stored."""
    if latest is None or latest["status"] != "undecided":
        return []
    own = submissions[(submissions.la_code == latest["la_code"]) & (submissions.status == "undecided")]
    return own.sort_values("id").to_dict("records")


def _unreadable_files(store: Store, spec: Spec, period: str) -> pd.DataFrame:
    """Files that could not be read but were tied to an authority (by their identity sheet or sender).

    A file that could not be read may not say which collection or period it
    was for; it is counted in any round it could belong to.
    """
    return store.frame(
        "SELECT * FROM submissions WHERE status = 'unreadable' AND la_code IS NOT NULL "
        "AND (collection IS NULL OR collection = ?) AND (period IS NULL OR period = ?) "
        "ORDER BY received_at, path, id",
        (spec.id, period),
    )


def _unreadable_after(own: pd.DataFrame | None, latest: dict[str, Any] | None) -> list[dict[str, Any]]:
    """An authority's unreadable files (`own`) that no later readable return has replaced."""
    if own is None:
        return []
    if latest is not None:
        own = own[own.received_at >= latest["received_at"]]
    return [row.to_dict() for _, row in own.iterrows()]


def _needs_feedback(latest: dict[str, Any] | None, issues: pd.DataFrame, failed: list[dict[str, Any]]) -> bool:
    if failed:
        return True
    if latest is None:
        return False
    return latest["status"] in NEEDS_FEEDBACK or not issues.empty


# Problems: one row per issue, errors first, then in the order of the return --------------------


PROBLEM_COLUMNS = ["severity", "sheet", "cell", "field_id", "indicator", "message", "action"]


def _problems(spec: Spec, issues: pd.DataFrame, failed: list[dict[str, Any]]) -> pd.DataFrame:
    rows = [
        {
            "severity": str(issue.severity),
            "sheet": _text(issue.sheet),
            "cell": _text(issue.cell).replace("$", ""),
            "field_id": _text(issue.field_id),
            "indicator": _label(spec, _text(issue.field_id)),
            "message": _text(issue.message),
            "action": _action(str(issue.severity), _text(issue.sheet), _text(issue.cell).replace("$", "")),
        }
        for issue in issues.itertuples()
    ]
    rows += [
        {
            "severity": "error",
            "sheet": WHOLE_FILE,
            "cell": "",
            "field_id": "",
            "indicator": "",
            "message": f"{_text(f['file'])} (received {when_received(f['received_at'])}): "
                       f"{for_the_sender(_text(f['message']))}",
            "action": STATUS_WORDS["unreadable"][1] + ".",
        }
        for f in failed
    ]
    sheet_order = {s.sheet: i for i, s in enumerate(spec.sections)}

    def place(row: dict[str, Any]) -> tuple[int, ...]:
        return (SEVERITY_ORDER.get(row["severity"], 2), sheet_order.get(row["sheet"], len(sheet_order)),
                *_cell_position(row["cell"]))

    return pd.DataFrame(sorted(rows, key=place), columns=PROBLEM_COLUMNS)


def _action(severity: str, sheet: str, cell: str) -> str:
    if not cell and not sheet:
        return ("Do as 'What is wrong' says, then send the whole return again." if severity == "error"
                else "Check this, and reply if anything needs explaining.")
    where = f"cell {cell} on the '{sheet}' sheet" if cell else f"the '{sheet}' sheet"
    if severity == "error":
        return f"Correct {where}, then send the whole return again."
    return (
        f"Check {where}. If the figure is right, say why in its comment or in your reply; "
        "if it is wrong, correct it and send the whole return again."
    )


def _cell_position(cell: str) -> tuple[int, int]:
    """(row, column) of an A1 reference, so problems sort top to bottom; (0, 0) when there is no cell."""
    match = CELL_REFERENCE.match(cell or "")
    if not match:
        return (0, 0)
    column = 0
    for letter in match[1].upper():
        column = column * 26 + ord(letter) - 64
    return (int(match[2]), column)


# Figures: every field of the return, with its problems beside it -------------------------------


FIGURE_COLUMNS = ["sheet", "cell", "field_id", "indicator", "unit", "value", "previous", "change", "rating", "comment",
                  "derived", "severity", "problem"]


def _figures(store: Store, spec: Spec, submission_id: int) -> pd.DataFrame:
    """What we read from the return, in the order of the spec; blank boxes of a form are listed too.

    A rejected return's values are not in use, so they are read by submission,
    not through the values in use.
    """
    values = store.frame(
        'SELECT section_id, row_number, field_id, value, number, rating, comment, sheet, cell, derived '
        'FROM "values" WHERE submission_id = ? ORDER BY rowid',
        (int(submission_id),),
    )
    issues = store.frame(
        "SELECT severity, field_id, sheet, cell, message FROM issues WHERE submission_id = ? ORDER BY rowid",
        (int(submission_id),),
    )
    rows = []
    for section in spec.sections:
        own = values[values.section_id == section.id]
        if section.kind == "form":
            by_field = {r.field_id: r for r in own.itertuples()}
            for f in section.fields:
                rows.append(_figure_row(spec, section.sheet, f.id, by_field.get(f.id)))
        else:
            for r in own.itertuples():
                rows.append(_figure_row(spec, section.sheet, r.field_id, r))
    frame = pd.DataFrame(rows, columns=FIGURE_COLUMNS)
    return _mark_problems(frame, issues)


def _figure_row(spec: Spec, sheet: str, field_id: str, value: Any) -> dict[str, Any]:
    f = spec.value_field(field_id)
    label = _label(spec, field_id)
    row_number = getattr(value, "row_number", None)
    numbered = f is not None and spec.value_row(field_id) is None and spec.section_of(f.id).kind == "table"
    if value is not None and numbered and not pd.isna(row_number):
        label = f"{label} (row {int(row_number)})"
    number = getattr(value, "number", None)
    shown = number if f is not None and f.numeric and number is not None and not pd.isna(number) else getattr(value, "value", None)
    return {
        "sheet": _text(getattr(value, "sheet", "")) or sheet,
        "cell": _text(getattr(value, "cell", "")).replace("$", ""),
        "field_id": field_id,
        "indicator": label,
        "unit": f.unit if f is not None else "text",
        "value": None if xlsx.is_blank(shown) else shown,
        "previous": None, "change": None,
        "rating": _text(getattr(value, "rating", "")),
        "comment": _text(getattr(value, "comment", "")),
        "derived": bool(getattr(value, "derived", 0) or (f is not None and f.derived)),
        "severity": "",
        "problem": "",
    }


def _mark_problems(figures: pd.DataFrame, issues: pd.DataFrame) -> pd.DataFrame:
    """Attach each issue to the figure it is about: by sheet and cell, else by field (form fields only)."""
    by_cell = {(str(r.sheet), str(r.cell)): i for i, r in figures.iterrows() if r.cell}
    by_field = {}
    for i, r in figures.iterrows():
        by_field.setdefault(r.field_id, i)
    for issue in issues.itertuples():
        cell = _text(issue.cell).replace("$", "")
        target = by_cell.get((_text(issue.sheet), cell))
        if target is None and issue.field_id:
            target = by_field.get(issue.field_id)
        if target is None:
            continue
        severity = str(issue.severity)
        current = figures.at[target, "severity"]
        if not current or SEVERITY_ORDER.get(severity, 2) < SEVERITY_ORDER.get(current, 2):
            figures.at[target, "severity"] = severity
        line = f"{SEVERITY_WORDS.get(severity, severity.title())}: {_text(issue.message)}"
        figures.at[target, "problem"] = "\n".join(filter(None, [figures.at[target, "problem"], line]))
    return figures


def _previous_figures(store: Store, spec: Spec, period: str) -> dict[str, dict[str, float]]:
    """{la_code: {field_id: number}} from the returns in use for the period before, rates worked out again."""
    try:
        order = sorted(store.periods(spec.id), key=lambda p: parse_period(p).sort_key())
        before = [p for p in order if parse_period(p).sort_key() < parse_period(period).sort_key()]
    except PeriodError:
        return {}
    if not before:
        return {}
    values = recompute_derived(store.values_in_use(spec.id, before[-1]), spec)
    if values.empty:
        return {}
    numbers = values[pd.to_numeric(values.number, errors="coerce").notna()]
    out: dict[str, dict[str, float]] = {}
    for la_code, field_id, number in zip(numbers.la_code, numbers.field_id, numbers.number):
        out.setdefault(str(la_code), {})[field_id] = float(number)
    return out


def _with_previous(figures: pd.DataFrame, previous: dict[str, float]) -> pd.DataFrame:
    """Last period's figure and the change beside each number of this return."""
    figures = figures.copy()
    figures["previous"] = [previous.get(f) for f in figures.field_id]
    figures["change"] = [v - p if isinstance(v, (int, float)) and p is not None else None
                         for v, p in zip(figures.value, figures.previous)]
    return figures


def _no_figures() -> pd.DataFrame:
    return pd.DataFrame(columns=FIGURE_COLUMNS)


# Rendering -----------------------------------------------------------------------------------


def _what_to_do_sheet(ws: Worksheet, fb: ReturnFeedback, spec: Spec, book: WorkbookBuilder) -> None:
    formats = book.f
    status_words, action = fb.outcome
    label = formats.get(bold=True, valign="top")
    wrap = formats.wrap
    strong = formats.get(bold=True, text_wrap=True, valign="top", font_size=12, bg_color=HIGHLIGHT["error"] if fb.status == "rejected" else HIGHLIGHT["warning"])
    widths = [24, 100]
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.write_string(0, 0, f"Feedback on your return: {fb.authority.name}, {fb.period}", formats.title)
    rows: list[tuple[str, Any, Any]] = [
        ("Authority", f"{fb.authority.name} ({fb.authority.la_code})", wrap),
        ("Period", fb.period, wrap),
        ("Collection", spec.title, wrap),
        ("File received", _text(fb.submission.get("file")), wrap),
        ("Received", when_received(fb.submission.get("received_at")), wrap),
        ("Status", status_words, wrap),
        ("What to do", action, strong),
        ("Errors", fb.errors, formats.get(num_format="0", align="left", valign="top")),
        ("Warnings", fb.warnings, formats.get(num_format="0", align="left", valign="top")),
        ("Our note on the file", fb.note, wrap),
    ]
    if fb.authority.coordinator_name:
        rows.insert(1, ("For", fb.authority.coordinator_name, wrap))
    if fb.unreadable and fb.submission.get("status") != "unreadable":
        later = "; ".join(f"{_text(f['file'])} (received {when_received(f['received_at'])})" for f in fb.unreadable)
        rows.append(("Also received", f"{later}: we could not read this. See the Problems sheet.", wrap))
    row = 2
    for name, value, value_format in rows:
        ws.write_string(row, 0, name, label)
        xlsx.write_value(ws, row, 1, value, value_format)
        xlsx.fit_row(ws, row, [(xlsx.cell_text(value), widths[1])])
        row += 1
    row += 1
    ws.write_string(row, 0, "How to use this workbook", formats.subtitle)
    for line in _guidance(fb):
        row += 1
        ws.write_string(row, 1, line, wrap)
        xlsx.fit_row(ws, row, [(line, widths[1])])
    ws.hide_gridlines(2)
    book.print_layout(ws)
    ws.activate()


def _guidance(fb: ReturnFeedback) -> list[str]:
    lines = [
        "The 'Problems' sheet lists each problem, errors first, with the sheet and cell of your return it is in, "
        "what is wrong and what to do. Use the arrows in its header row to show only errors or only warnings.",
        "The 'Your figures' sheet shows every figure we read from your return. Cells with a problem are shaded "
        "(red for an error, yellow for a warning) and the 'Problem' column says what it is.",
    ]
    if fb.status == "rejected" or fb.unreadable:
        lines.append("Errors must be put right before your figures can be used: correct them in the return you sent "
                     "(not in this workbook) and email the whole return again.")
    if fb.warnings:
        lines.append("A warning is a figure that looks unusual. It may well be right: if so, reply to say so, or add "
                     "a comment beside it in the return. If it is wrong, correct it and send the whole return again.")
    return lines


def _problems_sheet(ws: Worksheet, fb: ReturnFeedback, book: WorkbookBuilder) -> None:
    formats = book.f
    columns = [
        Column("Severity", 10, lambda p: SEVERITY_WORDS.get(p.severity, p.severity.title()),
               style=lambda p: formats.get(bold=True, valign="top", bg_color=HIGHLIGHT.get(p.severity, "#FFFFFF"))),
        Column("Sheet", 14, "sheet", wrap=True), Column("Cell", 7, "cell", wrap=True),
        Column("Ref", 16, "field_id", wrap=True), Column("Indicator", 36, "indicator", wrap=True),
        Column("What is wrong", 56, "message", wrap=True), Column("What to do", 42, "action", wrap=True),
    ]
    book.table(ws, 0, columns, fb.problems.itertuples(), "Problems")
    if fb.problems.empty:
        ws.write_string(1, 0, "None", formats.wrap)
        ws.write_string(1, 5, "We found no problem with individual cells.", formats.wrap)
    ws.freeze_panes(1, 0)
    book.print_layout(ws, (0, 0))


def _figures_sheet(ws: Worksheet, fb: ReturnFeedback, book: WorkbookBuilder) -> None:
    formats = book.f
    figures = fb.figures
    if figures.empty:
        for col, width in enumerate([12, 7, 22, 44]):
            ws.set_column(col, col, width)
        ws.write_string(0, 0, "We could not read your file, so there are no figures to show.", formats.subtitle)
        book.print_layout(ws)
        return

    def shaded(**style: Any):
        """A format shaded as the figure's worst problem is (red for an error, yellow for a warning)."""
        return lambda r: formats.get(valign="top", **style, **({"bg_color": HIGHLIGHT[r.severity]}
                                                                  if r.severity in HIGHLIGHT else {}))

    def value_format(r):
        shade = {"bg_color": HIGHLIGHT[r.severity]} if r.severity in HIGHLIGHT else {}
        if isinstance(r.value, (int, float)):
            return formats.unit(r.unit, valign="top", align="right", **shade)
        return formats.get(text_wrap=True, valign="top", **shade)

    columns = [
        Column("Sheet", 12, "sheet", style=shaded(text_wrap=True), wrap=True),
        Column("Cell", 7, "cell", style=shaded()),
        Column("Ref", 22, "field_id", style=shaded()),
        Column("Indicator", 44, lambda r: r.indicator + (" (worked out from your counts)" if r.derived else ""),
               style=shaded(text_wrap=True), wrap=True),
        Column("Value", 16, "value", style=value_format, wrap=True),
        Column("Last period", 11, "previous", style=lambda r: formats.unit(r.unit, valign="top")),
        Column("Change", 9, "change", style=lambda r: formats.get(
            num_format=xlsx.signed_format(xlsx.number_format(r.unit)), valign="top")),
        Column("Data quality", 12, "rating", style=formats.get(valign="top", indent=1)),
        Column("Comment", 30, "comment", wrap=True),
        Column("Check", 9, lambda r: SEVERITY_WORDS.get(r.severity, r.severity.title()) if r.severity else None,
               style=shaded(bold=True)),
        Column("Problem", 40, lambda r: r.problem if r.severity else None, style=shaded(text_wrap=True), wrap=True),
    ]
    book.table(ws, 0, columns, figures.itertuples(), "YourFigures", style="Table Style Light 1")
    ws.freeze_panes(1, 4)
    book.print_layout(ws, (0, 0))


# Small words ---------------------------------------------------------------------------------


def _label(spec: Spec, field_id: str) -> str:
    """The field's label; for an answer on a fixed row (`ROW.column`), the row's label first."""
    return spec.value_label(field_id)


def _tie_note(tied: list[dict[str, Any]]) -> str:
    """Versions that arrived together, as the coordinator sees it: what happened, and what comes next."""
    others = "the other" if len(tied) == 2 else "the others"
    return (f"{plural(len(tied), 'version')} of your return arrived at the same moment "
            f"({when_received(tied[0]['received_at'])}): {listed([_text(t['file']) for t in tied])}. "
            f"{'Neither workbook' if len(tied) == 2 else 'None of the workbooks'} says it was saved later than "
            f"{others}, so we cannot tell which one counts, and none of your figures is in use until we know. "
            "The project officer will ask you which one counts; you can reply now to say which file it is.")


def _text(value: Any) -> str:
    return "" if xlsx.is_blank(value) else str(value)


def _remove_stale(out_dir: Path, register: Register, written: list[Path]) -> None:
    keep = {p.name for p in written}
    for authority in register:
        stale = out_dir / f"{authority.file_stem}.xlsx"
        if stale.name not in keep and stale.exists():
            stale.unlink()
