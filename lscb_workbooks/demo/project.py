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
from ..templates.render import write_templates
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


__all__ = ["SYNTHETIC", "run_survey_round"]
