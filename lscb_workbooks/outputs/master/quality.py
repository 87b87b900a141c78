"""Data quality: what each authority provided, the ratings boroughs gave, the warnings in use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from xlsxwriter.worksheet import Worksheet

from ..builder import Column
from ..comparison import ESTIMATED, MISSING, NOT_AVAILABLE, NO_RETURN, PROVIDED, REJECTED
from .style import COUNT_OF_THINGS, STATUS_CODES
from .words import quality_words

if TYPE_CHECKING:
    from .book import MasterWorkbook


def quality_sheet(book: MasterWorkbook, ws: Worksheet) -> None:
    fields = book.spec.indicators
    first = book.heading(ws, f"Data quality: {book.d.period}", (
        "P provided · E estimated · N not available (the borough said so) · M missing (left blank in a return "
        "in use) · R rejected: awaiting a corrected return · - no return. Nothing is ever filled in for a gap. "
        "Column headings are indicator references; see the Definitions sheet."), (7, 90))
    a = book.c.authorities
    status = dict(zip(zip(a.la_code, a.field_id), a.status))
    codes_format = {code: book.f.get(align="center", font_size=9, bg_color=fill, font_color=font) for code, (fill, font) in
                    {"P": ("#FFFFFF", "#006100"), "E": ("#FFEB9C", "#5C4A00"), "N": ("#D9D9D9", "#262626"),
                     "M": ("#FFC7CE", "#9C0006"), "R": ("#F4B183", "#5C1A00"), "-": ("#F2F2F2", "#404040")}.items()}
    returned, rejected = set(book.c.returned), set(book.c.rejected)

    def standing(auth) -> dict:
        mine = [status.get((auth.la_code, f.id), MISSING) for f in fields]
        counts = {s: sum(1 for m in mine if m == s) for s in (PROVIDED, ESTIMATED, NOT_AVAILABLE, MISSING)}
        counts[PROVIDED] += sum(1 for m in mine if m == "suppressed")
        return {"authority": auth, "counts": counts, "codes": [STATUS_CODES.get(s, "M") for s in mine],
                "return": "In use" if auth.la_code in returned else quality_words(
                    REJECTED if auth.la_code in rejected else NO_RETURN)}

    count = book.f.get(num_format=COUNT_OF_THINGS)
    columns = [Column("Authority", 24, lambda r: r["authority"].name), Column("Hub", 12, lambda r: r["authority"].hub),
               Column("Return", 20, "return", wrap=True)]
    columns += [Column(header, 9, lambda r, s=s: r["counts"][s], style=count)
                for header, s in (("Provided", PROVIDED), ("Estimated", ESTIMATED), ("Not available", NOT_AVAILABLE),
                                  ("Missing", MISSING))]
    columns.append(Column("% provided", 9, lambda r: (r["counts"][PROVIDED] + r["counts"][ESTIMATED]) / len(fields) * 100
                          if fields else 0, style=book.f.get(num_format='0"%"')))
    columns += [Column(f.short, 3.2, lambda r, j=j: r["codes"][j], style=lambda r, j=j: codes_format[r["codes"][j]],
                       rotate=True) for j, f in enumerate(fields)]
    book.table(ws, first, columns, [standing(a) for a in book.d.register], "Completeness",
               header_height=6 * max([len(f.short) for f in fields] + [12]) + 12)
    row = first + len(book.d.register) + 3
    row = _ratings_table(book, ws, row)
    if not book.d.suppress:  # the messages quote boroughs' figures: the officer's, not for a shared pack
        _warnings_table(book, ws, row + 2)
    ws.freeze_panes(first + 1, 1)
    book.print_layout(ws, (first, first))


def _ratings_table(book: MasterWorkbook, ws: Worksheet, row: int) -> int:
    ratings = list(book.spec.ratings)
    ws.write_string(row, 0, "Data-quality ratings boroughs gave their figures", book.f.subtitle)
    a = book.c.authorities[book.c.authorities.returned]
    first = row + 1
    returned = [x for x in book.d.register if x.la_code in set(book.c.returned)]
    count = book.f.get(num_format=COUNT_OF_THINGS)
    ratings_of = {auth.la_code: a[a.la_code == auth.la_code].rating.fillna("") for auth in returned}

    def given(rating: str) -> Callable[[Any], int]:
        return lambda x: int((ratings_of[x.la_code] == rating).sum())

    columns = [Column("Authority", value="name"), Column("Hub", value="hub")]
    columns += [Column(rating, value=given(rating), style=count) for rating in ratings]
    columns.append(Column("No rating", value=given(""), style=count))
    book.table(ws, first, columns, returned, "Ratings")
    return first + max(len(returned), 1) + 1


def _warnings_table(book: MasterWorkbook, ws: Worksheet, row: int) -> None:
    issues = book.d.issues
    ws.write_string(row, 0, "Returns in use with warnings: what was flagged", book.f.subtitle)
    first = row + 1
    names = {a.la_code: a.name for a in book.d.register}
    columns = [Column("Code", value="la_code"), Column("Authority", value=lambda r: names.get(r.la_code, "")),
               Column("Severity", value="severity"), Column("Indicator", value="field_id"),
               Column("Sheet", value="sheet"), Column("Cell", value="cell"),
               Column("What was flagged", value="message"), Column("File", value="file")]
    book.table(ws, first, columns, issues.itertuples(index=False), "Warnings")
