"""Data quality: what each authority provided, the ratings boroughs gave, the warnings in use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlsxwriter.worksheet import Worksheet

from .. import xlsx
from ..comparison import ESTIMATED, MISSING, NOT_AVAILABLE, NO_RETURN, PROVIDED, REJECTED
from .style import COUNT_OF_THINGS, STATUS_CODES
from .words import quality_words

if TYPE_CHECKING:
    from .book import MasterWorkbook


def quality_sheet(book: MasterWorkbook, ws: Worksheet) -> None:
    fields = book.spec.indicators
    first = book.title(ws, f"Data quality: {book.d.period}", (
        "P provided · E estimated · N not available (the borough said so) · M missing (left blank in a return "
        "in use) · R rejected: awaiting a corrected return · - no return. Nothing is ever filled in for a gap. "
        "Column headings are indicator references; see the Definitions sheet."), (7, 90))
    a = book.c.authorities
    status = dict(zip(zip(a.la_code, a.field_id), a.status))
    authorities = list(book.d.register)
    headers = ["Authority", "Hub", "Return", "Provided", "Estimated", "Not available", "Missing",
               "% provided"] + [f.short for f in fields]
    book.table(ws, first, 0, len(authorities), headers, "Completeness")
    ws.set_row(first, 6 * max([len(f.short) for f in fields] + [12]) + 12)
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 12)
    ws.set_column(2, 2, 20)
    ws.set_column(3, 7, 9)
    ws.set_column(8, 7 + len(fields), 3.2)
    codes_format = {code: book.f.get(align="center", font_size=9, bg_color=fill, font_color=font) for code, (fill, font) in
                    {"P": ("#FFFFFF", "#006100"), "E": ("#FFEB9C", "#5C4A00"), "N": ("#D9D9D9", "#262626"),
                     "M": ("#FFC7CE", "#9C0006"), "R": ("#F4B183", "#5C1A00"), "-": ("#F2F2F2", "#404040")}.items()}
    returned, rejected = set(book.c.returned), set(book.c.rejected)
    for i, auth in enumerate(authorities, start=first + 1):
        ws.write_string(i, 0, auth.name, book.f.text)
        ws.write_string(i, 1, auth.hub, book.f.text)
        ws.write_string(i, 2, "In use" if auth.la_code in returned else quality_words(
            REJECTED if auth.la_code in rejected else NO_RETURN), book.f.wrap)
        mine = [status.get((auth.la_code, f.id), MISSING) for f in fields]
        counts = {s: sum(1 for m in mine if m == s) for s in (PROVIDED, ESTIMATED, NOT_AVAILABLE, MISSING)}
        counts[PROVIDED] += sum(1 for m in mine if m == "suppressed")
        for j, s in enumerate((PROVIDED, ESTIMATED, NOT_AVAILABLE, MISSING), start=3):
            ws.write_number(i, j, counts[s], book.f.get(num_format=COUNT_OF_THINGS))
        ws.write_number(i, 7, (counts[PROVIDED] + counts[ESTIMATED]) / len(fields) * 100 if fields else 0,
                        book.f.get(num_format='0"%"'))
        for j, s in enumerate(mine, start=8):
            code = STATUS_CODES.get(s, "M")
            ws.write_string(i, j, code, codes_format[code])
    for j, f in enumerate(fields, start=8):
        ws.write_string(first, j, f.short, book.f.get(bold=True, rotation=90, bg_color="#D9E1F2", border=1, align="center"))
    row = first + len(authorities) + 3
    row = _ratings_table(book, ws, row)
    if not book.d.suppress:  # the messages quote boroughs' figures: the officer's, not for a shared pack
        _warnings_table(book, ws, row + 2)
    ws.freeze_panes(first + 1, 1)
    book.print_layout(ws, (first, first))


def _ratings_table(book: MasterWorkbook, ws: Worksheet, row: int) -> int:
    ratings = list(book.spec.ratings)
    ws.write_string(row, 0, "Data-quality ratings boroughs gave their figures", book.f.subtitle)
    a = book.c.authorities[book.c.authorities.returned]
    headers = ["Authority", "Hub"] + ratings + ["No rating"]
    first = row + 1
    returned = [x for x in book.d.register if x.la_code in set(book.c.returned)]
    book.table(ws, first, 0, len(returned), headers, "Ratings")
    for i, auth in enumerate(returned, start=first + 1):
        mine = a[a.la_code == auth.la_code].rating.fillna("")
        ws.write_string(i, 0, auth.name, book.f.text)
        ws.write_string(i, 1, auth.hub, book.f.text)
        for j, rating in enumerate(ratings, start=2):
            ws.write_number(i, j, int((mine == rating).sum()), book.f.get(num_format=COUNT_OF_THINGS))
        ws.write_number(i, 2 + len(ratings), int((mine == "").sum()), book.f.get(num_format=COUNT_OF_THINGS))
    return first + max(len(returned), 1) + 1


def _warnings_table(book: MasterWorkbook, ws: Worksheet, row: int) -> None:
    issues = book.d.issues
    ws.write_string(row, 0, "Returns in use with warnings: what was flagged", book.f.subtitle)
    first = row + 1
    headers = ["Code", "Authority", "Severity", "Indicator", "Sheet", "Cell", "What was flagged", "File"]
    names = {a.la_code: a.name for a in book.d.register}
    book.table(ws, first, 0, len(issues), headers, "Warnings")
    for i, r in enumerate(issues.itertuples(index=False), start=first + 1):
        for col, value in enumerate([r.la_code, names.get(r.la_code, ""), r.severity, r.field_id, r.sheet, r.cell,
                                     r.message, r.file]):
            xlsx.write_value(ws, i, col, value, book.f.text)
