"""Draw return templates: one locked .xlsx per authority, built in memory and written atomically.

The layout (`layout.py`) decides every cell; this module only draws it with
xlsxwriter. xlsxwriter reports some mistakes (an over-long list, title or
message) only as a warning and a return code, so both are treated as errors
here: a template that would open with a missing dropdown is never written.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..atomic import replacing
from ..errors import LscbError
from ..opendata.published import Published
from ..spec.models import Spec
from ..spec.periods import Period
from ..spec.register import Authority
from . import identity
from .identity import OPEN_CODE
from .inputs import InputRule
from .layout import Cell, Conditional, SheetLayout, TemplateLayout, Validation, identity_rows, layout_template
from .prefill import PrefilledValue, prefill_for
from .protect import SHEET_OPTIONS, SHEET_PASSWORD, lock_structure
from .styles import Highlight, Style

WORKBOOK_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                    "strings_to_numbers": False}
A4 = 9


class TemplateError(LscbError, RuntimeError):
    """A template could not be drawn as laid out; nothing was written."""


def template_file_name(spec: Spec, authority: Authority, period: Period) -> str:
    """A name a coordinator can read: `dataset_2026-27_302-Barnet.xlsx`."""
    return f"{spec.id}_{period}_{authority.file_stem}.xlsx"


def write_templates(spec: Spec, authorities: Iterable[Authority], period: Period, out_dir: Path, key: bytes,
                    deadline: str | None = None, send_to: str | None = None,
                    password: str = SHEET_PASSWORD, prefill: Published | None = None) -> list[Path]:
    """One template per authority in `out_dir`, each replaced whole or not at all.

    `password` is the sheets' protection password; a workspace sets its own. `prefill` holds
    published figures to put in each authority's boxes, marked as prefilled.
    The templates of one collection and period differ only in the authority's
    name, code and signature, so the workbook is drawn once and each copy is
    stamped from it (see `TemplateStamp`); prefilled templates differ in their
    figures too, so each is drawn in full.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    authorities = list(authorities)
    created = datetime.now(timezone.utc)
    prefilled = {a.la_code: prefill_for(prefill, spec, a, period) for a in authorities}
    stamp = None if any(prefilled.values()) else TemplateStamp.for_batch(spec, authorities, period, key, created,
                                                                         deadline, send_to, password)
    written = []
    for authority in authorities:
        path = out_dir / template_file_name(spec, authority, period)
        data = stamp.stamp(authority) if stamp else None
        if data is None:
            data = draw_workbook(layout_template(spec, authority, period, key, created, deadline, send_to,
                                                 prefilled[authority.la_code]), password)
        write_atomically(path, data)
        written.append(path)
    return written


def open_authority(spec: Spec) -> Authority:
    """The one 'authority' of an open collection's template: whoever it is open to."""
    return Authority(OPEN_CODE, spec.open_to or "Any board", "", "", "", "")


def write_open_template(spec: Spec, period: Period, out_dir: Path, key: bytes, deadline: str | None = None,
                        send_to: str | None = None, password: str = SHEET_PASSWORD) -> Path:
    """The one template of an open collection, for any board to fill in and name itself."""
    path = Path(out_dir) / f"{spec.id}_{period}_{OPEN_CODE}.xlsx"
    write_atomically(path, render_template(spec, open_authority(spec), period, key, deadline, send_to, password))
    return path


NAME_MARK, CODE_MARK = "\ue000", "\ue001"
PLAIN_NAME = re.compile(r"[A-Za-z0-9 ,.()\-]+")


