"""`lscb demo`: the whole loop on synthetic returns, some clean and some with typical mistakes."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from ..collate import CollationReport, collate
from ..config import signing_key
from ..errors import LscbError
from ..spec.load import load_spec
from ..spec.models import Spec
from ..spec.periods import Period
from ..spec.register import Authority, load_register
from ..templates.render import write_templates
from .coordinator import Entries, fill_template
from .synthetic import SYNTHETIC, synthetic_entries

SEND_TO = "lscb-dataset@example.org"
MARKER = "lscb-demo-folder.txt"
GENERATED = ("inbox", "templates", "archive", "feedback", "profiles", "store.sqlite")


class DemoFolderError(LscbError):
    """The folder given to the demo holds something the demo did not make."""


@dataclass
class DemoResult:
    inbox: Path
    templates: Path
    report: CollationReport


def run_demo(out_dir: Path, period: Period, spec_file: Path | None = None) -> DemoResult:
    """Make templates for this period and the one before, fill them in as 33 coordinators might, collate.

    `spec_file` is the dataset spec to run (a revised draft, say); the shipped one by default."""
    collection = str(spec_file) if spec_file else "dataset"
    spec, register = load_spec(collection), load_register()
    claim_demo_folder(out_dir)
    for generated in GENERATED:
        target = out_dir / generated
        shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)
    key = signing_key(out_dir / "demo-signing.key")
    templates, inbox = out_dir / "templates", out_dir / "inbox"
    clock = _Clock(datetime(period.end.year, period.end.month, period.end.day, 9, tzinfo=timezone.utc))
    for when, this_period in enumerate((period.previous(), period)):
        paths = write_templates(spec, register, this_period, templates / str(this_period), key,
                                deadline="six weeks after the period ends", send_to=SEND_TO)
        _coordinators_reply(spec, list(register), this_period, dict(zip([a.la_code for a in register], paths)),
                            inbox / str(this_period), clock, latest=when == 1)
    (inbox / "minutes-of-last-meeting.pdf").write_bytes(b"%PDF-1.4\n% synthetic demo attachment\n")
    report = collate(inbox, out_dir, collection=collection, period=str(period), key=key, register=register)
    return DemoResult(inbox, templates, report)


def claim_demo_folder(out_dir: Path) -> None:
    """Mark an empty (or new) folder as the demo's; refuse any other, so the demo never clears a real round."""
    out_dir = Path(out_dir)
    if (out_dir / MARKER).is_file():
        return
    if out_dir.exists() and any(out_dir.iterdir()):
        raise DemoFolderError(f"{out_dir} already holds files the demo did not make, so the demo will not touch it: "
                              "give --out a new or empty folder, for example output/demo")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MARKER).write_text("This folder was made by 'lscb demo'. Its returns are synthetic, not real data;\n"
                                  "each run of the demo replaces everything in it.\n", encoding="utf-8")


class _Clock:
    """File times that say which return arrived later, as email dates would."""

    def __init__(self, start: datetime) -> None:
        self.now = start.timestamp()

    def stamp(self, path: Path) -> Path:
        self.now += 3600
        os.utime(path, (self.now, self.now))
        return path


def _coordinators_reply(spec: Spec, authorities: list[Authority], period: Period, templates: dict[str, Path],
                        folder: Path, clock: _Clock, latest: bool) -> None:
    silent = {authorities[5].la_code, authorities[17].la_code} if latest else set()
    for index, authority in enumerate(authorities):
        if authority.la_code in silent:
            continue
        entries = synthetic_entries(spec, authority, period)
        entries.comments[spec.indicators[0].id] = SYNTHETIC
        name = f"SYNTHETIC {authority.name} {period} return.xlsx"
        mistake = _MISTAKES.get(index) if latest else None
        if mistake is None:
            clock.stamp(fill_template(templates[authority.la_code], entries, folder / name))
            continue
        mistake(spec, authority, entries, templates[authority.la_code], folder, name, clock)


