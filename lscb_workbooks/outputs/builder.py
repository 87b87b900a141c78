"""The one way every workbook the tool writes builds its sheets: titles, paragraphs, tables, print set-up, contents.

The master workbook, the survey masters, the borough profiles and the feedback
workbooks all build on `WorkbookBuilder`, so that a title, a note, a table or a
printed page looks and behaves the same in each. A table's columns are
described once, as `Column` records (header, width, how a row's cell is
written), never as a list of headers matched against a list of widths or
against code that looks the header up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field as dataclass_field
from datetime import datetime
from typing import Any, Callable, Iterable, Sequence

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from . import palette, xlsx

TABLE_STYLE = "Table Style Light 9"
GREY_NOTE = {"italic": True, "font_color": "#404040"}
ROTATED_HEADER = {"bold": True, "rotation": 90, "bg_color": "#D9E1F2", "border": 1, "align": "center",
                  "valign": "bottom"}
ROTATED_POINTS_PER_CHARACTER = 6  # letters of a short heading, turned upright

Row = Any
CellStyle = Format | Callable[[Row], Format | None] | None


@dataclass(frozen=True)
class Column:
    """One column of a table: its header, its width, and how each row's cell is written.

    `value` is the row's key or attribute name, or a function of the row; `style` is a format, or a
    function of the row giving one; `wrap` makes the text wrap and the row grow to show it. A cell
    that writes itself (a link, a figure that is replaced by its reason when there is none) gives
    `write`, called as `write(worksheet, row, col, record)`. A narrow column of codes or letters has
    its header turned upright (`rotate`).
    """

    header: str
    width: float | None = None
    value: str | Callable[[Row], Any] | None = None
    style: CellStyle = None
    wrap: bool = False
    write: Callable[[Worksheet, int, int, Row], None] | None = None
    rotate: bool = False

    def value_of(self, record: Row) -> Any:
        if callable(self.value):
            return self.value(record)
        if self.value is None:
            return None
        if isinstance(record, dict):
            return record.get(self.value)
        return getattr(record, self.value, None)

    def style_of(self, record: Row, formats: xlsx.Formats) -> Format | None:
        if callable(self.style) and not isinstance(self.style, Format):
            return self.style(record)
        if self.style is not None:
            return self.style
        return formats.wrap if self.wrap else formats.text

    def getter(self, of_dicts: bool) -> Callable[[Row], Any]:
        """`value_of`, decided once for a table whose records are all dicts (`of_dicts`) or all objects."""
        key = self.value
        if callable(key):
            return key
        if key is None:
            return lambda record: None
        if of_dicts:
            return lambda record: record.get(key)
        return lambda record: getattr(record, key, None)


@dataclass
class SheetPlan:
    """The sheets in workbook order, each with what it holds (for the Contents sheet) and how to draw it."""

    entries: list[tuple[str, str, Callable[[Worksheet], None] | None]] = dataclass_field(default_factory=list)
    taken: set[str] = dataclass_field(default_factory=set)

    def add(self, title: str, about: str, draw: Callable[[Worksheet], None] | None = None) -> str:
        """Plan a sheet; its name is `title` made legal and unique."""
        name = xlsx.sheet_name(title, self.taken)
        self.entries.append((name, about, draw))
        return name


def stamp(period: str, produced_at: datetime) -> str:
    """What every sheet says under its title: the period and when the workbook was made."""
    return f"Period {period}. Produced {produced_at:%d %B %Y %H:%M}."


class WorkbookBuilder:
    """What every sheet of one workbook shares: its formats, its tables' names, its page header and stamp.

    `header` is printed at the top of every page; `stamp` (the period and when the workbook was
    made) is written under each sheet's title.
    """

    def __init__(self, workbook: xlsxwriter.Workbook, header: str = "", stamp: str = "",
                 formats: xlsx.Formats | None = None, tables: set[str] | None = None) -> None:
        self.wb = workbook
        self.f = formats or xlsx.Formats(workbook)
        self.header = header
        self.stamp = stamp
        self.tables: set[str] = tables if tables is not None else set()

    # --- words on a sheet --------------------------------------------------------------------------

    def heading(self, ws: Worksheet, title: str, note: str | None = None, span: tuple[int, float] = (7, 100)) -> int:
        """The sheet's title, the stamp under it, and an optional note wrapped across columns 0..span[0]
        (span[1] characters wide); returns the first free row after a gap."""
        ws.write_string(0, 0, xlsx.cell_text(title), self.f.title)
        ws.set_row(0, 24)
        row = 1
        if self.stamp:
            ws.write_string(row, 0, xlsx.cell_text(self.stamp), self.f.get(**GREY_NOTE))
        if note:
            row += 1
            self.paragraph(ws, row, note, *span)
        return row + 2

    def paragraph(self, ws: Worksheet, row: int, text: str, last_col: int, chars: float, **style: Any) -> None:
        """Text wrapped across columns 0..last_col (`chars` characters wide), its row tall enough for it."""
        xlsx.write_paragraph(ws, self.f, row, text, last_col, chars, **style)

    def write_facts(self, ws: Worksheet, row: int, facts: Iterable[tuple[str, Any]], width: float) -> int:
        """Label and value pairs, one a row (numbers as numbers, text wrapped in `width`); returns the next row."""
        for label, value in facts:
            ws.write_string(row, 0, xlsx.cell_text(label), self.f.get(bold=True, valign="top"))
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(row, 1, value, self.f.get(num_format="0", align="left"))
            else:
                ws.write_string(row, 1, xlsx.cell_text(value), self.f.wrap)
                xlsx.fit_row(ws, row, [(value, width)])
            row += 1
        return row

    def contents_top(self, ws: Worksheet, title: str, subtitle: str, facts: Iterable[tuple[str, Any]],
                     missing: Sequence[str], widths: tuple[float, float]) -> int:
        """The top of a Contents sheet: the workbook's title, what it is about, its facts, and who is still
        missing; returns the next free row."""
        ws.set_column(0, 0, widths[0])
        ws.set_column(1, 1, widths[1])
        ws.write_string(0, 0, xlsx.cell_text(title), self.f.title)
        ws.set_row(0, 24)
        ws.write_string(1, 0, xlsx.cell_text(subtitle), self.f.subtitle)
        still_missing = [("Still missing", ", ".join(missing))] if missing else []
        return self.write_facts(ws, 3, [*facts, *still_missing], widths[1])

    def return_state(self, status: str) -> Format:
        """A return's state in its palette colour, bold unless all is well, wherever a tracker shows it."""
        state = palette.RETURN_STATE.get(status)
        if state is None:
            return self.f.text
        return self.f.get(**state.cell(), bold=status != "Accepted", valign="top")

    def print_layout(self, ws: Worksheet, repeat: tuple[int, int] | None = None) -> None:
        """Landscape A4 fitted to the page width, the workbook's header on every page, `repeat` rows on each."""
        xlsx.set_print_layout(ws, self.header, repeat_rows=repeat)

    # --- tables ------------------------------------------------------------------------------------

    def table_name(self, name: str) -> str:
        """A name for an Excel table, unique in the workbook."""
        table = re.sub(r"[^A-Za-z0-9_]", "_", name)[:250]
        if not re.match(r"[A-Za-z_]", table):
            table = "T_" + table
        base, n = table, 2
        while table.lower() in self.tables:
            table = f"{base}_{n}"
            n += 1
        self.tables.add(table.lower())
        return table

    def table(self, ws: Worksheet, first_row: int, columns: Sequence[Column], records: Iterable[Row], name: str,
              first_col: int = 0, style: str = TABLE_STYLE, header_format: Format | None = None,
              header_height: float | None = None, fit_header: bool = False, empty_note: str | None = None) -> int:
        """A real Excel table: a header row, then one row per record written column by column.

        Rows with wrapped text grow to show it. Excel needs at least one data row; with no records,
        `empty_note` (if any) says why the table is empty. Returns the row after the table.
        """
        records = list(records)
        self.table_frame(ws, first_row, [c.header for c in columns], len(records), name, first_col, style,
                         header_format, [c.width for c in columns])
        rotated = [(j, c.header) for j, c in enumerate(columns) if c.rotate]
        for j, header in rotated:
            ws.write_string(first_row, first_col + j, xlsx.cell_text(header), self.f.get(**ROTATED_HEADER))
        if header_height is not None:
            ws.set_row(first_row, header_height)
        elif rotated:
            ws.set_row(first_row, ROTATED_POINTS_PER_CHARACTER * max(len(h) for _, h in rotated) + 12)
        elif fit_header:
            tallest = max((xlsx.wrapped_lines(c.header, c.width) for c in columns if c.width), default=1)
            ws.set_row(first_row, max(20, 15 * tallest + 6))
        self.table_rows(ws, first_row + 1, first_col, columns, records)
        if not records and empty_note:
            ws.write_string(first_row + 1, first_col, empty_note, self.f.note)
        return first_row + max(len(records), 1) + 1

    def table_frame(self, ws: Worksheet, first_row: int, headers: Sequence[str], rows: int, name: str,
                    first_col: int = 0, style: str = TABLE_STYLE, header_format: Format | None = None,
                    widths: Sequence[float | None] = ()) -> str:
        """The Excel table itself (headers, style, filter buttons) over `rows` rows the caller fills; its name."""
        table = self.table_name(name)
        ws.add_table(first_row, first_col, first_row + max(rows, 1), first_col + len(headers) - 1, {
            "name": table, "style": style, "autofilter": True,
            "columns": [{"header": h, "header_format": header_format or self.f.header}
                        for h in unique_headers(headers)],
        })
        for j, width in enumerate(widths):
            if width is not None:
                ws.set_column(first_col + j, first_col + j, width)
        return table

    def table_rows(self, ws: Worksheet, first_row: int, first_col: int, columns: Sequence[Column],
                   records: Sequence[Row]) -> None:
        """Each record's cells from `first_row` down, and each row's height when a wrapped cell needs more than
        one line. How each column reads and styles a record is settled once for the table, not once a cell."""
        if not records:
            return
        of_dicts = isinstance(records[0], dict)
        plan = []
        for col, column in enumerate(columns, start=first_col):
            dynamic = callable(column.style) and not isinstance(column.style, Format)
            style = column.style if dynamic else column.style_of(None, self.f)
            plan.append((col, column.write, column.getter(of_dicts), style, dynamic,
                         column.width if column.wrap else None))
        write_value = xlsx.write_value
        for row, record in enumerate(records, start=first_row):
            wrapped = []
            for col, write, get, style, dynamic, wrap_width in plan:
                if write is not None:
                    write(ws, row, col, record)
                    if wrap_width:
                        wrapped.append((get(record), wrap_width))
                    continue
                value = get(record)
                write_value(ws, row, col, value, style(record) if dynamic else style)
                if wrap_width:
                    wrapped.append((value, wrap_width))
            if wrapped:
                xlsx.fit_row(ws, row, wrapped)

    def sheet_links(self, ws: Worksheet, first_row: int, entries: Iterable[tuple[str, str]],
                    name: str = "Contents_sheets", about_width: float | None = None) -> int:
        """A table of the workbook's sheets, each name a link to its sheet, with what it holds (wrapped in
        `about_width` characters when given)."""
        columns = [
            Column("Sheet", write=lambda w, r, c, e: w.write_url(r, c, f"internal:'{e[0]}'!A1", self.f.link,
                                                                 string=e[0], tip=f"Go to {e[0]}")),
            Column("What it holds", about_width, lambda e: e[1], wrap=about_width is not None),
        ]
        return self.table(ws, first_row, columns, list(entries), name)


def unique_headers(headers: Iterable[str]) -> list[str]:
    """Excel table headers must differ (ignoring case) and be at most 255 characters; a repeat gets a number."""
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        text = xlsx.cell_text(h)[:255] or "Column"
        key = text.lower()
        seen[key] = seen.get(key, 0) + 1
        out.append(text if seen[key] == 1 else f"{text} ({seen[key]})")
    return out
