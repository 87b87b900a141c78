"""The `lscb` command: each subcommand parses options and calls one library function."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .spec.load import SpecError, load_spec
from .spec.periods import PeriodError, parse_period
from .spec.register import Register, load_register


def _period(ctx, param, value):
    if value is None:
        return None
    try:
        return parse_period(value)
    except PeriodError as exc:
        raise click.BadParameter(str(exc)) from None


def _spec(collection: str):
    try:
        return load_spec(collection)
    except SpecError as exc:
        raise click.ClickException(f"the spec for '{collection}' has problems:\n{exc}") from None


def _register(path: Path | None) -> Register:
    try:
        return load_register(path)
    except SpecError as exc:
        raise click.ClickException(f"the register of authorities has problems:\n{exc}") from None


def _chosen(register: Register, la_codes: tuple[str, ...], hub: str | None) -> Register:
    chosen = register
    if hub:
        chosen = register.in_hub(hub)
        if not chosen:
            raise click.BadParameter(f"no hub called '{hub}' (hubs: {', '.join(register.hubs)})", param_hint="--hub")
    if la_codes:
        unknown = [c for c in la_codes if register.by_code(c) is None]
        if unknown:
            raise click.BadParameter(f"not in the register: {', '.join(unknown)}", param_hint="--la")
        chosen = Register(a for a in chosen if a.la_code in la_codes)
    return chosen


def _progress(items, label):
    """A progress bar on a terminal; plain iteration when output goes to a file or a script."""
    if not sys.stderr.isatty() or len(items) < 2:
        yield from items
        return
    with click.progressbar(items, label=label, file=sys.stderr) as bar:
        yield from bar


@click.group()
@click.version_option(package_name="lscb-workbooks")
def main() -> None:
    """Collect the pan-London safeguarding dataset through locked Excel returns."""


@main.group()
def spec() -> None:
    """Check the specs that define each collection."""


@spec.command("check")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--register", "register_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Register of authorities to check (default: the one shipped with the tool).")
def spec_check(path: Path | None, register_path: Path | None) -> None:
    """Check a spec (default: every shipped spec) and the register; list every problem with its line."""
    from .spec.check import check_all

    problems, checked = check_all(path, register_path)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise SystemExit(1)
    click.echo(f"OK: {', '.join(checked)}")


@main.command()
@click.option("--period", required=True, callback=_period, help="Financial year 2026-27 or quarter 2026-27-Q1.")
@click.option("--collection", default="dataset", show_default=True, help="Which collection's templates to make.")
@click.option("--la", "la_codes", multiple=True, help="DfE code of an authority (repeat for several).")
@click.option("--hub", help="Only the authorities of this hub.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--deadline", help="Deadline to print on each cover sheet, e.g. '30 April 2027'.")
@click.option("--send-to", help="Where coordinators send the return, e.g. an email address.")
@click.option("--register", "register_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Template signing key (default: made on first use in your configuration folder).")
def templates(period, collection, la_codes, hub, out_dir, deadline, send_to, register_path, key_file) -> None:
    """Write one locked return template per authority."""
    from .config import signing_key
    from .templates.render import write_templates

    chosen = _chosen(_register(register_path), la_codes, hub)
    paths = write_templates(_spec(collection), chosen, period, out_dir, signing_key(key_file),
                            deadline=deadline, send_to=send_to)
    click.echo(f"Wrote {len(paths)} template(s) for {period} to {out_dir}")


@main.command()
@click.argument("inbox", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out_dir", default="output", show_default=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--store", "store_path", type=click.Path(dir_okay=False, path_type=Path),
              help="SQLite store (default: store.sqlite in the output folder); the archive sits beside it.")
@click.option("--collection", default="dataset", show_default=True)
@click.option("--period", callback=_period, help="Period for the master workbook (default: the latest).")
@click.option("--suppress", is_flag=True, help="Replace counts of 1 to 5 with 'c' for sharing beyond the steering group.")
@click.option("--register", "register_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path))
def collate(inbox, out_dir, store_path, collection, period, suppress, register_path, key_file) -> None:
    """Take in every return under INBOX, check and store it, and write the outputs."""
    from .collate import collate as run_collation
    from .config import signing_key

    _spec(collection)
    _writable(out_dir)
    report = run_collation(inbox, out_dir, store_path, collection, str(period) if period else None, suppress,
                           signing_key(key_file), _register(register_path), _progress)
    click.echo(summary(report, _register(register_path)))


@main.command()
@click.option("--out", "out_dir", default="output", show_default=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--store", "store_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--collection", default="dataset", show_default=True)
@click.option("--period", callback=_period)
@click.option("--suppress", is_flag=True)
@click.option("--register", "register_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def report(out_dir, store_path, collection, period, suppress, register_path) -> None:
    """Rebuild the master, feedback and profile workbooks from the store, without new files."""
    from .collate import default_store_path, write_outputs
    from .store.db import Store

    path = store_path or default_store_path(out_dir)
    if not path.exists():
        raise click.ClickException(f"no store at {path}: run 'lscb collate' first, or give --store")
    _writable(out_dir)
    register = _register(register_path)
    store = Store(path)
    try:
        result = write_outputs(store, _spec(collection), register, out_dir, str(period) if period else None, suppress)
    finally:
        store.close()
    click.echo(summary(result, register))


@main.command()
@click.option("--out", "out_dir", default="output/demo", show_default=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--period", default="2026-27", show_default=True, callback=_period)
def demo(out_dir, period) -> None:
    """Run the whole loop on synthetic returns made here, clearly marked synthetic."""
    from .demo.run import run_demo

    _writable(out_dir)
    result = run_demo(out_dir, period)
    click.echo(summary(result.report, load_register()))
    click.echo(f"\nSynthetic demo returns (not real data) are in {result.inbox}")
    click.echo(f"Templates are in {result.templates}")
    click.echo(f"The master workbook is {result.report.master}")


def _writable(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".lscb-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise click.ClickException(f"cannot write to {out_dir}: {exc.strerror}") from None


def summary(report, register: Register) -> str:
    """The one-screen summary at the end of a run."""
    counts = report.statuses
    lines = [
        f"Collection {report.collection}, period {report.period or '(none yet)'}",
        f"Files: {report.new_files} new, {report.already_seen} already seen",
        "Received: " + ", ".join(f"{counts.get(s, 0)} {s.replace('_', ' ')}" for s in (
            "accepted", "accepted_with_warnings", "rejected", "superseded", "duplicate", "unreadable", "ignored")),
    ]
    if report.missing:
        names = [register.by_code(c).name for c in report.missing if register.by_code(c)]
        shown = ", ".join(names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")
        lines.append(f"Missing ({len(names)}): {shown}")
    else:
        lines.append("Missing: none, every authority has returned")
    lines += [f"Note: {n}" for n in report.notes]
    lines.append(f"Outputs in {report.out_dir}: submissions.csv, values.csv, issues.csv"
                 + (", master.xlsx" if report.master else ""))
    if report.feedback:
        lines.append(f"Feedback workbooks to send back: {len(report.feedback)} in {report.out_dir / 'feedback'}")
    if report.profiles:
        lines.append(f"Borough profiles: {len(report.profiles)} in {report.out_dir / 'profiles'}")
    lines.append(f"Store: {report.store_path}")
    return "\n".join(lines)
