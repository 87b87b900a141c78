"""The `lscb` command: each subcommand parses options and calls one library function.

Inside a workspace (a folder, or a folder below one, holding `lscb.yaml`; or
`--workspace DIR`) every command takes its settings from there, a flag given
on the command line still wins, and the command is recorded in the store's
audit log. Outside a workspace nothing is assumed beyond what the flags say.
"""

from __future__ import annotations

import os
import shlex
import sys
import tempfile
import traceback
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Iterator

import click

from .errors import LscbError
from .spec.load import SpecError, load_spec
from .spec.periods import PeriodError, parse_period
from .spec.register import Register, load_register
from .workspace import AuditRun, Workspace, WorkspaceError, audit_run, find_workspace, load_workspace

ARGV = "lscb.argv"
WORKSPACE_DIR = "lscb.workspace_dir"
WORKSPACE = "lscb.workspace"


class _Lscb(click.Group):
    """Keeps the command line as typed, for the audit log."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[ARGV] = list(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context):
        """The one place the tool's exceptions become a message: what went wrong and what to do."""
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except LscbError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            raise click.ClickException(_file_problem(exc)) from None
        except Exception:
            if os.environ.get("LSCB_DEBUG"):
                raise
            raise click.ClickException(_tool_fault(traceback.format_exc())) from None


def _file_problem(exc: OSError) -> str:
    where = f" {exc.filename}" if exc.filename else ""
    return (f"cannot use{where}: {exc.strerror or exc}. Check the file or folder exists and can be written "
            "(close it if it is open in Excel), then run the command again")


def _tool_fault(details: str) -> str:
    """An error in the tool itself: kept in a log file, never blamed on the user."""
    handle, name = tempfile.mkstemp(prefix="lscb-error-", suffix=".log", text=True)
    with os.fdopen(handle, "w", encoding="utf-8") as log:
        log.write(f"lscb {' '.join(click.get_current_context().meta.get(ARGV, []))}\n{details}")
    return (f"lscb stopped on an error of its own, not anything you did. The details are in {name}: "
            "please send that file to whoever looks after lscb-workbooks")


def _period(ctx, param, value):
    if value is None:
        return None
    try:
        return parse_period(value)
    except PeriodError as exc:
        raise click.BadParameter(str(exc)) from None


