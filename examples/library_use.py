"""Run one round from Python instead of the command line: templates, returns, collation.

    python examples/library_use.py /tmp/lscb-example

Everything here is what `lscb templates`, `lscb collate` and `lscb demo` call.
The figures are synthetic.
"""

from __future__ import annotations

import sys
from pathlib import Path

from lscb_workbooks.collate import collate
from lscb_workbooks.config import signing_key
from lscb_workbooks.demo.coordinator import fill_template
from lscb_workbooks.demo.synthetic import synthetic_entries
from lscb_workbooks.spec.load import load_spec
from lscb_workbooks.spec.periods import parse_period
from lscb_workbooks.spec.register import load_register
from lscb_workbooks.templates.render import write_templates


def main(root: Path) -> None:
    spec, register, period = load_spec("dataset"), load_register(), parse_period("2026-27")
    key = signing_key(root / "example.key")
    hub = register.in_hub("Lewisham")
    templates = write_templates(spec, hub, period, root / "templates", key, deadline="15 May 2027")
    for authority, template in zip(hub, templates):
        entries = synthetic_entries(spec, authority, period)
        fill_template(template, entries, root / "inbox" / f"{authority.name} return.xlsx")
    report = collate(root / "inbox", root / "output", key=key, register=register)
    print(f"{sum(report.statuses.values())} files; statuses {dict(report.statuses)}")
    print(f"master workbook: {report.master}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "output/example"))