class TemplateStamp:
    """One collection and period's template drawn once, for a stand-in authority, then stamped per authority.

    The stand-in's name is written in private-use characters, with spaces where
    the longest real name has them, so every wrapped row is laid out tall enough
    for any authority of the batch; its code and signature are as long as the
    real ones. Stamping replaces those three in the package's XML parts, which
    takes a few milliseconds where drawing a workbook takes over a hundred. A
    copy in which a mark survives is never written: it is drawn in full instead.
    """

    def __init__(self, drawn: bytes, marks: dict[str, str], spec: Spec, period: Period, key: bytes,
                 created: datetime) -> None:
        self.parts = _read_parts(drawn)
        self.marks = marks
        self.spec, self.period, self.key, self.created = spec, period, key, created

    @classmethod
    def for_batch(cls, spec: Spec, authorities: list[Authority], period: Period, key: bytes, created: datetime,
                  deadline: str | None, send_to: str | None, password: str) -> "TemplateStamp | None":
        """The stamp for these authorities, or None where drawing each in full is as quick or safer."""
        if len(authorities) < 2 or not all(PLAIN_NAME.fullmatch(a.name) and a.la_code.isalnum() for a in authorities):
            return None
        longest = max((a.name for a in authorities), key=len)
        stand_in = replace(authorities[0], name="".join(" " if c == " " else NAME_MARK for c in longest),
                           la_code=CODE_MARK * max(len(a.la_code) for a in authorities))
        signature = dict(identity_rows(spec, stand_in, period, created, key))[identity.SIGNATURE_KEY]
        drawn = draw_workbook(layout_template(spec, stand_in, period, key, created, deadline, send_to), password)
        return cls(drawn, {"name": stand_in.name, "la_code": stand_in.la_code, "signature": signature},
                   spec, period, key, created)

    def stamp(self, authority: Authority) -> bytes | None:
        """This authority's template, or None if the stand-in's marks cannot all be replaced."""
        if len(authority.la_code) != len(self.marks["la_code"]):
            return None
        signature = dict(identity_rows(self.spec, authority, self.period, self.created, self.key))[identity.SIGNATURE_KEY]
        swaps = [(self.marks["name"], authority.name), (self.marks["la_code"], authority.la_code),
                 (self.marks["signature"], signature)]
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info, data in self.parts:
                if info.filename.endswith((".xml", ".rels")):
                    for mark, real in swaps:
                        data = data.replace(mark.encode(), real.encode())
                    if NAME_MARK.encode() in data or CODE_MARK.encode() in data:
                        return None
                target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
        return out.getvalue()


