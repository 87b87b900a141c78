"""The whole project life on synthetic data: mapping, consultation, revised spec, pilot, good practice, report.

Each phase runs the way the project officer would run it: templates written,
filled in as coordinators might, collated into the phase's own store.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ..collate import CollationReport, collate
from ..config import signing_key
from ..outputs.final_report.build import FinalReport, write_final_report
from ..outputs.revision import Revision, revise_spec
from ..spec.load import load_spec, spec_path
from ..spec.models import Spec
from ..spec.periods import Period
from ..spec.register import Authority, Register, load_register
from ..templates.render import write_open_template, write_templates
from .coordinator import fill_template
from .run import DemoResult, claim_demo_folder, run_demo
from .synthetic import SYNTHETIC, synthetic_entries

PHASE_FOLDERS = ("1-mapping", "2-consultation", "3-revised-spec", "5-good-practice", "6-final-report")


@dataclass
class ProjectResult:
    """Where each phase of the project's life left its outputs."""

    mapping: CollationReport
    consultation: CollationReport
    revision: Revision
    pilot: DemoResult
    good_practice: CollationReport
    report: FinalReport


def run_project(out_dir: Path, period: Period) -> ProjectResult:
    """Every phase in order on synthetic data: the surveys a year before the two pilot periods, then the
    revised spec (taken as signed off), the pilot on it (in `out_dir` itself, as the plain demo), good
    practice, and the final report."""
    out_dir = Path(out_dir)
    claim_demo_folder(out_dir)  # never a folder holding anything the demo did not make
    for folder in PHASE_FOLDERS:
        shutil.rmtree(out_dir / folder, ignore_errors=True)
    register = load_register()
    key = signing_key(out_dir / "demo-signing.key")
    surveyed = period.previous().previous()
    mapping = run_survey_round(load_spec("mapping"), list(register), surveyed, out_dir / PHASE_FOLDERS[0], key,
                               register)
    consultation = run_survey_round(load_spec("consultation"), list(register), surveyed, out_dir / PHASE_FOLDERS[1],
                                    key, register)
    draft = spec_path("dataset")
    revision = revise_spec(load_spec(draft), draft.read_text(encoding="utf-8"), load_spec("consultation"),
                           consultation.store_path, register, out_dir / PHASE_FOLDERS[2])
    pilot = run_demo(out_dir, period, revision.spec_path)  # as if signed off: the pilot runs the revised spec
    good_practice = run_good_practice_round(load_spec("good_practice"), period, out_dir / PHASE_FOLDERS[3], key,
                                            register)
    stores = [mapping.store_path, consultation.store_path, pilot.report.store_path, good_practice.store_path]
    report = write_final_report(stores, out_dir / PHASE_FOLDERS[4], register, revision.new)
    return ProjectResult(mapping, consultation, revision, pilot, good_practice, report)


def run_survey_round(spec: Spec, authorities: list[Authority], period: Period, folder: Path, key: bytes,
                     register: Register) -> CollationReport:
    """Templates for `authorities`, each filled in with synthetic answers and collated into `folder`."""
    templates = write_templates(spec, authorities, period, folder / "templates", key)
    for authority, template in zip(authorities, templates):
        entries = synthetic_entries(spec, authority, period)
        fill_template(template, entries, folder / "inbox" / f"SYNTHETIC {authority.name} {spec.id} {period}.xlsx")
    return collate(folder / "inbox", folder, collection=spec.id, period=str(period), key=key, register=register)


# Boards outside London send good practice too: the collection is open to any LSCB in the UK.
GOOD_PRACTICE_BOARDS = (("Barnet Safeguarding Children Board", "England"),
                        ("Kent Safeguarding Children Board", "England"),
                        ("Cardiff and Vale Safeguarding Children Board", "Wales"),
                        ("Tower Hamlets LSCB", "England"), ("Cumbria LSCB", "England"),
                        ("Northern Ireland Safeguarding Board (Belfast)", "Northern Ireland"))


def run_good_practice_round(spec: Spec, period: Period, folder: Path, key: bytes, register: Register,
                            boards: tuple[tuple[str, str], ...] = GOOD_PRACTICE_BOARDS) -> CollationReport:
    """The one open template, copied and filled in by boards from anywhere in the UK, each naming itself."""
    template = write_open_template(spec, period, folder / "templates", key)
    for board, nation in boards:
        entries = synthetic_entries(spec, Authority("", board, "", "", "", ""), period)
        entries.values[spec.name_field] = f"{board} (SYNTHETIC)"
        entries.values.update({f.id: nation for f in spec.form_fields if nation in f.options})
        fill_template(template, entries, folder / "inbox" / f"SYNTHETIC good practice from {board}.xlsx")
    return collate(folder / "inbox", folder, collection=spec.id, period=str(period), key=key, register=register)


__all__ = ["SYNTHETIC", "ProjectResult", "run_good_practice_round", "run_project", "run_survey_round"]
