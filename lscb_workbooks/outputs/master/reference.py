"""The sheets for looking things up: definitions, every figure in use, every authority's profile rows."""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from ...spec.models import UNIT_LABELS
from .. import xlsx
from ..builder import Column
from ..comparison import SUPPRESSED, is_score
from ..profiles import add_profiles_sheet

if TYPE_CHECKING:
    from .book import MasterWorkbook


def profiles_sheet(book: MasterWorkbook) -> None:
    """The borough profiles' rows for every authority; the profiles module owns its layout."""
    add_profiles_sheet(book.wb, book.c, book)


def definitions_sheet(book: MasterWorkbook, ws: Worksheet) -> None:
    fields = [f for f in book.spec.form_fields]
    first = book.heading(ws, f"Definitions: {book.spec.title} (spec version {book.spec.version})")
    polarity = {"higher_is_better": "Higher is better", "lower_is_better": "Lower is better", "neither": "Neither"}
    spec = book.spec
    columns = [
        # A reference is never broken across lines; the other widths keep the rows as short as they can be.
        Column("Reference", 19, "id", wrap=True), Column("Indicator", 28, "label", wrap=True),
        Column("Definition", 48, "definition", wrap=True),
        Column("Unit", 10, lambda f: UNIT_LABELS.get(f.unit, f.unit), wrap=True),
        Column("Worked out as", 19, "expression", wrap=True),
        Column("Agency", 15, lambda f: spec.agency_titles.get(f.agency or "", f.agency), wrap=True),
        Column("Theme", 26, lambda f: spec.theme_titles.get(f.theme or "", f.theme), wrap=True),
        Column("Polarity", 10, lambda f: polarity[f.polarity], wrap=True),
        Column("Headline", 9, lambda f: "Yes" if f.headline else None, wrap=True),
        Column("National indicator", 11, "national_indicator", wrap=True),
        Column("Source", 42, "source", wrap=True),
    ]
    book.table(ws, first, columns, fields, "Definitions", fit_header=True)
    ws.freeze_panes(first + 1, 1)
    book.print_layout(ws, (first, first))


def data_sheet(book: MasterWorkbook, ws: Worksheet) -> None:
    fields = {f.id: f for f in book.spec.form_fields if f.unit not in ("text", "date")}
    frame = book.d.data
    frame = frame[frame.field_id.isin(fields)] if not frame.empty else frame
    order = {code: i for i, code in enumerate(fields)}
    frame = frame.assign(_order=frame.field_id.map(order)).sort_values(["la_code", "_order"]) if not frame.empty else frame
    names = {a.la_code: a.name for a in book.d.register}
    first = book.heading(ws, f"Data: every figure in use, {book.d.period}",
                        "One row per figure. Rates and percentages are worked out again from the counts. "
                        "Sheet and cell say where in the borough's file each figure was typed.", (5, 112))
    text = book.f.text
    unit_formats = {u: book.f.unit(u) for u in ("count", "percentage", "rate_per_10000", "number")}
    score_format = book.f.get(num_format="0")

    def value_cell(ws: Worksheet, i: int, col: int, r) -> None:
        f = fields[r.field_id]
        if r.value == SUPPRESSED:
            xlsx.write_value(ws, i, col, SUPPRESSED, book.gap_format)
        elif f.numeric and not pd.isna(r.number):
            xlsx.write_value(ws, i, col, float(r.number), score_format if is_score(f) else unit_formats[f.unit])
        else:
            xlsx.write_value(ws, i, col, r.value, text)

    columns = [
        Column("Code", 7, lambda r: str(r.la_code)), Column("Authority", 22, lambda r: names.get(r.la_code, "")),
        Column("Period", 9, lambda r: str(r.period)), Column("Reference", 16, "field_id"),
        Column("Indicator", 46, lambda r: fields[r.field_id].label), Column("Value", 12, write=value_cell),
        Column("Unit", 12, lambda r: UNIT_LABELS.get(fields[r.field_id].unit, fields[r.field_id].unit)),
        Column("Rating", 12, "rating"), Column("Comment", 40, "comment"), Column("Source file", 26, "file"),
        Column("Sheet", 14, "sheet"), Column("Cell", 7, "cell"),
    ]
    names_of_columns = ("la_code", "period", "field_id", "value", "number", "rating", "comment", "file", "sheet", "cell")
    rows = [SimpleNamespace(**dict(zip(names_of_columns, row))) for row in zip(*(frame[c].tolist() for c in names_of_columns))]
    book.table(ws, first, columns, rows, "Data")
    ws.freeze_panes(first + 1, 2)
    xlsx.print_heading_only(ws, book.d.header, book.f, first - 1, len(columns) - 1)
