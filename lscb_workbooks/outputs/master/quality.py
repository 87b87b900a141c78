"""Data quality: what each authority provided, the ratings boroughs gave, the warnings in use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from xlsxwriter.worksheet import Worksheet

from .. import xlsx
from ..builder import Column
from ..comparison import ESTIMATED, MISSING, NOT_AVAILABLE, NO_RETURN, PROVIDED, REJECTED
from .style import COUNT_OF_THINGS, STATUS_CODES
from .words import quality_words

if TYPE_CHECKING:
    from .book import MasterWorkbook

# The tables below share the completeness table's columns: the authority's, the hub's, then the return's,
# wide enough for what was flagged in a return; counts and ratings in columns COUNT_WIDTH wide.
AUTHORITY_WIDTH, HUB_WIDTH, RETURN_WIDTH, COUNT_WIDTH = 24, 12, 60, 9


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
    columns = [Column("Authority", AUTHORITY_WIDTH, lambda r: r["authority"].name),
               Column("Hub", HUB_WIDTH, lambda r: r["authority"].hub),
               Column("Return", RETURN_WIDTH, "return", wrap=True)]
    columns += [Column(header, COUNT_WIDTH, lambda r, s=s: r["counts"][s], style=count)
                for header, s in (("Provided", PROVIDED), ("Estimated", ESTIMATED), ("Not available", NOT_AVAILABLE),
                                  ("Missing", MISSING))]
    columns.append(Column("% provided", COUNT_WIDTH, lambda r: (r["counts"][PROVIDED] + r["counts"][ESTIMATED]) / len(fields) * 100
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
    tallest = max(xlsx.wrapped_lines(c.header, COUNT_WIDTH) for c in columns[2:])
    book.table(ws, first, columns, returned, "Ratings", header_height=xlsx.row_points(tallest) + 3)
    return first + max(len(returned), 1) + 1


def _warnings_table(book: MasterWorkbook, ws: Worksheet, row: int) -> None:
    issues = book.d.issues
    ws.write_string(row, 0, "Returns in use with warnings: what was flagged", book.f.subtitle)
    first = row + 1
    names = {a.la_code: a.name for a in book.d.register}
    columns = [Column("Authority and file", AUTHORITY_WIDTH, lambda r: _named(names.get(r.la_code, ""), r.la_code, r.file),
                      wrap=True),
               Column("Severity", HUB_WIDTH, "severity"),
               Column("What was flagged", RETURN_WIDTH, lambda r: _flagged(r), wrap=True)]
    book.table(ws, first, columns, issues.itertuples(index=False), "Warnings")


def _named(name: str, code: str, file: Any) -> str:
    """An authority, its code, and the file a warning is about, one to a line."""
    return "\n".join(str(part) for part in (f"{name} ({code})" if name else code, file) if not xlsx.is_blank(part))


def _flagged(issue) -> str:
    """What was flagged, after the indicator and the cell it is about (when it is about one)."""
    cell = None if xlsx.is_blank(issue.sheet) or xlsx.is_blank(issue.cell) else f"{issue.sheet}!{issue.cell}"
    where = ", ".join(str(p) for p in (issue.field_id, cell) if not xlsx.is_blank(p))
    return f"{where}: {issue.message}" if where else str(issue.message)
