"""The sheets for looking things up: definitions, every figure in use, every authority's profile rows."""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from ...spec.models import UNIT_LABELS
from .. import xlsx
from ..comparison import SUPPRESSED, is_score
from ..profiles import add_profiles_sheet

if TYPE_CHECKING:
    from .book import MasterWorkbook


def profiles_sheet(book: MasterWorkbook) -> None:
    """The borough profiles' rows for every authority; the profiles module owns its layout."""
    add_profiles_sheet(book.wb, book.c, book.f)


def definitions_sheet(book: MasterWorkbook, ws: Worksheet) -> None:
    fields = [f for f in book.spec.form_fields]
    first = book.title(ws, f"Definitions: {book.spec.title} (spec version {book.spec.version})")
    headers = ["Reference", "Indicator", "Definition", "Unit", "Worked out as", "Agency", "Theme", "Polarity",
               "Headline", "National indicator", "Source"]
    widths = [16, 34, 50, 12, 22, 18, 24, 14, 9, 11, 44]
    book.table(ws, first, 0, len(fields), headers, "Definitions", widths=widths)
    polarity = {"higher_is_better": "Higher is better", "lower_is_better": "Lower is better", "neither": "Neither"}
    for i, f in enumerate(fields, start=first + 1):
        row = [f.id, f.label, f.definition, UNIT_LABELS.get(f.unit, f.unit), f.expression or "",
               book.spec.agency_titles.get(f.agency or "", f.agency or ""),
               book.spec.theme_titles.get(f.theme or "", f.theme or ""), polarity[f.polarity],
               "Yes" if f.headline else "", f.national_indicator or "", f.source]
        for col, value in enumerate(row):
            ws.write_string(i, col, xlsx.cell_text(value), book.f.wrap)
        xlsx.fit_row(ws, i, zip(row, widths))
    ws.freeze_panes(first + 1, 1)
    book.print_layout(ws, (first, first))


def data_sheet(book: MasterWorkbook, ws: Worksheet) -> None:
    fields = {f.id: f for f in book.spec.form_fields if f.unit not in ("text", "date")}
    frame = book.d.data
    frame = frame[frame.field_id.isin(fields)] if not frame.empty else frame
    order = {code: i for i, code in enumerate(fields)}
    frame = frame.assign(_order=frame.field_id.map(order)).sort_values(["la_code", "_order"]) if not frame.empty else frame
    names = {a.la_code: a.name for a in book.d.register}
    first = book.title(ws, f"Data: every figure in use, {book.d.period}",
                        "One row per figure. Rates and percentages are worked out again from the counts. "
                        "Sheet and cell say where in the borough's file each figure was typed.", (5, 112))
    headers = ["Code", "Authority", "Period", "Reference", "Indicator", "Value", "Unit", "Rating", "Comment",
               "Source file", "Sheet", "Cell"]
    book.table(ws, first, 0, len(frame), headers, "Data", widths=[7, 22, 9, 16, 46, 12, 12, 12, 40, 26, 14, 7])
    text = book.f.text
    unit_formats = {u: book.f.unit(u) for u in ("count", "percentage", "rate_per_10000", "number")}
    score_format = book.f.get(num_format="0")
    gap = book.gap_format
    columns = ("la_code", "period", "field_id", "value", "number", "rating", "comment", "file", "sheet", "cell")
    rows = [SimpleNamespace(**dict(zip(columns, row))) for row in zip(*(frame[c].tolist() for c in columns))]
    for i, r in enumerate(rows, start=first + 1):
        f = fields[r.field_id]
        ws.write_string(i, 0, str(r.la_code), text)
        ws.write_string(i, 1, names.get(r.la_code, ""), text)
        ws.write_string(i, 2, str(r.period), text)
        ws.write_string(i, 3, f.id, text)
        ws.write_string(i, 4, xlsx.cell_text(f.label), text)
        if r.value == SUPPRESSED:
            ws.write_string(i, 5, SUPPRESSED, gap)
        elif f.numeric and not pd.isna(r.number):
            ws.write_number(i, 5, float(r.number), score_format if is_score(f) else unit_formats[f.unit])
        else:
            xlsx.write_value(ws, i, 5, r.value, text)
        ws.write_string(i, 6, UNIT_LABELS.get(f.unit, f.unit), text)
        xlsx.write_value(ws, i, 7, r.rating, text)
        xlsx.write_value(ws, i, 8, r.comment, text)
        xlsx.write_value(ws, i, 9, r.file, text)
        xlsx.write_value(ws, i, 10, r.sheet, text)
        xlsx.write_value(ws, i, 11, r.cell, text)
    ws.freeze_panes(first + 1, 2)
    xlsx.print_heading_only(ws, book.d.header, book.f, first - 1, len(headers) - 1)
