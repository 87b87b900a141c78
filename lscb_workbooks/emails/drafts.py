"""Write email drafts: one .eml per authority, addressed from the register, with the right attachment.

A draft carries `X-Unsent: 1`, so Outlook opens it as a message ready to send
(Thunderbird opens it with "Edit as new"). An authority with no coordinator
email in the register is skipped with a note saying how to fix that, never
guessed at.
"""

from __future__ import annotations

import re
import string
import textwrap
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from email import policy
from email.message import EmailMessage
from email.utils import formataddr, parseaddr
from importlib import resources
from pathlib import Path

from ..errors import LscbError
from ..intake.unreadable import for_the_sender
from ..outputs.feedback import ReturnFeedback, gather_feedback
from ..round_status import UNDECIDED_WORDS, RoundStatus, round_status
from ..spec.models import Spec
from ..spec.periods import Period
from ..spec.register import Authority, Register
from ..store.db import Store
from ..templates.render import template_file_name
from ..wording import long_date, plural

KINDS = ("invite", "chase", "feedback")
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
DRAFT_POLICY = policy.default.clone(linesep="\r\n")
MOST_PROBLEMS_LISTED = 25
LINE_WIDTH = 76
LIST_ITEM = re.compile(r"^\s*(?:[-*]|\d+\.)\s+")

COMMON = ("coordinator_name", "authority", "la_code", "hub", "collection_title", "period", "period_dates",
          "deadline", "sender_name", "sender_email")
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "invite": COMMON + ("template_file",),
    "chase": COMMON + ("template_file", "situation", "deadline_note"),
    "feedback": COMMON + ("file", "received", "outcome", "action", "problem_count", "errors", "warnings",
                          "problems", "feedback_file"),
}


class EmailTemplateError(LscbError):
    """An email text that cannot be used: the file, the line, and what to change."""


@dataclass(frozen=True)
class EmailText:
    kind: str
    subject: string.Template
    body: string.Template
    source: Path

    def fill(self, words: dict[str, str]) -> tuple[str, str]:
        return self.subject.substitute(words).strip(), reflow(self.body.substitute(words).strip()) + "\n"


@dataclass(frozen=True)
class RoundDetails:
    """What every email of a round says the same way."""

    spec: Spec
    period: Period
    sender: str
    deadline: date | None = None
    templates_dir: Path | None = None
    output_dir: Path | None = None
    email_templates: Path | None = None
    today: date | None = None


