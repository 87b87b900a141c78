"""The good-practice collection's master workbook: every example any board sent, and every return received.

An open collection has no register to track against: each return is known by
the board's name as written in it, and the latest return from a name is used.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..spec.models import Spec
from ..store.db import IN_USE, Store
from . import xlsx
from .builder import Column, WorkbookBuilder


def good_practice_examples(store: Store, spec: Spec, period: str) -> pd.DataFrame:
    """One row per example: the board (as named), its form answers, then the example's columns."""
    values = store.values_in_use(spec.id, period)
    form_ids = [f.id for f in spec.form_fields]
    table = next((s for s in spec.sections if s.kind == "table"), None)
    columns = ["board", *form_ids, *(f.id for f in (table.fields if table else [])), "file"]
    if values.empty or table is None:
        return pd.DataFrame(columns=columns)
    form = values[values.row_number.isna()].pivot_table(index="la_code", columns="field_id", values="value",
                                                         aggfunc="first")
    rows = values[values.section_id == table.id]
    wide = rows.pivot_table(index=["la_code", "row_number"], columns="field_id", values="value",
                            aggfunc="first").reset_index()
    files = values.groupby("la_code").file.first()
    out = []
    for r in wide.to_dict("records"):
        board = r["la_code"]
        out.append({"board": board, **{f: form.at[board, f] if f in form.columns and board in form.index else None
                                       for f in form_ids},
                    **{f.id: r.get(f.id) for f in table.fields}, "file": files.get(board)})
    return pd.DataFrame(out, columns=columns)


def write_good_practice_master(store: Store, spec: Spec, period: str, out_path: Path) -> Path:
    examples = good_practice_examples(store, spec, period)
    submissions = store.submissions(spec.id, period)

    def build(workbook) -> None:
        book = WorkbookBuilder(workbook)
        fields = {**{x.id: x.label for x in spec.fields.values()}, "board": "Board", "file": "File"}
        _sheet(workbook.add_worksheet("Examples"), book, f"{spec.title}, {period}: every example in use",
               [fields.get(c, c) for c in examples.columns], examples.values.tolist(), "Examples")
        returns = submissions[["la_code", "file", "received_at", "status", "message"]] if not submissions.empty \
            else pd.DataFrame(columns=["la_code", "file", "received_at", "status", "message"])
        _sheet(workbook.add_worksheet("Returns"), book, "Every return received, by the board named in it",
               ["Board", "File", "Received", "Status", "Message"], returns.values.tolist(), "Returns")

    return xlsx.save_atomically(build, Path(out_path))


def boards_returned(store: Store, spec: Spec, period: str) -> list[str]:
    submissions = store.submissions(spec.id, period)
    used = submissions[submissions.status.isin(IN_USE)] if not submissions.empty else submissions
    return sorted(set(used.la_code.dropna()))


def _sheet(ws, book: WorkbookBuilder, title: str, headers: list[str], rows: list[list], name: str) -> None:
    ws.write_string(0, 0, xlsx.cell_text(title), book.f.title)
    columns = [Column(h, 28, lambda row, j=j: None if xlsx.is_blank(row[j]) else row[j], wrap=True)
               for j, h in enumerate(headers)]
    book.table(ws, 2, columns, rows, name)
    xlsx.set_print_layout(ws, title, repeat_rows=(2, 2))
