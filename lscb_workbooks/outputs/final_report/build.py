"""`lscb final-report`: gather the evidence from the stores, draft the chapters, write the Word document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ...spec.load import SpecError, load_spec
from ...spec.models import Spec
from ...spec.register import Register
from .chapters import draft_report
from .docx_writer import write_docx
from .document import Report
from .evidence import ReportError, Stores, gather

REPORT_NAME = "final-report.docx"
FIGURES_DIR = "final-report-figures"
SURVEYS = ("mapping", "consultation", "good_practice")


@dataclass
class FinalReport:
    path: Path
    figures: Path
    report: Report
    collections: dict[str, str]  # collection -> what the report drew on


def write_final_report(store_paths: list[Path], out_dir: Path, register: Register, dataset_spec: Spec | None = None,
                       produced_at: datetime | None = None) -> FinalReport:
    """Draft the final report from the collections in `store_paths` into `out_dir`/final-report.docx."""
    specs = {"dataset": dataset_spec or load_spec("dataset")}
    for collection in SURVEYS:
        try:
            specs[collection] = load_spec(collection)
        except SpecError:  # a collection this install does not ship is simply not reported
            continue
    with Stores(list(store_paths)) as stores:
        evidence = gather(stores, specs, register, produced_at or datetime.now())
    found = {name: part for name, part in (("mapping", evidence.mapping), ("consultation", evidence.consultation),
                                           ("dataset", evidence.pilot), ("good_practice", evidence.good_practice))
             if part is not None}
    if not found:
        raise ReportError("none of the stores given holds any returns of the mapping survey, the consultation, the "
                          "dataset or good practice: give the store.sqlite of each round with --store")
    report = draft_report(evidence)
    out_dir = Path(out_dir)
    path = write_docx(report, out_dir / REPORT_NAME, out_dir / FIGURES_DIR)
    return FinalReport(path, out_dir / FIGURES_DIR, report, {k: _described(v) for k, v in found.items()})


def _described(part) -> str:
    periods = getattr(part, "periods", None) or [getattr(part, "period", None) or part.data.period]
    return ", ".join(periods)
