"""How long does `lscb templates` take per template, against drawing every template in full?

In one run and on the same spec, register and period, times:

  * baseline: each authority's workbook laid out and drawn by xlsxwriter on its own
    (what the tool did before templates were stamped);
  * lscb: `write_templates`, which draws the collection and period's workbook once
    and stamps each authority's copy from it.

Each is repeated (`--repeat`, default 3) and the best time is kept, so a busy
machine shows less. Run: `python benchmarks/templates_benchmark.py [--collection dataset]`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from lscb_workbooks.config import signing_key
from lscb_workbooks.spec.load import load_spec
from lscb_workbooks.spec.periods import parse_period
from lscb_workbooks.spec.register import load_register
from lscb_workbooks.templates.layout import layout_template
from lscb_workbooks.templates.render import draw_workbook, template_file_name, write_atomically, write_templates


def drawn_in_full(spec, authorities, period, out: Path, key: bytes) -> None:
    created = datetime.now(timezone.utc)
    for authority in authorities:
        data = draw_workbook(layout_template(spec, authority, period, key, created))
        write_atomically(out / template_file_name(spec, authority, period), data)


def best_of(repeat: int, run) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collection", default="dataset")
    parser.add_argument("--period", default="2026-27")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    spec, register, period = load_spec(args.collection), list(load_register()), parse_period(args.period)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        key = signing_key(root / "bench.key")
        (root / "full").mkdir()
        baseline = best_of(args.repeat, lambda: drawn_in_full(spec, register, period, root / "full", key))
        stamped = best_of(args.repeat, lambda: write_templates(spec, register, period, root / "stamped", key))
    n = len(register)
    print(f"{n} {args.collection} templates for {period}, best of {args.repeat}")
    print(f"  baseline, each drawn in full: {baseline:6.2f} s  {1000 * baseline / n:6.1f} ms a template")
    print(f"  lscb templates (stamped):     {stamped:6.2f} s  {1000 * stamped / n:6.1f} ms a template")
    print(f"  ratio {stamped / baseline:.2f}")


if __name__ == "__main__":
    main()