def _text_in_a_count(spec, authority, entries, template, folder, name, clock):
    """Sent with 'n/a' in a count and a negative number; corrected and sent again a day later."""
    wrong = Entries(dict(entries.values), dict(entries.ratings), dict(entries.comments), entries.table_rows)
    counts = [f for f in spec.indicators if f.unit == "count" and not f.derived]
    wrong.values[counts[1].id], wrong.values[counts[2].id] = "n/a", -3
    clock.stamp(fill_template(template, wrong, folder / name))
    clock.stamp(fill_template(template, entries, folder / f"CORRECTED {name}"))


def _numerator_over_denominator(spec, authority, entries, template, folder, name, clock):
    ratio = next((f.parsed_expression.ratio for f in spec.indicators
                  if f.unit == "percentage" and f.parsed_expression and f.parsed_expression.ratio), None)
    if ratio is not None:
        entries.values[ratio.numerator] = int(entries.values[ratio.denominator]) + 7
    clock.stamp(fill_template(template, entries, folder / name))


def _not_available_and_a_formula_like_comment(spec, authority, entries, template, folder, name, clock):
    field = next((f for f in spec.indicators if f.agency == "health" and not f.derived), spec.indicators[0])
    entries.values.pop(field.id, None)
    entries.ratings[field.id] = spec.not_available_rating
    entries.comments[field.id] = '=HYPERLINK("http://example.org","The health trust has not shared this yet")'
    clock.stamp(fill_template(template, entries, folder / name))


def _by_email_with_a_signature(spec, authority, entries, template, folder, name, clock):
    workbook = fill_template(template, entries, folder / ".outgoing" / name)
    message = EmailMessage()
    message["From"] = f"{authority.name} LSCB <lscb@{authority.file_stem.lower()}.example.org>"
    message["To"] = SEND_TO
    message["Subject"] = f"SYNTHETIC: {authority.name} safeguarding return"
    message["Date"] = format_datetime(datetime.fromtimestamp(clock.now + 1800, timezone.utc))
    message.set_content(f"Please find our return attached.\n\n{SYNTHETIC}\n")
    message.add_attachment(workbook.read_bytes(), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename=name)
    message.add_attachment(b"\x89PNG\r\n\x1a\nsynthetic-logo", maintype="image", subtype="png", filename="logo.png")
    shutil.rmtree(folder / ".outgoing")
    clock.stamp(_write(folder / f"SYNTHETIC {authority.name} return.eml", bytes(message)))


def _sent_twice_and_a_big_jump(spec, authority, entries, template, folder, name, clock):
    count = max((f for f in spec.indicators if f.unit == "count" and not f.derived),
                key=lambda f: entries.values.get(f.id) or 0)
    entries.values[count.id] = int(entries.values[count.id]) * 3
    path = clock.stamp(fill_template(template, entries, folder / name))
    shutil.copyfile(path, folder / f"copy of {name}")
    clock.stamp(folder / f"copy of {name}")


def _a_figure_far_outside_the_usual_range(spec, authority, entries, template, folder, name, clock):
    """The wrong figure in a numerator's box, so that the percentage with the lowest usual range comes out far
    above it: nearly a third of a borough's pupils permanently excluded, in the shipped spec, where London's
    usual range is a fraction of one per cent. Accepted; the feedback asks the coordinator to check it."""
    rare = sorted((f for f in spec.indicators if f.unit == "percentage" and f.plausible
                   and f.plausible.max is not None and f.parsed_expression and f.parsed_expression.ratio),
                  key=lambda f: f.plausible.max)
    if rare and isinstance(entries.values.get(rare[0].parsed_expression.ratio.denominator), int):
        most, ratio = rare[0].plausible.max, rare[0].parsed_expression.ratio
        entries.values[ratio.numerator] = round(entries.values[ratio.denominator] * min(1, max(0.294, most * 3 / 100)))
    clock.stamp(fill_template(template, entries, folder / name))


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


_MISTAKES = dict(zip((1, 9, 13, 21, 25, 29), (
    _text_in_a_count, _numerator_over_denominator, _not_available_and_a_formula_like_comment,
    _by_email_with_a_signature, _sent_twice_and_a_big_jump, _a_figure_far_outside_the_usual_range)))
# Where in the register the authorities are whose latest return the demo sends with a mistake in it.
PLANTED_MISTAKES = tuple(_MISTAKES)
