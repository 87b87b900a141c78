"""How fast is collation, against merely reading the same returns with openpyxl?

Makes a realistic inbox (all 33 authorities over 12 quarterly periods, about 400
returns), then in one run and on the same files times:

  * baseline: a plain openpyxl read-only pass that opens each return and reads every cell;
  * lscb collate: the whole job (archive, identify, read, validate with pandera,
    store, and write the CSVs, master, feedback and profile workbooks).

Each is run in a fresh process; work time excludes Python's start-up and imports,
and the whole-command wall time is shown too. Peak memory is the largest resident
set of the process and its reader workers. Run: `python benchmarks/collate_benchmark.py`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

MAKE_INBOX = """
import sys
from pathlib import Path
from lscb_workbooks.config import signing_key
from lscb_workbooks.demo.coordinator import fill_template
from lscb_workbooks.demo.synthetic import synthetic_entries
from lscb_workbooks.spec.load import load_spec
from lscb_workbooks.spec.periods import parse_period
from lscb_workbooks.spec.register import load_register
from lscb_workbooks.templates.render import write_templates

root, quarters = Path(sys.argv[1]), int(sys.argv[2])
spec, register, key = load_spec("dataset"), load_register(), signing_key(root / "bench.key")
period = parse_period("2024-25-Q1")
for _ in range(quarters):
    templates = write_templates(spec, register, period, root / "templates" / str(period), key)
    for authority, template in zip(register, templates):
        fill_template(template, synthetic_entries(spec, authority, period), root / "inbox" / str(period) / template.name)
    period = period.next()
"""

BASELINE = """
import json, resource, sys, time
from pathlib import Path
from openpyxl import load_workbook
files = sorted(Path(sys.argv[1]).rglob("*.xlsx"))
start = time.perf_counter()
cells = 0
for path in files:
    workbook = load_workbook(path, read_only=True)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells += sum(v is not None for v in row)
    workbook.close()
seconds = time.perf_counter() - start
print(json.dumps({"files": len(files), "cells": cells, "seconds": seconds,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

COLLATE = """
import json, resource, shutil, sys, time
from pathlib import Path
import lscb_workbooks.outputs.feedback, lscb_workbooks.outputs.master, lscb_workbooks.outputs.profiles  # imports before the clock
from lscb_workbooks.collate import collate
from lscb_workbooks.config import signing_key
from lscb_workbooks.stages import timing_stages
root = Path(sys.argv[1])
shutil.rmtree(root / "out", ignore_errors=True)  # a first collation: every file is new
start = time.perf_counter()
with timing_stages() as stages:
    report = collate(root / "inbox", root / "out", key=signing_key(root / "bench.key"))
seconds = time.perf_counter() - start
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"files": report.new_files, "statuses": dict(report.statuses), "seconds": seconds,
                  "peak_mb": max(own, workers), "stages": stages}))
"""


def run(code: str, *args: str) -> tuple[dict, float]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1]), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quarters", type=int, default=12)
    parser.add_argument("--work", type=Path, help="folder for the inbox (default: a temporary folder)")
    options = parser.parse_args()
    root = options.work or Path(tempfile.mkdtemp(prefix="lscb-bench-"))
    if not (root / "inbox").exists():
        print(f"Making {33 * options.quarters} returns in {root} ...", flush=True)
        subprocess.run([sys.executable, "-c", MAKE_INBOX, str(root), str(options.quarters)], check=True)
    baseline, baseline_wall = run(BASELINE, str(root / "inbox"))
    collated, collate_wall = run(COLLATE, str(root))
    ratio = collated["seconds"] / baseline["seconds"]
    print(f"returns:                   {baseline['files']}")
    print(f"openpyxl read-only pass:   {baseline['seconds']:.2f} s work, {baseline_wall:.2f} s wall, peak {baseline['peak_mb']:.0f} MB")
    print(f"lscb collate (whole job):  {collated['seconds']:.2f} s work, {collate_wall:.2f} s wall, peak {collated['peak_mb']:.0f} MB")
    print(f"ratio collate / openpyxl:  {ratio:.2f} (target: at most 0.25)")
    print(f"statuses:                  {collated['statuses']} ({collated['files']} new files)")
    print_stages(collated["stages"], collated["seconds"])


def print_stages(stages: dict[str, float], total: float) -> None:
    """Each stage's seconds; the profiles are written in other processes while the master is written."""
    print("  stage                     seconds")
    for name, seconds in stages.items():
        print(f"  {name:<25} {seconds:7.2f}")
    print(f"  {'(whole run)':<25} {total:7.2f}")


if __name__ == "__main__":
    main()