def _read_parts(xlsx: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source:
        return [(info, source.read(info)) for info in source.infolist()]


def render_template(spec: Spec, authority: Authority, period: Period, key: bytes,
                    deadline: str | None = None, send_to: str | None = None,
                    password: str = SHEET_PASSWORD, prefilled: dict[str, PrefilledValue] | None = None) -> bytes:
    """One authority's template, as the bytes of an .xlsx file."""
    created = datetime.now(timezone.utc)
    return draw_workbook(layout_template(spec, authority, period, key, created, deadline, send_to, prefilled),
                         password)


def write_atomically(path: Path, data: bytes) -> None:
    """Write beside the target, then rename, so an interrupted run never leaves half a file."""
    with replacing(path) as temporary:
        temporary.write_bytes(data)


def draw_workbook(layout: TemplateLayout, password: str = SHEET_PASSWORD) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        workbook = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
        workbook.set_properties({"title": f"{layout.title}: {layout.authority_name}, {layout.period}",
                                 "subject": f"Return template for {layout.authority_name}, {layout.period}",
                                 "comments": "Fill in the yellow boxes; see the Cover sheet."})
        drawer = _Drawer(workbook, layout, password)
        for sheet in layout.sheets:
            drawer.draw(sheet)
        workbook.close()
    if caught:
        raise TemplateError("the template could not be drawn: " + "; ".join(str(w.message) for w in caught))
    return lock_structure(let_rows_grow(buffer.getvalue(), [sheet.growing_rows for sheet in layout.sheets]))


def let_rows_grow(xlsx: bytes, growing: list[set[int]]) -> bytes:
    """The same workbook with its text-box rows left for the spreadsheet program to size.

    A row whose height the file marks as set by hand keeps it, so a long comment
    typed into it would show, and print, cut; without the mark, Excel and
    LibreOffice grow the row to fit as the text is typed. The height written
    stays as the row's starting height. The spreadsheet writer marks every row
    it sizes, so the marks are taken off here (sheets are numbered in the order
    they were drawn).
    """
    parts = {f"xl/worksheets/sheet{i}.xml": rows for i, rows in enumerate(growing, start=1) if rows}
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename in parts:
                numbers = {str(row + 1).encode() for row in parts[info.filename]}
                data = _ROW_SIZED_BY_HAND.sub(lambda m: m.group(1) if m.group(2) in numbers else m.group(0), data)
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


_ROW_SIZED_BY_HAND = re.compile(rb'(<row r="(\d+)"[^>]*?) customHeight="1"')


class _Drawer:
    def __init__(self, workbook: Workbook, layout: TemplateLayout, password: str = SHEET_PASSWORD) -> None:
        self.workbook = workbook
        self.layout = layout
        self.password = password
        self.formats: dict[Style | Highlight, object] = {}

    def format(self, style: Style | Highlight):
        if style not in self.formats:
            self.formats[style] = self.workbook.add_format(style.properties())
        return self.formats[style]

    def draw(self, sheet: SheetLayout) -> Worksheet:
        ws = self.workbook.add_worksheet(sheet.name)
        for col, width in sheet.widths.items():
            _ok(ws.set_column(col, col, width), f"width of column {col} on {sheet.name}")
        for row, height in sheet.heights.items():
            _ok(ws.set_row(row, height), f"height of row {row + 1} on {sheet.name}")
        for cell in sheet.cells:
            self.write(ws, sheet, cell)
        for validation in sheet.validations:
            _ok(ws.data_validation(*_area(validation), _validation_options(validation.rule)),
                f"validation of {_where(sheet, validation)}")
        for conditional in sheet.conditionals:
            _ok(ws.conditional_format(*_area(conditional), {"type": "formula", "criteria": conditional.formula,
                                                             "format": self.format(conditional.highlight)}),
                f"conditional format of {_where(sheet, conditional)}")
        self.finish(ws, sheet)
        return ws

    def write(self, ws: Worksheet, sheet: SheetLayout, cell: Cell) -> None:
        fmt = self.format(cell.style)
        where = f"{sheet.name}!{_a1(cell.row, cell.col)}"
        if cell.merge_to is not None:
            _ok(ws.merge_range(cell.row, cell.col, cell.row, cell.merge_to, "", fmt), f"merge at {where}")
        if cell.formula is not None:
            result = ws.write_formula(cell.row, cell.col, cell.formula, fmt, cell.cached)
        elif cell.value is None:
            result = ws.write_blank(cell.row, cell.col, None, fmt)
        elif isinstance(cell.value, str):
            result = ws.write_string(cell.row, cell.col, cell.value, fmt)
        else:
            result = ws.write_number(cell.row, cell.col, cell.value, fmt)
        _ok(result, f"cell {where}")

    def finish(self, ws: Worksheet, sheet: SheetLayout) -> None:
        if sheet.visibility == "visible":
            ws.set_landscape()
            ws.set_paper(A4)
            ws.fit_to_pages(1, 1 if sheet.kind == "cover" else 0)
            ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
            left, centre, right = (_header_text(t) for t in self.layout.print_header)
            ws.set_header(f"&L&B{left}&C{centre}&R{right}")
            ws.set_footer("&L&A&RPage &P of &N")
            if sheet.repeat_rows:
                _ok(ws.repeat_rows(*sheet.repeat_rows), f"print titles of {sheet.name}")
            if sheet.freeze_row is not None:
                ws.freeze_panes(sheet.freeze_row, 0)
        if sheet.kind == "cover":
            ws.hide_gridlines(2)
            ws.activate()
        if sheet.visibility == "hidden":
            ws.hide()
        elif sheet.visibility == "very_hidden":
            ws.very_hidden()
        ws.protect(self.password, SHEET_OPTIONS)


def _validation_options(rule: InputRule) -> dict[str, object]:
    options: dict[str, object] = {"input_title": rule.title, "input_message": rule.message,
                                  "error_title": rule.error_title, "error_message": rule.error,
                                  "error_type": "stop", "ignore_blank": True}
    if rule.kind == "list":
        options.update(validate="list", source=rule.source)
    elif rule.kind == "length":
        options.update(validate="length", criteria="<=", value=rule.maximum)
    else:
        options.update(validate={"whole": "integer"}.get(rule.kind, rule.kind), criteria="between",
                       minimum=rule.minimum, maximum=rule.maximum)
    return options


def _area(item: Validation | Conditional) -> tuple[int, int, int, int]:
    a = item.area
    return a.first_row, a.first_col, a.last_row, a.last_col


def _where(sheet: SheetLayout, item: Validation | Conditional) -> str:
    return f"{sheet.name}!{_a1(item.area.first_row, item.area.first_col)}"


def _a1(row: int, col: int) -> str:
    from .layout import address

    return address(row, col, absolute=False)


def _header_text(text: str) -> str:
    """Text for a printed header, where '&' starts a code."""
    return text.replace("&", "&&")


def _ok(result: int | None, what: str) -> None:
    if result not in (0, None):
        raise TemplateError(f"could not write the {what} (spreadsheet writer returned {result})")


def drawing_problems(spec: Spec, authority: Authority) -> list[str]:
    """Why this spec's template cannot be drawn (an over-long formula, list or message), or nothing.

    `lscb spec check` calls this, so that a limit of Excel's surfaces when the
    spec is checked rather than when templates are made.
    """
    period = Period(2026, 1 if spec.period_type == "quarter" else None)
    try:
        render_template(spec, authority, period, b"checking the layout only")
    except LscbError as exc:
        return [str(exc)]
    return []
