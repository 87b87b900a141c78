"""The whole project life on synthetic data: mapping, consultation, revised spec, pilot, good practice, report.

Each phase runs the way the project officer would run it: templates written,
filled in as coordinators might, collated into the phase's own store.
"""

from __future__ import annotations

from pathlib import Path

from ..collate import CollationReport, collate
from ..spec.models import Spec
from ..spec.periods import Period
from ..spec.register import Authority, Register
from ..templates.render import write_open_template, write_templates
from .coordinator import fill_template
from .synthetic import SYNTHETIC, synthetic_entries


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


__all__ = ["SYNTHETIC", "run_good_practice_round", "run_survey_round"]
