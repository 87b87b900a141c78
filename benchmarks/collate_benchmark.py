"""How fast is collation, against merely reading the same returns with openpyxl?

Makes a realistic inbox (all 33 authorities over 12 quarterly periods, about 400
returns), then in one run and on the same files times:

  * baseline: a plain openpyxl read-only pass that opens each return and reads every cell;
  * lscb collate: the whole job (archive, identify, read, validate with pandera,
    store, and write the CSVs, master, feedback and profile workbooks).

Each is run in a fresh process; work time excludes Python's start-up and imports,
and the whole-command wall time is shown too. Peak memory is the largest resident
set of the process and its reader workers; for the national run, where Linux's /proc
allows, also the most the whole job held at once: every process's proportional share
(PSS) of memory, summed, sampled four times a second. Run: `python benchmarks/collate_benchmark.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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

# Two files that arrive after the first collation: a corrected return for the period the outputs show
# (new figures for one authority, so London's change) and an early return for the next quarter.
MAKE_LATE = """
import sys
from pathlib import Path
from lscb_workbooks.config import signing_key
from lscb_workbooks.demo.coordinator import fill_template
from lscb_workbooks.demo.synthetic import synthetic_entries
from lscb_workbooks.spec.load import load_spec
from lscb_workbooks.spec.periods import parse_period
from lscb_workbooks.spec.register import Register, load_register
from lscb_workbooks.templates.render import write_templates

root, last = Path(sys.argv[1]), parse_period(sys.argv[2])
spec, key = load_spec("dataset"), signing_key(root / "bench.key")
authority = load_register()[1]
for period, name, seed in ((last, "corrected", 1), (last.next(), "next-quarter", 0)):
    [template] = write_templates(spec, Register([authority]), period, root / "late-templates" / name, key)
    fill_template(template, synthetic_entries(spec, authority, period, seed=seed), root / "late" / f"{name}.xlsx")
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
root, late = Path(sys.argv[1]), sys.argv[2:]
key = signing_key(root / "bench.key")
shutil.rmtree(root / "out", ignore_errors=True)  # a first collation: every file is new
for name in late:
    (root / "inbox" / "late" / f"{name}.xlsx").unlink(missing_ok=True)


def timed():
    start = time.perf_counter()
    with timing_stages() as stages:
        report = collate(root / "inbox", root / "out", key=key)
    return report, time.perf_counter() - start, stages


report, seconds, stages = timed()
reruns = {}
try:
    for name in late:  # one more file each time, into the same inbox, outputs and store
        (root / "inbox" / "late").mkdir(exist_ok=True)
        shutil.copy(root / "late" / f"{name}.xlsx", root / "inbox" / "late" / f"{name}.xlsx")
        again, rerun_seconds, rerun_stages = timed()
        reruns[name] = {"seconds": rerun_seconds, "new": again.new_files, "period": again.period,
                        "stages": rerun_stages}
finally:
    shutil.rmtree(root / "inbox" / "late", ignore_errors=True)
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"files": report.new_files, "statuses": dict(report.statuses), "seconds": seconds,
                  "peak_mb": max(own, workers), "stages": stages, "reruns": reruns}))
"""


LAST_PERIOD = """
import sys
from lscb_workbooks.spec.periods import parse_period
period = parse_period("2024-25-Q1")
for _ in range(int(sys.argv[1]) - 1):
    period = period.next()
print(period)
"""


SYNTHETIC_REGISTER = """
from lscb_workbooks.spec.register import Authority, Register