def _date(ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date: write it as YYYY-MM-DD, for example 2026-05-15") from None


def _remember_workspace(ctx, param, value):
    if value is not None:
        ctx.meta[WORKSPACE_DIR] = value


workspace_option = click.option(
    "--workspace", type=click.Path(file_okay=False, path_type=Path), expose_value=False, is_eager=True,
    callback=_remember_workspace,
    help="The round's workspace (default: the folder holding lscb.yaml, here or above).")


def _workspace() -> Workspace | None:
    """The workspace this command runs in, checked once; None outside any workspace."""
    ctx = click.get_current_context()
    if WORKSPACE not in ctx.meta:
        explicit = ctx.meta.get(WORKSPACE_DIR)
        root = (find_workspace(explicit) or explicit) if explicit else find_workspace(Path.cwd())
        try:
            ctx.meta[WORKSPACE] = load_workspace(root) if root else None
        except WorkspaceError as exc:
            raise click.ClickException(str(exc)) from None
    return ctx.meta[WORKSPACE]


def _command_line() -> str:
    return shlex.join(["lscb", *click.get_current_context().meta.get(ARGV, [])])


@contextmanager
def _audited(ws: Workspace | None, command: str, store_path: Path | None = None) -> Iterator[AuditRun | None]:
    """Inside a workspace, the command goes into the audit log, with what it changed; outside, nothing is kept."""
    if ws is None:
        yield None
        return
    with audit_run(store_path or ws.store, command, _command_line()) as run:
        yield run


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


def _register_for(ws: Workspace | None, register_path: Path | None) -> Register:
    return _register(register_path or (ws.register_path if ws else None))


def _collection(ws: Workspace | None, collection: str | None) -> str:
    return collection or (ws.collection if ws else "dataset")


def _hub(ws: Workspace | None, hub: str | None, register: Register | None = None) -> str | None:
    """The hub asked for (else the workspace's), spelt as the register spells it."""
    hub = hub or (ws.hub if ws else None)
    if hub and register is not None:
        found = register.in_hub(hub)
        if not found:
            raise click.BadParameter(f"no hub called '{hub}' (hubs: {', '.join(register.hubs)})", param_hint="--hub")
        hub = found[0].hub
    return hub


comparators_option = click.option(
    "--comparators", "comparator_files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Published figures to show beside London, such as England's: a CSV in the DfE open data standard "
         "(repeat for several files; default: the workspace's).")


def _comparators(ws: Workspace | None, files: tuple[Path, ...], spec_):
    """The published figures named on the command line, else in the workspace; None when there are none."""
    from .opendata.published import PublishedError, load_published

    paths = list(files) or list(ws.comparators if ws else ())
    if not paths:
        return None
    try:
        return load_published(paths, spec_)
    except PublishedError as exc:
        raise click.ClickException(f"the comparators file cannot be used: {exc}") from None


def _key(ws: Workspace | None, key_file: Path | None, make: bool = False) -> bytes:
    """The signing key; only `templates` (`make`) creates one, checking returns needs the one they were signed with."""
    from .config import existing_signing_key, signing_key

    if key_file or ws is None:
        return signing_key(key_file) if make else existing_signing_key(key_file)
    return ws.signing_key


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


def _needed(value, flag: str, setting: str):
    if value is None:
        raise click.UsageError(f"give {flag}, or run inside a workspace ('lscb init') whose lscb.yaml sets '{setting}'")
    return value


def _near(path: Path) -> Path:
    """A path as the officer would type it: relative to the current folder when it is inside it."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return Path(path)


def _shown(path: Path) -> str:
    return str(_near(path))


def _progress(items, label):
    """A progress bar on a terminal; plain iteration when output goes to a file or a script."""
    if not sys.stderr.isatty() or len(items) < 2:
        yield from items
        return
    with click.progressbar(items, label=label, file=sys.stderr) as bar:
        yield from bar


@click.group(cls=_Lscb)
@click.version_option(package_name="lscb-workbooks")
@workspace_option
def main() -> None:
    """Collect the pan-London safeguarding dataset through locked Excel returns."""


# ---------------------------------------------------------------------------------------- init


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--collection", default="dataset", show_default=True, help="Which collection the round is for.")
@click.option("--period", callback=_period, help="Period of the round (default: the last financial year to end).")
@click.option("--deadline", callback=_date, help="When returns are due, YYYY-MM-DD.")
@click.option("--sender", help="The address emails come from: name@example.org or 'Name <name@example.org>'.")
@click.option("--hub", help="Run the round for one hub only (a hub borough running it for its neighbours).")
def init(directory, collection, period, deadline, sender, hub) -> None:
    """Make a workspace for one collection round in DIRECTORY."""
    from .workspace import init_workspace

    try:
        ws = init_workspace(directory, collection, str(period) if period else None,
                            deadline.isoformat() if deadline else None, sender, hub)
    except WorkspaceError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot make a workspace in {directory}: {exc.strerror}") from None
    with _audited(ws, "init") as run:
        run.note(f"workspace made for {ws.collection} {ws.period}" + (f", hub {ws.hub}" if ws.hub else ""))
    click.echo(init_summary(ws))


def init_summary(ws: Workspace) -> str:
    def where(path: Path) -> str:
        return str(path.relative_to(ws.root)) + ("/" if path.is_dir() else "")

    rows = [
        (where(ws.config_path), "the settings: collection, period, deadline, sender, folders (edit them here)"),
        (where(ws.register_path), "the register: fill in each coordinator's name and email"),
        (where(ws.key_file), "the key that signs the templates (readable by you only): keep a copy, never send it"),
        (where(ws.email_templates), "the words of the invite, chase and feedback emails: edit as you like"),
        (where(ws.inbox), "save the returns here as they arrive (files or whole emails)"),
        (where(ws.templates), "the templates to send"),
        (where(ws.output), "the master workbook, feedback, profiles, CSVs and email drafts"),
        (where(ws.store.parent), "the store and the archive of every file received"),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"Workspace for {ws.collection} {ws.period}" + (f" (hub {ws.hub})" if ws.hub else "")
             + f" in {_shown(ws.root)}"]
    lines += [f"  {name.ljust(width)}  {about}" for name, about in rows]
    missing = [s for s, v in (("deadline", ws.deadline), ("sender", ws.sender)) if not v]
    if missing:
        lines.append(f"Not set yet: {', '.join(missing)} (edit lscb.yaml)")
    lines.append(f"Next: fill in {where(ws.register_path)}, then run 'lscb templates' and 'lscb emails --kind invite' "
                 "in the workspace.")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------- spec


@main.group()
def spec() -> None:
    """Check the specs that define each collection."""


@spec.command("check")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--register", "register_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Register of authorities to check (default: the workspace's, else the one shipped with the tool).")
@workspace_option
def spec_check(path: Path | None, register_path: Path | None) -> None:
    """Check a spec (default: every shipped spec), the register, and a workspace's settings and email texts."""
    from .spec.check import check_all

    try:
        ws, ws_problems = _workspace(), []
    except click.ClickException as exc:
        ws, ws_problems = None, [exc.message]
    problems, checked = check_all(path, register_path or (ws.register_path if ws else None))
    if not problems:
        problems = _drawing_problems(path, register_path or (ws.register_path if ws else None))
    if ws is not None:
        ws_problems, texts = _check_email_texts(ws)
        checked += [ws.config_path.name, *texts]
    with _audited(ws, "spec check") as run:
        for problem in [*problems, *ws_problems]:
            click.echo(str(problem), err=True)
        if run:
            run.note(f"{len(problems) + len(ws_problems)} problem(s) found" if problems or ws_problems else "all OK")
    if problems or ws_problems:
        raise SystemExit(1)
    click.echo(f"OK: {', '.join(checked)}")


def _drawing_problems(path: Path | None, register_path: Path | None) -> list[str]:
    """Each spec laid out and drawn as a template, so that Excel's limits surface here, not in 'lscb templates'."""
    from .spec.load import default_schemas_dir
    from .templates.render import drawing_problems

    authority = next(iter(load_register(register_path)))
    problems = []
    for spec_file in [path] if path else sorted(default_schemas_dir().glob("*.yaml")):
        problems += [f"{spec_file}: its template cannot be drawn: {p}"
                     for p in drawing_problems(load_spec(spec_file), authority)]
    return problems


@spec.command("revise")
@click.option("--from-consultation", "store_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The consultation round's store.sqlite.")
@click.option("--spec", "spec_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The draft dataset spec consulted on (default: the one shipped with the tool).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default="revised",
              show_default=True, help="Folder for the revised dataset.yaml and sign-off.xlsx.")
@click.option("--version", "version", help="Version of the revised spec (default: the next, e.g. 2026.1 -> 2026.2).")
@click.option("--register", "register_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@workspace_option
def spec_revise(store_path, spec_path, out_dir, version, register_path) -> None:
    """Write a revised draft of the dataset spec from the consultation's verdicts, and a sign-off workbook."""
    from .outputs.revision import RevisionError, revise_spec

    ws = _workspace()
    source = spec_path or load_spec_path("dataset")
    draft = _spec(str(source))
    _writable(out_dir)
    with _audited(ws, "spec revise") as run:
        try:
            revision = revise_spec(draft, Path(source).read_text(encoding="utf-8"), _spec("consultation"), store_path,
                                   _register_for(ws, register_path), out_dir, version)
        except RevisionError as exc:
            raise click.ClickException(str(exc)) from None
        if run:
            run.note(f"revised spec {revision.new.version} written to {_shown(revision.spec_path)}")
    click.echo(revision_summary(revision))


def load_spec_path(collection: str) -> Path:
    from .spec.load import spec_path

    return spec_path(collection)


def revision_summary(revision) -> str:
    from collections import Counter

    counts = Counter(c.change for c in revision.changes)
    lines = [f"Revised the dataset spec {revision.old.version} -> {revision.new.version} from the consultation "
             f"{revision.period} ({revision.boards} boards):"]
    lines += [f"  {change}: {n}" for change, n in counts.items()]
    lines.append(f"  gaps proposed (as comments): {len(revision.proposals)}")
    lines.append(f"  indicators: {len(revision.old.indicators)} before, {len(revision.new.indicators)} after")
    lines.append(f"Revised spec (passes 'lscb spec check'): {_shown(revision.spec_path)}")
    lines.append(f"Sign-off workbook for the steering group: {_shown(revision.signoff_path)}")
    return "\n".join(lines)


def _check_email_texts(ws: Workspace) -> tuple[list[str], list[str]]:
    from .emails.drafts import KINDS, EmailTemplateError, load_email_text

    problems, checked = [], []
    for kind in KINDS:
        try:
            checked.append(load_email_text(kind, ws.email_templates).source.name)
        except EmailTemplateError as exc:
            problems.append(str(exc))
    return problems, checked


# ----------------------------------------------------------------------------------- templates


@main.command()
@click.option("--period", callback=_period, help="Financial year 2026-27 or quarter 2026-27-Q1 (default: the workspace's).")
@click.option("--collection", help="Which collection's templates to make (default: the workspace's, else dataset).")
@click.option("--la", "la_codes", multiple=True, help="DfE code of an authority (repeat for several).")
@click.option("--hub", help="Only the authorities of this hub.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the templates (default: the workspace's templates folder).")
@click.option("--deadline", help="Deadline to print on each cover sheet, e.g. '30 April 2027' (default: the workspace's).")
@click.option("--send-to", help="Where coordinators send the return, e.g. an email address (default: the workspace's sender).")
@click.option("--register", "register_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Template signing key (default: the workspace's, else made on first use in your configuration folder).")
@click.option("--prefill", "prefill_files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Published figures (DfE open data standard CSV) to put in each authority's boxes, marked as "
                   "prefilled for the coordinator to check (repeat for several files).")
@workspace_option
def templates(period, collection, la_codes, hub, out_dir, deadline, send_to, register_path, key_file,
              prefill_files) -> None:
    """Write one locked return template per authority."""
    from .templates.protect import SHEET_PASSWORD
    from .templates.render import write_open_template, write_templates
    from .workspace import describe_deadline

    ws = _workspace()
    period = _needed(period or (ws.period if ws else None), "--period", "period")
    out_dir = _needed(out_dir or (ws.templates if ws else None), "--out", "templates")
    _writable(out_dir)
    if ws:
        deadline = deadline or describe_deadline(ws.deadline) or None
        send_to = send_to or ws.sender_address
    chosen = _chosen(_register_for(ws, register_path), la_codes, _hub(ws, hub))
    spec_ = _spec(_collection(ws, collection))
    password = ws.template_password if ws else SHEET_PASSWORD
    prefill = _comparators(None, prefill_files, spec_) if prefill_files else None
    with _audited(ws, "templates") as run:
        if spec_.open_to:  # one template, for any board to fill in and name itself
            paths = [write_open_template(spec_, period, out_dir, _key(ws, key_file, make=True), deadline, send_to, password)]
        else:
            paths = write_templates(spec_, chosen, period, out_dir, _key(ws, key_file, make=True), deadline=deadline,
                                    send_to=send_to, password=password, prefill=prefill)
        if run:
            run.note(f"{len(paths)} template(s) for {period} written to {_shown(out_dir)}: "
                     + ", ".join(p.name for p in paths))
    click.echo(f"Wrote {len(paths)} template(s) for {period} to {_shown(out_dir)}")
    if prefill is not None:
        click.echo(_prefill_note(prefill, spec_, chosen, period))


def _prefill_note(prefill, spec_, chosen: Register, period) -> str:
    from .templates.prefill import prefill_for

    counts = [len(prefill_for(prefill, spec_, a, period)) for a in chosen]
    filled = sum(1 for n in counts if n)
    if not filled:
        return (f"Nothing was prefilled: the published file has no figures for {period} for these authorities "
                f"(it holds {', '.join(prefill.periods()) or 'no periods'}).")
    return f"Prefilled {sum(counts)} figure(s) in {filled} template(s), each marked for the coordinator to check."


# ------------------------------------------------------------------------------ collate, report


def _existing_store(ws: Workspace | None, store_path: Path | None, out_dir: Path) -> Path:
    """The store a command works on (--store, the workspace's, else the output folder's), which must exist."""
    from .collate import default_store_path

    path = store_path or (_near(ws.store) if ws else None) or default_store_path(out_dir)
    if not path.exists():
        raise click.ClickException(f"no store at {path}: run 'lscb collate' first, or give --store")
    return path


def _out_dir(ws: Workspace | None, out_dir: Path | None, hub: str | None) -> Path:
    """The workspace's output folder; a hub other than the workspace's own gets a folder inside it."""
    from .emails.drafts import hub_folder

    if out_dir or ws is None:
        return out_dir or Path("output")
    if hub and hub != ws.hub:
        return _near(ws.output / hub_folder(hub))
    return _near(ws.output)


def _report_register(register: Register, hub: str | None) -> Register | None:
    return _chosen(register, (), hub) if hub else None


@main.command()
@click.argument("inbox", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the outputs (default: the workspace's output folder, else output).")
@click.option("--store", "store_path", type=click.Path(dir_okay=False, path_type=Path),
              help="SQLite store (default: the workspace's, else store.sqlite in the output folder); the archive sits beside it.")
@click.option("--collection", help="Default: the workspace's, else dataset.")
@click.option("--period", callback=_period,
              help="Period for the outputs (default: the workspace's, else the period most returns in use are for).")
@click.option("--hub", help="Produce the master workbook, feedback and profiles for this hub only.")
@click.option("--suppress", is_flag=True, help="Write a pack to share beyond the steering group (OUT/shared): counts of "
              "1 to 5, and whatever would give them away, shown as 'c'.")
@click.option("--register", "register_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path))
@comparators_option
@workspace_option
def collate(inbox, out_dir, store_path, collection, period, hub, suppress, register_path, key_file,
            comparator_files) -> None:
    """Take in every return under INBOX (default: the workspace's inbox), check and store it, and write the outputs."""
    from .collate import collate as run_collation

    ws = _workspace()
    inbox = _needed(inbox or (_near(ws.inbox) if ws else None), "INBOX", "inbox")
    collection = _collection(ws, collection)
    register = _register_for(ws, register_path)
    hub = _hub(ws, hub, register)
    report_register = _report_register(register, hub)
    out_dir = _out_dir(ws, out_dir, hub)
    store_path = store_path or (_near(ws.store) if ws else None)
    period = period or (ws.period if ws else None)
    comparators = _comparators(ws, comparator_files, _spec(collection))
    _writable(out_dir)
    key = _key(ws, key_file)
    with _audited(ws, "collate", store_path) as run:
        before = _round_status(ws, store_path, collection, report_register or register, period) if run else None
        report = run_collation(inbox, out_dir, store_path, collection, str(period) if period else None, suppress,
                               key, register, _progress, run_id=run.id if run else None,
                               report_register=report_register, deadline=ws.deadline if ws else None,
                               comparators=comparators)
        if run:
            run.note(_new_files_note(report))
            after = _round_status(ws, store_path, collection, report_register or register, period)
            run.note(_changes_note(before, after))
            run.note(_outputs_note(report))
    click.echo(summary(report, register))


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Default: the workspace's output folder, else output.")
@click.option("--store", "store_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--collection", help="Default: the workspace's, else dataset.")
@click.option("--period", callback=_period)
@click.option("--hub", help="Produce the master workbook, feedback and profiles for this hub only.")
@click.option("--suppress", is_flag=True, help="Write a pack to share beyond the steering group (OUT/shared): counts of "
              "1 to 5, and whatever would give them away, shown as 'c'.")
@click.option("--register", "register_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@comparators_option
@workspace_option
def report(out_dir, store_path, collection, period, hub, suppress, register_path, comparator_files) -> None:
    """Rebuild the master, feedback and profile workbooks from the store, without new files."""
    from .collate import write_outputs
    from .processes import rare_full_collections
    from .store.db import Store
    from .store.lock import one_run_at_a_time

    ws = _workspace()
    register = _register_for(ws, register_path)
    hub = _hub(ws, hub, register)
    out_dir = _out_dir(ws, out_dir, hub)
    path = _existing_store(ws, store_path, out_dir)
    _writable(out_dir)
    chosen = _report_register(register, hub)
    period = period or (ws.period if ws else None)
    spec_ = _spec(_collection(ws, collection))
    comparators = _comparators(ws, comparator_files, spec_)
    with _audited(ws, "report", path) as run, one_run_at_a_time(path), rare_full_collections():
        store = Store(path)
        try:
            result = write_outputs(store, spec_, register, out_dir, str(period) if period else None, suppress,
                                   ws.deadline if ws else None, comparators, focus=chosen)
        finally:
            store.close()
        if run:
            run.note(_outputs_note(result))
    click.echo(summary(result, register))


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the outputs (default: the workspace's output folder, else output).")
@click.option("--store", "store_path", type=click.Path(dir_okay=False, path_type=Path),
              help="SQLite store (default: the workspace's, else store.sqlite in the output folder).")
@click.option("--collection", help="Default: the workspace's, else dataset.")
@click.option("--period", callback=_period, help="Period for the master workbook (default: the workspace's, else the latest).")
@click.option("--hub", help="Produce the master workbook, feedback and profiles for this hub only.")
@click.option("--suppress", is_flag=True, help="Replace counts of 1 to 5 with 'c' for sharing beyond the steering group.")
@click.option("--register", "register_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path))
@comparators_option
@workspace_option
def recheck(out_dir, store_path, collection, period, hub, suppress, register_path, key_file, comparator_files) -> None:
    """Check every file received again, from the archive, against today's key, register, spec and tool."""
    from .recheck import changes_note, recheck as run_recheck

    ws = _workspace()
    collection = _collection(ws, collection)
    register = _register_for(ws, register_path)
    hub = _hub(ws, hub, register)
    out_dir = _out_dir(ws, out_dir, hub)
    path = _existing_store(ws, store_path, out_dir)
    period = period or (ws.period if ws else None)
    comparators = _comparators(ws, comparator_files, _spec(collection))
    _writable(out_dir)
    key = _key(ws, key_file)
    with _audited(ws, "recheck", path) as run:
        result = run_recheck(path, out_dir, collection, str(period) if period else None, suppress, key, register,
                             _progress, run_id=run.id if run else None,
                             report_register=_report_register(register, hub), deadline=ws.deadline if ws else None,
                             comparators=comparators)
        if run:
            run.note(changes_note(result.changes, result.rechecked))
            run.note(_outputs_note(result.outputs))
    click.echo(recheck_summary(result))
    click.echo(summary(result.outputs, register))


def recheck_summary(result) -> str:
    lines = [f"Rechecked {result.rechecked} file(s) from the archive: "
             + (f"{len(result.changes)} verdict(s) changed" if result.changes else "no verdict changed")]
    lines += [f"  {change}" for change in result.changes]
    if result.not_in_archive:
        lines.append(f"Not in the archive, so not rechecked ({len(result.not_in_archive)}): "
                     + ", ".join(result.not_in_archive))
    return "\n".join(lines)


@main.command("choose-version")
@click.argument("sha256")
@click.option("--store", "store_path", type=click.Path(dir_okay=False, path_type=Path),
              help="SQLite store (default: the workspace's, else store.sqlite in the output folder).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder whose store to use when there is no workspace (default: output).")
@workspace_option
def choose_version(sha256, store_path, out_dir) -> None:
    """Record which of two versions sent at the same moment counts (SHA256 from submissions.csv).

    The choice goes into the store's audit log; run 'lscb report' (or collate) afterwards to rebuild the outputs.
    """
    from .store.db import Store
    from .workspace import now_text

    ws = _workspace()
    path = _existing_store(ws, store_path, _out_dir(ws, out_dir, None))
    store = Store(path)
    try:
        run_id = store.start_run(now_text(), "choose-version", _command_line())
        try:
            row = store.choose_version(sha256, run_id, now_text())
        except (LookupError, ValueError) as exc:
            store.finish_run(run_id, f"failed: {exc}")
            raise click.ClickException(str(exc)) from None
        note = (f"chose {row['file']} ({row['sha256'][:12]}) as the version in use for authority "
                f"{row['la_code']}, {row['period']}")
        store.finish_run(run_id, note)
        status = store.db.execute("SELECT status FROM submissions WHERE id = ?", (row["id"],)).fetchone()[0]
    finally:
        store.close()
    click.echo(f"Recorded: {note} (now {status.replace('_', ' ')}). Run 'lscb report' to rebuild the outputs.")


def _round_status(ws, store_path, collection, register, period):
    from .round_status import round_status
    from .store.db import Store

    store = Store(store_path or ws.store)
    try:
        return round_status(store, collection, register, str(period or ws.period), ws.deadline)
    finally:
        store.close()


def _new_files_note(report) -> str:
    judged = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in sorted(report.new_statuses.items()))
    return f"{report.new_files} new file(s)" + (f": {judged}" if judged else "")


def _changes_note(before, after) -> str:
    from .round_status import status_changes

    changes = status_changes(before, after)
    return "statuses: " + "; ".join(changes) if changes else ""


def _outputs_note(report) -> str:
    if report.pack:
        written = ["submissions.csv, issues.csv", f"a pack to share (small numbers suppressed) in {report.pack}"]
    else:
        written = ["submissions.csv, values.csv, issues.csv"] + (["master.xlsx"] if report.master else [])
        written += [f"{len(report.profiles)} profile(s)"] if report.profiles else []
    written += [f"{len(report.feedback)} feedback workbook(s)"] if report.feedback else []
    return f"written to {report.out_dir}: " + ", ".join(written)


# ---------------------------------------------------------------------------------------- export


@main.command()
@click.option("--format", "format_", type=click.Choice(["ees"]), default="ees", show_default=True,
              help="ees: the Department for Education's open data standard (data file and metadata file).")
@click.option("--period", callback=_period, help="One period (default: every period of the latest one's kind).")
@click.option("--suppress", is_flag=True, help="Hide small numbers as in the shared pack, for publishing.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the two files (default: export in the workspace's output folder, else output/export).")
@click.option("--store", "store_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--collection", help="Default: the workspace's, else dataset.")
@click.option("--register", "register_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@workspace_option
def export(format_, period, suppress, out_dir, store_path, collection, register_path) -> None:
    """Write the collated dataset as open data: London, inner and outer London and each authority."""
    from .outputs.ees import ExportError, export_ees
    from .opendata.standard import STANDARD_URL

    ws = _workspace()
    spec_ = _spec(_collection(ws, collection))
    register = _register_for(ws, register_path)
    out_dir = out_dir or (_near(ws.output) if ws else Path("output")) / "export"
    _writable(out_dir)
    store, path = _store_for_reading(ws, store_path)
    try:
        with _audited(ws, "export", path) as run:
            try:
                result = export_ees(store, spec_, register, out_dir, str(period) if period else None, suppress)
            except ExportError as exc:
                raise click.ClickException(str(exc)) from None
            if run:
                run.note(f"open data for {', '.join(result.periods)} written to {_shown(result.data)}")
    finally:
        store.close()
    click.echo(f"Wrote {result.rows} rows x {result.indicators} indicators for {', '.join(result.periods)}"
               + (" (small numbers suppressed)" if suppress else "") + ":")
    click.echo(f"  data:     {_shown(result.data)}")
    click.echo(f"  metadata: {_shown(result.metadata)}")
    click.echo(f"Both meet the open data standard ({STANDARD_URL}).")


# -------------------------------------------------------------------------------- status, emails


def _store_for_reading(ws: Workspace | None, store_path: Path | None, allow_empty: bool = False):
    """The round's store; an empty one in memory when none exists yet and that is enough."""
    from .collate import default_store_path
    from .store.db import Store

    path = store_path or (ws.store if ws else default_store_path(Path("output")))
    if path.exists():
        return Store(path), path
    if allow_empty:
        return Store(Path(":memory:")), None
    raise click.ClickException(f"no store at {path}: run 'lscb collate' first, or give --store")


def _round_period(ws: Workspace | None, period, store, collection: str) -> str:
    if period:
        return str(period)
    if ws:
        return str(ws.period)
    from .collate import choose_period

    chosen = choose_period(store, _spec(collection), None)
    if not chosen:
        raise click.UsageError("give --period, or run inside a workspace ('lscb init') whose lscb.yaml sets 'period'")
    return chosen


@main.command()
@click.option("--hub", help="Only the authorities of this hub.")
@click.option("--period", callback=_period,
              help="Default: the workspace's, else the period most returns in use are for.")
@click.option("--collection", help="Default: the workspace's, else dataset.")
@click.option("--deadline", callback=_date, help="YYYY-MM-DD (default: the workspace's).")
@click.option("--store", "store_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Default: the workspace's, else output/store.sqlite.")
@click.option("--register", "register_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--today", callback=_date, hidden=True, help="Count days from this date instead of today.")
@workspace_option
def status(hub, period, collection, deadline, store_path, register_path, today) -> None:
    """Who has returned, whose return is accepted, with warnings or to resubmit, who is missing; days to the deadline."""
    from .round_status import deadline_line, round_status, status_table, summary_line

    ws = _workspace()
    collection = _collection(ws, collection)
    spec_ = _spec(collection)
    register = _register_for(ws, register_path)
    hub = _hub(ws, hub, register)
    chosen = _chosen(register, (), hub)
    store, path = _store_for_reading(ws, store_path)
    try:
        with _audited(ws, "status", path):
            period = _round_period(ws, period, store, collection)
            state = round_status(store, collection, chosen, period, deadline or (ws.deadline if ws else None), today)
    finally:
        store.close()
    where = f"hub {hub}" if hub else "all of London"
    click.echo(f"{spec_.title}, {period}, {where} ({len(chosen)} authorities)")
    click.echo(deadline_line(state))
    click.echo(summary_line(state))
    click.echo("")
    click.echo(status_table(state))


@main.command()
@click.option("--kind", required=True, type=click.Choice(["invite", "chase", "feedback"]),
              help="invite: each template to its coordinator; chase: to those with no return in use; "
                   "feedback: each feedback workbook, with what to fix.")
@click.option("--hub", help="Only the authorities of this hub.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the drafts (default: output/emails/KIND in the workspace).")
@click.option("--sender", help="From address (default: the workspace's sender).")
@click.option("--period", callback=_period,
              help="Default: the workspace's, else the period most returns in use are for.")
@click.option("--collection", help="Default: the workspace's, else dataset.")
@click.option("--deadline", callback=_date, help="YYYY-MM-DD (default: the workspace's).")
@click.option("--templates", "templates_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Where the templates are (default: the workspace's templates folder).")
@click.option("--collated", "collated_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The folder 'lscb collate' wrote to, holding feedback/ (default: the workspace's output).")
@click.option("--texts", "texts_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of email texts invite.txt, chase.txt, feedback.txt (default: the workspace's).")
@click.option("--store", "store_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--register", "register_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--today", callback=_date, hidden=True, help="Count days from this date instead of today.")
@workspace_option
def emails(kind, hub, out_dir, sender, period, collection, deadline, templates_dir, collated_dir, texts_dir,
           store_path, register_path, today) -> None:
    """Write .eml drafts, one per authority, to open in Outlook or Thunderbird and send. Nothing is sent."""
    from .emails.drafts import EmailTemplateError, RoundDetails, write_drafts
    from .workspace import valid_sender

    ws = _workspace()
    collection = _collection(ws, collection)
    spec_ = _spec(collection)
    register = _register_for(ws, register_path)
    chosen = _chosen(register, (), _hub(ws, hub, register))
    sender = _needed(sender or (ws.sender if ws else None), "--sender", "sender")
    if not valid_sender(sender):
        raise click.BadParameter(f"'{sender}' is not an email address: write it as name@example.org "
                                 "or 'Name <name@example.org>'", param_hint="--sender")
    out_dir = _needed(out_dir or (ws.output / "emails" / kind if ws else None), "--out", "output")
    store, path = _store_for_reading(ws, store_path, allow_empty=kind == "invite")
    try:
        with _audited(ws, "emails", path) as run:
            period = parse_period(_round_period(ws, period, store, collection))
            details = RoundDetails(
                spec=spec_, period=period, sender=sender, deadline=deadline or (ws.deadline if ws else None),
                templates_dir=templates_dir or (ws.templates if ws else None),
                output_dir=collated_dir or (ws.output if ws else None),
                email_templates=texts_dir or (ws.email_templates if ws else None), today=today)
            try:
                result = write_drafts(kind, store, chosen, details, out_dir, run.id if run else None)
            except EmailTemplateError as exc:
                raise click.ClickException(f"the {kind} email text has a problem:\n{exc}") from None
            if run:
                run.note(_drafts_note(result))
    finally:
        store.close()
    click.echo(drafts_summary(result))


def _drafts_note(result) -> str:
    names = ", ".join(a.name for a, _ in result.written)
    note = f"{len(result.written)} {result.kind} draft(s) written to {_shown(result.out_dir)}" + (f": {names}" if names else "")
    if result.notes:
        note += f"; {len(result.notes)} skipped: " + ", ".join(n.split(":")[0] for n in result.notes)
    return note


def drafts_summary(result) -> str:
    lines = [f"Wrote {len(result.written)} {result.kind} draft(s) to {_shown(result.out_dir)}"
             + (":" if result.written else ".")]
    width = max((len(path.name) for _, path in result.written), default=0)
    lines += [f"  {path.name.ljust(width)}  to {authority.coordinator_email}" for authority, path in result.written]
    if result.notes:
        lines.append(f"Skipped {len(result.notes)}:")
        lines += [f"  {note}" for note in result.notes]
    if result.kind != "invite" and result.not_due:
        lines.append(f"{result.not_due} authorit{'y needs' if result.not_due == 1 else 'ies need'} no "
                     f"{result.kind} email.")
    lines.append("Nothing has been sent: open each draft in Outlook or Thunderbird, check it, and send it.")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------- final report


@main.command("final-report")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for final-report.docx (default: the workspace's output folder, else output).")
@click.option("--store", "store_paths", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="A store to draw on (repeat for the mapping, consultation, pilot and good-practice rounds; "
                   "default: the workspace's).")
@click.option("--spec", "spec_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The signed-off dataset spec (default: the dataset spec shipped with the tool).")
@click.option("--register", "register_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@workspace_option
def final_report(out_dir, store_paths, spec_path, register_path) -> None:
    """Draft the project's final report (Word) from the stores: eight chapters, a summary, an appendix per hub."""
    from .outputs.final_report.build import write_final_report
    from .outputs.final_report.evidence import ReportError

    ws = _workspace()
    stores = list(store_paths) or ([_near(ws.store)] if ws else [])
    if not stores:
        raise click.UsageError("give --store (once for each round's store.sqlite), or run inside a workspace")
    out_dir = out_dir or (_near(ws.output) if ws else Path("output"))
    _writable(out_dir)
    spec_ = _spec(str(spec_path) if spec_path else "dataset")
    with _audited(ws, "final-report") as run:
        try:
            result = write_final_report(stores, out_dir, _register_for(ws, register_path), spec_)
        except ReportError as exc:
            raise click.ClickException(str(exc)) from None
        if run:
            run.note(f"final report written to {_shown(result.path)}")
    click.echo(final_report_summary(result))


def final_report_summary(result) -> str:
    lines = [f"Wrote the DRAFT final report: {_shown(result.path)}"]
    lines += [f"  drew on {collection}: {periods}" for collection, periods in result.collections.items()]
    lines.append("  chapters: " + ", ".join(c.title for c in result.report.chapters))
    lines.append(f"  appendices: {len(result.report.appendices)} (one per hub); charts also as PNGs in "
                 f"{_shown(result.figures)}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------ demo


@main.command()
@click.option("--out", "out_dir", default="output/demo", show_default=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--period", default="2026-27", show_default=True, callback=_period)
def demo(out_dir, period) -> None:
    """Run the whole project life on synthetic returns made here, clearly marked synthetic: mapping,
    consultation, revised spec, pilot over two periods, good practice, final report."""
    from .demo.project import run_project

    try:
        ws = _workspace()
    except click.ClickException:
        ws = None  # the demo uses none of the workspace's settings
    _writable(out_dir)
    with _audited(ws, "demo") as run:
        result = run_project(out_dir, period)
        if run:
            run.note(f"synthetic demo written to {_shown(out_dir)} (its own stores; nothing in this round changed)")
    pilot = result.pilot
    click.echo(summary(pilot.report, load_register()))
    click.echo(f"\nSynthetic demo returns (not real data) are in {pilot.inbox}")
    click.echo(f"Templates are in {pilot.templates}")
    click.echo(f"The master workbook is {pilot.report.master}")
    click.echo("\nThe project's life, phase by phase (all synthetic):")
    for line in project_lines(result):
        click.echo(f"  {line}")


def project_lines(result) -> list[str]:
    """Where each phase's outputs are, in the order the project runs."""
    def returns(report) -> str:
        return f"{report.statuses.get('accepted', 0) + report.statuses.get('accepted_with_warnings', 0)} returns"

    revision = result.revision
    return [
        f"1. Mapping survey, {result.mapping.period}: {returns(result.mapping)}, master {_shown(result.mapping.master)}",
        f"2. Consultation, {result.consultation.period}: {returns(result.consultation)}, master "
        f"{_shown(result.consultation.master)} (with the conceptual model in each template)",
        f"3. Revised dataset spec {revision.new.version}: {_shown(revision.spec_path)}; sign-off workbook "
        f"{_shown(revision.signoff_path)} (taken as signed off: the pilot runs on it)",
        f"4. Pilot, {', '.join(result.report.collections.get('dataset', '').split(', '))}: master "
        f"{_shown(result.pilot.report.master)}",
        f"5. Good practice from any LSCB: {returns(result.good_practice)}, master "
        f"{_shown(result.good_practice.master)}",
        f"6. Final report (DRAFT): {_shown(result.report.path)}",
    ]


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
            "accepted", "accepted_with_warnings", "rejected", "superseded", "undecided", "duplicate", "unreadable",
            "ignored") if s != "undecided" or counts.get(s)),
    ]
    if report.missing:
        names = [register.by_code(c).name for c in report.missing if register.by_code(c)]
        shown = ", ".join(names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")
        lines.append(f"Missing ({len(names)}): {shown}")
    else:
        lines.append("Missing: none, every authority has returned")
    if counts.get("tool_error"):
        lines.append(f"The tool could not check {counts['tool_error']} file(s), through no fault of the sender: "
                     f"the details are in {Path(report.store_path).parent / 'lscb-tool-errors.log'}; "
                     "they are checked again by 'lscb recheck'")
    lines += [f"Note: {n}" for n in report.notes]
    if report.pack:
        lines.append(f"Pack to share (small numbers suppressed): {report.pack}: master.xlsx, values.csv, "
                     f"{len(report.profiles)} borough profiles. Share this folder only.")
        lines.append(f"For the project officer only, not to share: submissions.csv, issues.csv in {report.out_dir}")
    else:
        lines.append(f"Outputs in {report.out_dir}: submissions.csv, values.csv, issues.csv"
                     + (", master.xlsx" if report.master else ""))
    if report.feedback:
        lines.append(f"Feedback workbooks to send back: {len(report.feedback)} in {report.out_dir / 'feedback'}")
    if report.profiles and not report.pack:
        lines.append(f"Borough profiles: {len(report.profiles)} in {report.out_dir / 'profiles'}")
    lines.append(f"Store: {report.store_path}")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m lscb_workbooks.cli, where the lscb command is not on the path
    main()