@dataclass
class DraftsWritten:
    kind: str
    out_dir: Path
    written: list[tuple[Authority, Path]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    not_due: int = 0


def shipped_text(kind: str) -> Path:
    return Path(str(resources.files("lscb_workbooks") / "emails" / f"{kind}.txt"))


def load_email_text(kind: str, folder: Path | None = None) -> EmailText:
    """The workspace's own text for `kind` when it has one, else the text shipped with the tool."""
    if kind not in KINDS:
        raise EmailTemplateError(f"'{kind}' is not a kind of email (kinds: {', '.join(KINDS)})")
    path = folder / f"{kind}.txt" if folder and (folder / f"{kind}.txt").is_file() else shipped_text(kind)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EmailTemplateError(f"{path}: cannot be read: {exc}") from None
    return parse_email_text(kind, text, path)


def parse_email_text(kind: str, text: str, source: Path) -> EmailText:
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    if first == len(lines) or not lines[first].lower().startswith("subject:"):
        raise EmailTemplateError(f"{source}:{first + 1}: after the notes (lines starting with #), the first line "
                                 "should be the subject, such as 'Subject: $collection_title $period: $authority'")
    subject = lines[first].split(":", 1)[1]
    rest = lines[first + 1:]
    blank = next((i for i, line in enumerate(rest) if line.strip()), len(rest))
    body = "\n".join(rest[blank:]).rstrip("\n")
    for part, line in ((subject, first + 1), (body, first + 2 + blank)):
        _check_placeholders(kind, part, source, line)
    return EmailText(kind, string.Template(subject), string.Template(body), source)


def _check_placeholders(kind: str, text: str, source: Path, line: int) -> None:
    template = string.Template(text)
    if not template.is_valid():
        bad = re.search(r"\$(?![A-Za-z_{$])", text)
        at = line + text[: bad.start()].count("\n") if bad else line
        raise EmailTemplateError(f"{source}:{at}: a $ must start a word to fill in, such as $authority; "
                                 "write $$ for a dollar sign")
    allowed = PLACEHOLDERS[kind]
    for name in template.get_identifiers():
        if name not in allowed:
            found = re.search(rf"\$(?:{name}\b|\{{{name}\}})", text)
            at = line + text[: found.start() if found else 0].count("\n")
            raise EmailTemplateError(f"{source}:{at}: ${name} is not a word the {kind} email fills in "
                                     f"(it fills in: {', '.join('$' + p for p in allowed)})")


def reflow(text: str, width: int = LINE_WIDTH) -> str:
    """Re-wrap each paragraph that filling in made too long; short lines (a signature, say) stay as written.

    A list item (starting '-', '*' or '1.') is wrapped on its own, under its marker.
    """
    paragraphs = re.split(r"\n[ \t]*\n", text)
    return "\n\n".join(_reflow_paragraph(p, width) if any(len(line) > width for line in p.splitlines()) else p
                       for p in paragraphs)


def _reflow_paragraph(paragraph: str, width: int) -> str:
    items: list[list[str]] = []
    for line in paragraph.splitlines():
        if LIST_ITEM.match(line) or not items:
            items.append([line])
        else:
            items[-1].append(line.strip())
    out = []
    for item in items:
        marker = LIST_ITEM.match(item[0])
        indent = " " * len(marker.group(0)) if marker else ""
        out.append(textwrap.fill(" ".join(part.strip() if i else part for i, part in enumerate(item)), width=width,
                                 subsequent_indent=indent, break_long_words=False, break_on_hyphens=False))
    return "\n".join(out)


# Writing the drafts ---------------------------------------------------------------------------


def write_drafts(kind: str, store: Store, register: Register, details: RoundDetails, out_dir: Path,
                 run_id: int | None = None) -> DraftsWritten:
    """One draft per authority that should get this email, replacing this kind's earlier drafts for them."""
    text = load_email_text(kind, details.email_templates)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for authority in register:
        (out_dir / draft_name(kind, authority)).unlink(missing_ok=True)
    result = DraftsWritten(kind, out_dir)
    status = round_status(store, details.spec.id, register, str(details.period), details.deadline, details.today)
    for authority, words, attachment in _recipients(kind, store, register, details, status, result):
        message = _message(text, details, authority, words, attachment)
        path = out_dir / draft_name(kind, authority)
        path.write_bytes(message.as_bytes(policy=DRAFT_POLICY))
        result.written.append((authority, path))
    written_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    store.record_drafts(run_id, kind, str(details.period), [(a.la_code, str(p)) for a, p in result.written],
                        written_at)
    return result


def draft_name(kind: str, authority: Authority) -> str:
    return f"{kind}-{authority.file_stem}.eml"


def _recipients(kind, store, register, details, status, result):
    if kind == "invite":
        yield from _invitations(register, details, result)
    elif kind == "chase":
        yield from _reminders(register, details, status, result)
    else:
        yield from _feedback(store, register, details, result)


def _addressable(authority: Authority, result: DraftsWritten) -> bool:
    if authority.coordinator_email:
        return True
    result.notes.append(f"{authority.name} ({authority.la_code}): no coordinator email in the register; "
                        "add it to the register (authorities.csv) and run this again")
    return False


def _invitations(register: Register, details: RoundDetails, result: DraftsWritten):
    for authority in register:
        if not _addressable(authority, result):
            continue
        template = _template(details, authority, result)
        if template is not None:
            yield authority, {"template_file": template.name}, template


def _reminders(register: Register, details: RoundDetails, status: RoundStatus, result: DraftsWritten):
    due = set(status.in_state("missing", "to_resubmit"))
    result.not_due = len(register) - len(due)
    rows = {r["la_code"]: r for r in status.rows.to_dict("records")}
    for authority in register:
        if authority.la_code not in due or not _addressable(authority, result):
            continue
        template = _template(details, authority, result)
        if template is None:
            continue
        row = rows[authority.la_code]
        yield authority, {"template_file": template.name, "situation": _situation(row),
                          "deadline_note": _deadline_note(details)}, template


def _feedback(store: Store, register: Register, details: RoundDetails, result: DraftsWritten):
    due = gather_feedback(store, details.spec, register, str(details.period))
    result.not_due = len(register) - len(due)
    for fb in due:
        if not _addressable(fb.authority, result):
            continue
        workbook = _feedback_workbook(details, fb.authority)
        if workbook is None:
            result.notes.append(f"{fb.authority.name} ({fb.authority.la_code}): its feedback workbook "
                                f"({fb.authority.file_stem}.xlsx) is not in the output folder; run 'lscb report' "
                                "(or 'lscb collate') first")
            continue
        yield fb.authority, _feedback_words(fb, workbook), workbook


def _template(details: RoundDetails, authority: Authority, result: DraftsWritten) -> Path | None:
    name = template_file_name(details.spec, authority, details.period)
    path = details.templates_dir / name if details.templates_dir else None
    if path is None or not path.is_file():
        result.notes.append(f"{authority.name} ({authority.la_code}): no template {name} in "
                            f"{details.templates_dir or 'the templates folder'}; run 'lscb templates' first")
        return None
    return path


def _feedback_workbook(details: RoundDetails, authority: Authority) -> Path | None:
    """The authority's feedback workbook: from the whole round's outputs, else from its hub's."""
    if details.output_dir is None:
        return None
    name = f"{authority.file_stem}.xlsx"
    for folder in (details.output_dir / "feedback", details.output_dir / hub_folder(authority.hub) / "feedback"):
        if (folder / name).is_file():
            return folder / name
    return None


def hub_folder(hub: str) -> str:
    """Where outputs for one hub go inside the output folder: `hub-Tower-Hamlets`."""
    return "hub-" + re.sub(r"[^A-Za-z0-9]+", "-", hub).strip("-")


def _situation(row: dict) -> str:
    if row["state"] == "missing" and not row["file"]:
        return "We have not yet received your return."
    when = _day(row["received_at"])
    if row["state"] == "missing":  # a file from the coordinator that nothing placed
        return (f"We received a file from you on {when} ({row['file']}), but could not use it as your return: "
                f"{for_the_sender(row['message'])}").rstrip()
    if row["status_words"].startswith("Could not be read"):
        return (f"The file you sent on {when} ({row['file']}) could not be read: "
                f"{for_the_sender(row['message'])}").rstrip()
    if row["status_words"] == UNDECIDED_WORDS:
        return (f"More than one version of your return arrived together on {when} (one is {row['file']}), and "
                "none says it was saved later, so none is in use yet. Please reply to say which one counts: its "
                "file name and when you last saved it.")
    errors = row["errors"]
    return (f"The return you sent on {when} ({row['file']}) could not be used: it had "
            f"{plural(errors, 'error')}. The feedback workbook lists each one with its cell; please correct "
            "them and send the whole return again.")


def _deadline_note(details: RoundDetails) -> str:
    if details.deadline is None:
        return ""
    today = details.today or date.today()
    days = (details.deadline - today).days
    when = long_date(details.deadline, weekday=True)
    if days > 0:
        return f"The deadline is {when}, in {plural(days, 'day')}."
    if days == 0:
        return f"The deadline is today, {when}."
    return f"The deadline was {when}, {plural(-days, 'day')} ago."


def _feedback_words(fb: ReturnFeedback, workbook: Path) -> dict[str, str]:
    outcome, action = fb.outcome
    return {
        "file": str(fb.submission.get("file", "")),
        "received": _day(fb.submission.get("received_at")),
        "outcome": outcome, "action": action,
        "problem_count": _problemplural(fb.errors, fb.warnings),
        "errors": str(fb.errors), "warnings": str(fb.warnings),
        "problems": problem_list(fb),
        "feedback_file": workbook.name,
    }


def problem_list(fb: ReturnFeedback) -> str:
    """One line (wrapped) per problem, errors first, as the feedback workbook orders them."""
    lines = []
    for row in fb.problems.head(MOST_PROBLEMS_LISTED).itertuples():
        severity = "Error" if row.severity == "error" else "Warning"
        lines.append(textwrap.fill(f"- {severity}: {row.message}", width=LINE_WIDTH, subsequent_indent="  ",
                                   break_long_words=False, break_on_hyphens=False))
    hidden = len(fb.problems) - MOST_PROBLEMS_LISTED
    if hidden > 0:
        lines.append(f"- and {hidden} more, listed in the attached workbook")
    return "\n".join(lines) if lines else "- nothing specific: please see the attached workbook"


def _problemplural(errors: int, warnings: int) -> str:
    parts = [plural(errors, "error")] if errors else []
    parts += [plural(warnings, "warning")] if warnings else []
    return " and ".join(parts) or "no errors or warnings in the figures"


def _message(text: EmailText, details: RoundDetails, authority: Authority, words: dict[str, str],
             attachment: Path) -> EmailMessage:
    sender_name, sender_email = parseaddr(details.sender)
    filled = {
        "coordinator_name": authority.coordinator_name or "colleague",
        "authority": authority.name, "la_code": authority.la_code, "hub": authority.hub,
        "collection_title": details.spec.title, "period": str(details.period),
        "period_dates": f"{long_date(details.period.start)} to "
                        f"{long_date(details.period.end)}",
        "deadline": long_date(details.deadline, weekday=True) if details.deadline else "the date agreed",
        "sender_name": sender_name or sender_email, "sender_email": sender_email,
        **words,
    }
    subject, body = text.fill(filled)
    message = EmailMessage(policy=policy.default)
    message["From"] = formataddr((sender_name, sender_email)) if sender_name else sender_email
    message["To"] = formataddr((authority.coordinator_name, authority.coordinator_email))
    message["Subject"] = subject
    message["X-Unsent"] = "1"
    message.set_content(body)
    message.add_attachment(attachment.read_bytes(), maintype=XLSX[0], subtype=XLSX[1], filename=attachment.name)
    return message


def _day(value) -> str:
    if isinstance(value, str) and value:
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, datetime) or hasattr(value, "to_pydatetime"):
        return long_date(value.date() if isinstance(value, datetime) else value.to_pydatetime().date())
    return "an earlier date"