def synthetic_register(authorities):
    # A national register for the benchmark: invented authorities, nine to a hub, a third of them inner.
    hubs = [f"Authority {i:03d}" for i in range(1, authorities + 1, 9)]
    return Register(Authority(str(600 + i), f"Authority {i:03d}", f"E0{i:07d}", "Inner" if i % 3 == 0 else "Outer",
                              "Synthetic", hubs[(i - 1) // 9]) for i in range(1, authorities + 1))
"""

# A national collection: every return drawn by stamping. For each quarter the template is drawn once for a
# stand-in authority and filled in (openpyxl) with three sets of invented figures; each authority's return
# is then stamped from one of the three (name, code and signature replaced), as `lscb templates` stamps blank
# templates. So figures repeat across authorities, which costs collation nothing and the inbox minutes, not hours.
MAKE_NATIONAL = SYNTHETIC_REGISTER + """import io, sys, zipfile
from datetime import datetime, timezone
from pathlib import Path
from lscb_workbooks.config import signing_key
from lscb_workbooks.demo.coordinator import fill_template
from lscb_workbooks.demo.synthetic import synthetic_entries
from lscb_workbooks.spec.load import load_spec
from lscb_workbooks.spec.periods import parse_period
from lscb_workbooks.templates.render import SHEET_PASSWORD, TemplateStamp, template_file_name

def unescaped_marks(xlsx):
    # openpyxl writes the stand-in's private-use marks as character references: back to UTF-8 to be stamped.
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            for mark in ("\\ue000", "\\ue001"):
                data = data.replace(f"&#{ord(mark)};".encode(), mark.encode())
            target.writestr(info, data)
    return out.getvalue()


root, authorities, quarters, variants = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), 3
spec, key = load_spec("dataset"), signing_key(root / "bench.key")
register = synthetic_register(authorities)
period = parse_period("2016-17-Q1")
for _ in range(quarters):
    created = datetime.now(timezone.utc)
    stamp = TemplateStamp.for_batch(spec, list(register), period, key, created, None, None, SHEET_PASSWORD)
    blank = root / "stand-in" / f"{period}.xlsx"
    blank.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(blank, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in stamp.parts:
            out.writestr(info, data)
    filled = []
    for seed in range(variants):
        path = fill_template(blank, synthetic_entries(spec, register[seed], period, seed=seed), root / "stand-in" / f"{period}-{seed}.xlsx")
        filled.append(TemplateStamp(unescaped_marks(path.read_bytes()), stamp.marks, spec, period, key, created))
    folder = root / "inbox" / str(period)
    folder.mkdir(parents=True, exist_ok=True)
    for i, authority in enumerate(register):
        data = filled[i % variants].stamp(authority)
        assert data is not None, "a mark survived the filling"
        (folder / template_file_name(spec, authority, period)).write_bytes(data)
    period = period.next()
"""

NATIONAL = SYNTHETIC_REGISTER + """import json, resource, sys, time
from pathlib import Path
import lscb_workbooks.outputs.feedback, lscb_workbooks.outputs.master, lscb_workbooks.outputs.profiles
from lscb_workbooks.collate import collate
from lscb_workbooks.config import signing_key
from lscb_workbooks.stages import timing_stages
root, authorities = Path(sys.argv[1]), int(sys.argv[2])
register = synthetic_register(authorities)
start = time.perf_counter()
with timing_stages() as stages:
    report = collate(root / "inbox", root / "out", key=signing_key(root / "bench.key"), register=register)
print(json.dumps({"seconds": time.perf_counter() - start, "files": report.new_files, "statuses": dict(report.statuses),
  "peak_mb": max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024,
  "stages": {k: round(v, 2) for k, v in stages.items()}}))
"""


# The collation runs as a user's install has it: without the packages the tests alone need (setup.cfg's `test`
# extra). pandera imports one of them, hypothesis, at its first check when it can (0.06 s on the development
# machine); `--with-test-packages` measures with them.
AS_INSTALLED = 'import sys\nsys.modules["hypothesis"] = None  # not installed: what a user has\n'


def run(code: str, *args: str, whole_job_memory: bool = False) -> tuple[dict, float]:
    """Run `code` in a fresh process; its printed result and wall time. With `whole_job_memory`, the
    result gains `job_peak_mb`: the most the process and all its children held at once (see below)."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    peak = None
    while whole_job_memory and process.poll() is None:
        sample = _tree_pss_mb(process.pid)
        if sample is not None:
            peak = max(peak or 0.0, sample)
        time.sleep(MEMORY_SAMPLE_S)
    out, err = process.communicate()
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, process.args, out, err)
    result = json.loads(out.strip().splitlines()[-1])
    if peak is not None:
        result["job_peak_mb"] = peak
    return result, time.perf_counter() - start


MEMORY_SAMPLE_TRIES = 5
MEMORY_SAMPLE_S = 0.25


def _tree_pss_mb(root: int) -> float | None:
    """The proportional set size of process `root` and every descendant, summed (Linux only: None elsewhere).
    PSS counts a page shared by forked processes once across them, not once in each. A sample during which
    a process started or ended is taken again: a page shared with a process started part-way through the
    sample would be counted in full before it and in part after, so more than once."""
    if not Path("/proc/self/smaps_rollup").exists():
        return None
    total = 0
    for _ in range(MEMORY_SAMPLE_TRIES):
        processes = _process_tree(root)
        total = sum(_pss_kb(pid) for pid in processes)
        if _process_tree(root) == processes:
            break
    return total / 1024


def _process_tree(root: int) -> list[int]:
    """`root` and every process descended from it, by /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return sorted(found)


def _pss_kb(pid: int) -> int:
    try:
        for line in (Path("/proc") / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quarters", type=int, default=12)
    parser.add_argument("--work", type=Path, help="folder for the inbox (default: a temporary folder)")
    parser.add_argument("--national", action="store_true",
                        help="a national-scale run instead: 153 authorities over 40 quarters (6,120 returns)")
    parser.add_argument("--authorities", type=int, default=153, help="authorities in the national run")
    parser.add_argument("--repeat", type=int, default=3,
                        help="pairs of baseline and collation to run (the median pair is shown)")
    parser.add_argument("--with-test-packages", action="store_true",
                        help="collate with the packages only the tests need (hypothesis) importable, as in a "
                             "development environment; by default they are not, as in a user's install")
    options = parser.parse_args()
    options.prelude = "" if options.with_test_packages else AS_INSTALLED
    if options.national:
        national(options)
        return
    root = options.work or Path(tempfile.mkdtemp(prefix="lscb-bench-"))
    if not (root / "inbox").exists():
        print(f"Making {33 * options.quarters} returns in {root} ...", flush=True)
        subprocess.run([sys.executable, "-c", MAKE_INBOX, str(root), str(options.quarters)], check=True)
    if not (root / "late").exists():
        last = subprocess.run([sys.executable, "-c", LAST_PERIOD, str(options.quarters)], capture_output=True,
                              text=True, check=True).stdout.strip()
        subprocess.run([sys.executable, "-c", MAKE_LATE, str(root), last], check=True)
    print(f"machine load (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    # Baseline and collation take turns, so that a machine that slows down or speeds up part-way through
    # weighs on both alike; each ratio is of one pair, and the pair with the median ratio is shown.
    pairs = []
    for _ in range(options.repeat):
        baseline, baseline_wall = run(BASELINE, str(root / "inbox"))
        collated, collate_wall = run(options.prelude + COLLATE, str(root), "next-quarter", "corrected")
        pairs.append((collated["seconds"] / baseline["seconds"], baseline, baseline_wall, collated, collate_wall))
    pairs.sort(key=lambda pair: pair[0])
    ratio, baseline, baseline_wall, collated, collate_wall = pairs[len(pairs) // 2]
    if len(pairs) > 1:
        print(f"pairs run:                 {len(pairs)}, ratios {', '.join(f'{p[0]:.3f}' for p in pairs)}; "
              "the median pair follows")
    print(f"returns:                   {baseline['files']}")
    print(f"openpyxl read-only pass:   {baseline['seconds']:.2f} s work, {baseline_wall:.2f} s wall, peak {baseline['peak_mb']:.0f} MB")
    print(f"lscb collate (whole job):  {collated['seconds']:.2f} s work, {collate_wall:.2f} s wall, peak {collated['peak_mb']:.0f} MB")
    print(f"ratio collate / openpyxl:  {ratio:.3f} (target: at most 0.25)")
    print(f"statuses:                  {collated['statuses']} ({collated['files']} new files)")
    print_stages(collated["stages"], collated["seconds"])
    for name, words in (("next-quarter", "an early return for the next quarter (a period not shown)"),
                        ("corrected", "a corrected return for the period shown (London's figures change)")):
        rerun = collated["reruns"][name]
        print(f"re-run after one new file, {words}:")
        print(f"  {rerun['seconds']:.2f} s, {rerun['seconds'] / collated['seconds']:.3f} of the full run "
              f"(target: at most 0.1); rewrote: {', '.join(k for k in rerun['stages'] if _written(k)) or 'nothing'}")
    print(f"machine load (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


def national(options) -> None:
    """Collate a national inbox once, from a fresh store: time, peak memory and each stage."""
    quarters = options.quarters if options.quarters != 12 else 40
    root = options.work or Path(tempfile.mkdtemp(prefix="lscb-national-"))
    if not (root / "inbox").exists():
        print(f"Making {options.authorities * quarters} returns in {root} ...", flush=True)
        subprocess.run([sys.executable, "-c", MAKE_NATIONAL, str(root), str(options.authorities), str(quarters)],
                       check=True)
    shutil.rmtree(root / "out", ignore_errors=True)
    print(f"machine load (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    collated, wall = run(options.prelude + NATIONAL, str(root), str(options.authorities), whole_job_memory=True)
    print(f"returns:                   {collated['files']} ({options.authorities} authorities, {quarters} quarters)")
    print(f"lscb collate (whole job):  {collated['seconds']:.1f} s work, {wall:.1f} s wall, "
          f"peak {collated['peak_mb']:.0f} MB (targets: under 120 s, under 500 MB)")
    if "job_peak_mb" in collated:
        print(f"all processes at once:     at most {collated['job_peak_mb']:.0f} MB (proportional set sizes, summed)")
    print(f"statuses:                  {collated['statuses']}")
    print_stages(collated["stages"], collated["seconds"])
    print(f"machine load (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


def _written(stage: str) -> bool:
    return stage in ("master", "profiles", "comparison")


def print_stages(stages: dict[str, float], total: float) -> None:
    """Each stage's seconds. The outputs' stages overlap: the trends are worked out in a second process while
    this one writes the master, and both write profiles ("profiles" is their time together), so the stages
    add up to more than the whole run."""
    print("  stage                     seconds")
    for name, seconds in stages.items():
        print(f"  {name:<25} {seconds:7.2f}")
    print(f"  {'(whole run)':<25} {total:7.2f}")


if __name__ == "__main__":
    main()
