"""The Contents sheet (what the workbook holds, how to read it) and the conceptual model."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlsxwriter.worksheet import Worksheet

from ...templates.model_sheet import (
    CELL_WIDTH, KEY_HEADERS, MAX_ROW_HEIGHT, THEME_WIDTH, grid_cells, key_rows, model_note,
)
from .. import xlsx
from ..builder import Column
from ..comparison import conventions
from ..disclosure import METHOD as DISCLOSURE_METHOD
from .style import TITLE, VERDICT_STYLE
from .words import how_to_read

if TYPE_CHECKING:
    from .book import MasterWorkbook


def contents_sheet(book: MasterWorkbook, ws: Worksheet) -> None:
    d = book.d
    tracker = d.tracker
    facts = [("Period", d.period), ("Date produced", d.produced_at.strftime("%d %B %Y, %H:%M")),
             ("Spec version", book.spec.version), ("Authorities in the register", len(d.register)),
             ("Files received for the period", d.files_received),
             ("Authorities whose return was received", int((tracker.status != "Not received").sum())),
             ("Returns accepted", int((tracker.status == "Accepted").sum())),
             ("Returns accepted with warnings", int((tracker.status == "Accepted with warnings").sum())),
             ("Returns rejected (not in use)", int((tracker.status == "Rejected").sum())),
             ("Returns missing (nothing received)", int((tracker.status == "Not received").sum()))]
    row = book.contents_top(ws, TITLE, book.spec.title, facts, tracker[tracker.status == "Not received"].name.tolist(),
                            (34, 90))
    row += 1
    if d.suppress:
        ws.merge_range(row, 0, row, 1, DISCLOSURE_METHOD,
                       book.f.get(italic=True, bold=True, text_wrap=True, valign="top", bg_color="#FFF2CC"))
        ws.set_row(row, xlsx.row_points(xlsx.wrapped_lines(DISCLOSURE_METHOD, 124) + 1))  # bold: a line to spare
        row += 2
    ws.write_string(row, 0, "How to read it", book.f.subtitle)
    row += 1
    book.paragraph(ws, row, how_to_read(), 1, 124, italic=False, font_color="#000000")
    row += 2
    ws.write_string(row, 0, "How the figures are worked out", book.f.subtitle)
    for label, text in conventions(book.spec, book.hub_of_report()):
        row += 1
        ws.write_string(row, 0, label, book.f.get(bold=True, valign="top", text_wrap=True))
        ws.write_string(row, 1, xlsx.cell_text(text), book.f.get(text_wrap=True, valign="top"))
        xlsx.fit_row(ws, row, [(text, 90)])
    row += 2
    ws.write_string(row, 0, "Sheets", book.f.subtitle)
    first = row + 1
    book.sheet_links(ws, first, [(name, about) for name, about, _ in book.sheets.entries])
    book.print_layout(ws)
    ws.fit_to_pages(1, 1)  # the contents page is one page, even with the suppression note


def conceptual_model_sheet(book: MasterWorkbook, ws: Worksheet) -> None:
    model = book.spec.conceptual_model
    last = len(model.age_groups)
    first = book.heading(ws, "Conceptual model: themes by age groups", model_note(model), (last, 34 + 30 * last))
    ws.set_column(0, 0, THEME_WIDTH)
    ws.set_column(1, last, CELL_WIDTH)
    gap = book.f.get(italic=True, text_wrap=True, align="center", valign="vcenter", border=1,
                     bg_color=VERDICT_STYLE["similar"][0], font_color=VERDICT_STYLE["similar"][1])
    for cell in grid_cells(model):
        fmt = (book.f.header if cell.row == 0 or cell.col == 0 else gap if cell.gap
               else book.f.get(text_wrap=True, valign="top", border=1))
        ws.write_string(first + cell.row, cell.col, xlsx.cell_text(cell.text), fmt)
        lines = cell.text.count("\n") + 1 + len(cell.text) // int(CELL_WIDTH)
        ws.set_row(first + cell.row, min(MAX_ROW_HEIGHT, max(30, 15 * lines)))
    row = first + len(model.themes) + 2
    ws.write_string(row, 0, "The indicators in the grid", book.f.subtitle)
    rows = key_rows(model)
    columns = [Column(header, value=lambda values, j=j: values[j], style=book.f.wrap) for j, header in enumerate(KEY_HEADERS)]
    book.table(ws, row + 1, columns, rows, "Conceptual_model_key")
    book.print_layout(ws, (first, first))
