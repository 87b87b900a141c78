"""Borough profiles: one board's own figures against London and its hub, for its own meeting.

Each profile is a workbook a board member can read or print without
explanation: one row per indicator with the authority's value and 95%
interval, the London and hub figures, its rank and quartile written in words,
and whether it is better, similar or worse than London and the hub, judged
the way Fingertips judges it (by the interval, not the raw difference).
A spine chart per theme shows where the authority sits in London's range.
The master workbook gets the same rows for every authority on one sheet.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ..parallel import start_in_process
from ..processes import worker_context
from ..spec.models import UNIT_LABELS, Field
from ..spec.register import Authority
from ..wording import long_date, ordinal
from . import palette, xlsx
from .benchmarks import ENGLAND, ENGLAND_NOTE, has_england
from .builder import Column, WorkbookBuilder
from .comparison import NO_RETURN, REJECTED, Comparison
from .disclosure import RANKED_AMONG_SHOWN

VERDICT_WORDS = {
    "small number": "Small number: not compared",
    "better": "Better",
    "worse": "Worse",
    "similar": "Similar",
    "higher": "Higher",
    "lower": "Lower",
    "not compared": "Not compared",
}
TREND_WORDS = {"improving": "Improving", "worsening": "Worsening", "no significant change": "No significant change",
               "no change": "No change", "higher": "Higher", "lower": "Lower", "no comparison": "",
               "small number": "Small number: not compared"}
STATUS_WORDS = {
    REJECTED: "Rejected: awaiting a corrected return",
    NO_RETURN: "No return",
    "missing": "Missing",
    "not available": "Not available",
    "estimated": "Estimated",
    "suppressed": "Suppressed (small number)",
}
SUPPRESSED_MARK = "c"

LINE_HEIGHT = 15


def table_columns(comparison: Comparison, formats: xlsx.Formats, hub_header: str = "Hub") -> list[Column]:
    """The profile table's columns, each written from one of `build_profile`'s rows; England's two when
    published figures for England were given."""
    # Each format is looked up once per unit or verdict, not once per cell: the master's Profiles sheet
    # and the 33 profiles write some 50,000 cells each.
    @functools.cache
    def unit_format(unit: str) -> Any:
        return formats.unit(unit, valign="top")

    @functools.cache
    def change_format(unit: str) -> Any:
        return formats.get(num_format=xlsx.signed_format(xlsx.number_format(unit)), valign="top")

    verdict_format = functools.cache(functools.partial(_verdict_format, formats))

    def number(r) -> Any:
        return unit_format(r["unit"])

    def figure(key: str) -> Callable[[Any], Any]:
        """A London, hub or England figure, or the authority's own: a number, or words where there is none."""
        text_right = formats.get(align="right", valign="top")
        return lambda r: number(r) if isinstance(r[key], float) else text_right

    def verdict(header: str, key: str, width: float, words: dict[str, str] = VERDICT_WORDS) -> Column:
        return Column(header, width, lambda r: words.get(r[key], r[key]),
                      style=lambda r: verdict_format(r[key]), wrap=True)

    indent = formats.get(valign="top", indent=1)
    columns = [
        Column("Ref", 22, "field_id"), Column("Indicator", 46, "indicator", wrap=True),
        Column("Unit", 14, "unit_label"),
        Column("Value", 10, "value", style=figure("value")), Column("Previous", 10, "previous", style=number),
        Column("Change", 9, "change", style=lambda r: change_format(r["unit"])),
        verdict("Change since previous", "trend", 21, TREND_WORDS),
        Column("Lower 95%", 9, "lower", style=number), Column("Upper 95%", 9, "upper", style=number),
        Column("London", 11, "london", style=figure("london")), Column(hub_header, 11, "hub_figure", style=figure("hub_figure")),
        Column("Rank in London", 11, "rank", style=indent), Column("Quartile", 12, "quartile", style=indent),
        verdict("Compared with London", "vs_london", 13), verdict("Compared with hub", "vs_hub", 13),
        Column("Data quality", 13, "quality", wrap=True),
    ]
    if has_england(comparison):
        columns += [Column("England", 11, "england", style=figure("england")),
                    verdict("Compared with England", "vs_england", 13)]
    return columns


# The spine chart: London's range as a stacked bar, the authority and London as narrow marks over it.
# The bar is turned so that right is better, so its quarters are named by place, left to right.
SPINE_BANDS = [
    ("Left quarter of London", "#D9D9D9"),
    ("Second quarter", "#A6A6A6"),
    ("Third quarter", "#7F7F7F"),
    ("Right quarter of London", "#D9D9D9"),
]
AUTHORITY_COLOUR = "#C00000"
LONDON_COLOUR = "#000000"
MARK_WIDTH = 1.6  # of the chart's 0-100 scale
CHART_ROWS = 16   # indicators per chart, so that each chart fits on a printed page
CHART_WIDTH = 1000
SPINE_COLUMN_WIDTH = 142  # characters: about as wide as a chart
CHART_ROW_PX = 26
ROW_PX = 20
REAL_FIGURES = ["Lowest", "25th percentile", "Median", "75th percentile", "Highest", "London", "Authority",
                "Centre", "Half-width"]
CHART_DATA_COLUMNS = [
    "Theme", "Ref", "Chart label", *REAL_FIGURES, "Higher is", "Compared with London", "Lead (hidden)", *[b for b, _ in SPINE_BANDS],
    "Mark lead (hidden)", "Authority mark (first)", "London mark (first)", "Mark gap (hidden)",
    "Authority mark (second)", "London mark (second)",
]


def write_profiles(comparison: Comparison, out_dir: Path, produced_at: datetime | date | str | None = None,
                   both_cores: bool = True) -> list[Path]:
    """One profile workbook, `out_dir/<la_code>-<Name>.xlsx`, for each authority that returned.

    With `both_cores`, this process and another take the profiles in turns, so both cores are busy.
    """
    produced = produced_text(produced_at)
    if len(profiled(comparison)) < 4 or not both_cores:
        return write_profiles_in_turn(comparison, out_dir, produced)
    turns = profile_turns()
    theirs = start_in_process(write_profiles_in_turn, comparison, out_dir, produced, turns)
    return in_profile_order(comparison, write_profiles_in_turn(comparison, out_dir, produced, turns) + theirs())


def profiled(comparison: Comparison) -> list[Authority]:
    """The authorities that get a profile: those shown whose return is in use or was rejected."""
    returned = set(comparison.returned) | set(comparison.rejected)
    return [a for a in comparison.shown if a.la_code in returned]


def profile_turns() -> Any:
    """A counter that the processes writing profiles share: each takes the next profile when it is free,
    so that neither waits while the other still has several to write."""
    return worker_context().Value("i", 0)


def write_profiles_in_turn(comparison: Comparison, out_dir: Path, produced: str, turns: Any = None,
                           most: int | None = None) -> list[Path]:
    """The profiles this process takes from `turns` until none are left or it has written `most` (without
    `turns`, every profile in order: `most` then means the first ones, every time)."""
    todo = profiled(comparison)
    written = []
    while most is None or len(written) < most:
        if turns is None:
            turn = len(written)
        else:
            with turns.get_lock():
                turn, turns.value = turns.value, turns.value + 1
        if turn >= len(todo):
            return written
        profile = build_profile(comparison, todo[turn])
        path = Path(out_dir) / f"{todo[turn].file_stem}.xlsx"
        written.append(xlsx.save_atomically(lambda workbook, p=profile: render_profile(workbook, p, produced), path))
    return written


def in_profile_order(comparison: Comparison, written: list[Path]) -> list[Path]:
    """Profiles written by several processes, in register order."""
    order = {a.file_stem: i for i, a in enumerate(profiled(comparison))}
    return sorted(written, key=lambda p: order[p.stem])


def add_profiles_sheet(workbook: xlsxwriter.Workbook, comparison: Comparison,
                       book: WorkbookBuilder | None = None) -> None:
    """A 'Profiles' sheet for the master workbook: every returned authority's profile rows in one filterable table.

    `book` is the master workbook's builder, so that the sheet shares its formats and table names.
    """
    book = book or WorkbookBuilder(workbook, header=f"Borough profiles · {comparison.period}")
    formats = book.f
    ws = workbook.add_worksheet("Profiles")
    rows = [{**row, "authority": a.name, "hub": a.hub} for a in profiled(comparison)
            for row in build_profile(comparison, a).rows]
    ws.write_string(0, 0, f"Borough profiles, {comparison.period}", formats.title)
    columns = [Column("Authority", 22, "authority"), Column("Hub", 12, "hub"), Column("Theme", 30, "theme")] \
        + table_columns(comparison, formats, hub_header="Hub figure")
    for col, column in enumerate(columns):
        ws.set_column(col, col, column.width)
    ws.merge_range(1, 0, 1, len(columns) - 1, _how_to_read(comparison), formats.note)
    ws.set_row(1, LINE_HEIGHT * 3)
    first = 3
    book.table(ws, first, columns, rows, "Profiles")
    ws.freeze_panes(first + 1, 1)
    xlsx.print_heading_only(ws, f"Borough profiles · {comparison.period}", formats, first - 1, len(columns) - 1)


# The rows of one profile ---------------------------------------------------------------------


@dataclass
class Profile:
    """One authority's rows and spine-chart figures, worked out before anything is written."""

    comparison: Comparison
    authority: Authority
    rows: list[dict[str, Any]]   # one per indicator, in spec order, with the words a reader sees
    spine: list[dict[str, Any]]  # one per charted indicator, with the chart's normalised segments

    @property
    def hub_label(self) -> str:
        return f"{self.authority.hub} hub"

    @property
    def suppressed(self) -> bool:
        """Whether this comparison hides small numbers (for sharing beyond the steering group)."""
        return bool(self.comparison.authorities.suppressed.fillna(False).astype(bool).any())


def build_profile(comparison: Comparison, authority: Authority) -> Profile:
    spec = comparison.spec
    own = comparison.rows_by_authority.get(authority.la_code, {})
    spreads = comparison.spread_by_field
    london = comparison.rows_by_group.get(("London", "London"), {})
    hub = comparison.rows_by_group.get(("Hub", authority.hub), {})
    england = comparison.rows_by_group.get((ENGLAND, ENGLAND))
    rows, spine = [], []
    ranked = comparison.ranked_count
    for f in spec.indicators:
        a, spread = own[f.id], spreads.get(f.id)
        n = int(spread["n"]) if spread and "spine" in f.comparisons else 0
        small = bool(a.get("small"))
        rows.append({
            "field_id": f.id,
            "theme": spec.theme_titles.get(f.theme, f.theme or ""),
            "theme_id": f.theme,
            "indicator": f.label,
            "unit": f.unit,
            "unit_label": UNIT_LABELS.get(f.unit, f.unit),
            "value": REJECTED if a["status"] == REJECTED else _shown(f, a["value"], a["text"], a["suppressed"]),
            "previous": xlsx.number_or_none(a.get("previous")),
            "change": xlsx.number_or_none(a.get("change")),
            "trend": str(a.get("trend") or "no comparison"),
            "lower": xlsx.number_or_none(a["lower"]),
            "upper": xlsx.number_or_none(a["upper"]),
            "london": _shown(f, *_figure_of(london.get(f.id))),
            "hub_figure": _shown(f, *_figure_of(hub.get(f.id))),
            "rank": rank_text(a["rank"], ranked.get(f.id, 0)),
            "quartile": quartile_text(a["quartile"], f.polarity),
            "vs_london": str(a["vs_london"]),
            "vs_hub": str(a["vs_hub"]),
            "quality": _quality(a["status"], a["rating"]) + (
                f" (denominator under {spec.small_denominator})" if small else ""),
            **({"england": _shown(f, *_figure_of(england.get(f.id))), "vs_england": str(a["vs_england"])}
               if england is not None else {}),
        })
        if n > 0:
            spine.append(_spine_row(f, spec.theme_titles.get(f.theme, ""), spread,
                                    None if small else xlsx.number_or_none(a["value"]), xlsx.number_or_none(a["london"]),
                                    "small number" if small else str(a["vs_london"]), small))
    return Profile(comparison, authority, rows, spine)


def by_theme(records: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """`records` in runs of one theme each, themes in the order they first come."""
    themes: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        themes.setdefault(record["theme_id"], []).append(record)
    return list(themes.values())


def rank_text(rank: Any, out_of: int) -> str:
    """`5th of 31`, or blank when the authority has no figure to rank."""
    if xlsx.is_blank(rank) or not out_of:
        return ""
    return f"{ordinal(int(rank))} of {out_of}"


def quartile_text(quartile: Any, polarity: str) -> str:
    """`Q1 (best)` ... `Q4 (worst)`; where neither is better, `Q1 (highest)` ... `Q4 (lowest)`."""
    if xlsx.is_blank(quartile):
        return ""
    q = int(quartile)
    ends = ("best", "worst") if polarity in ("higher_is_better", "lower_is_better") else ("highest", "lowest")
    return {1: f"Q1 ({ends[0]})", 4: f"Q4 ({ends[1]})"}.get(q, f"Q{q}")


def _quality(status: str, rating: str) -> str:
    if status in STATUS_WORDS:
        return STATUS_WORDS[status]
    return str(rating or "") or "Provided"


def _figure_of(group_row: dict[str, Any] | None) -> tuple[Any, Any, Any]:
    group_row = group_row or {}
    return group_row.get("value"), group_row.get("text"), group_row.get("suppressed", False)


def _shown(f: Field, value: Any, text: Any, suppressed: Any = False) -> Any:
    """What a cell shows: a number, the text of a yes/no answer (`18 of 31 Yes`), or 'c' where small numbers are hidden."""
    if bool(suppressed) is True:
        return SUPPRESSED_MARK
    if f.numeric:
        return xlsx.number_or_none(value)
    return None if xlsx.is_blank(text) else str(text)


# The spine chart's figures -------------------------------------------------------------------


def _spine_row(f: Field, theme: str, spread: dict[str, Any], value: float | None, london: float | None,
               verdict: str = "not compared", small: bool = False) -> dict[str, Any]:
    """One indicator's bar, centred on London as Fingertips centres on England, and turned so right is better.

    Where London's figure is a total (a count), it lies outside the range of
    single authorities: the bar is then centred on London's median and London
    gets no mark.
    """
    lowest, q1, median, q3, highest = (float(spread[k]) for k in ("lowest", "q1", "median", "q3", "highest"))
    on_scale = london is not None and lowest <= london <= highest
    centre = london if on_scale else median
    half = max(centre - lowest, highest - centre) or 1.0
    flip = f.polarity == "lower_is_better"

    def place(x: float) -> float:
        offset = 50 * (x - centre) / half
        return 50 - offset if flip else 50 + offset

    ends = sorted(place(x) for x in (lowest, q1, median, q3, highest))
    authority_mark = place(value) if value is not None else None
    london_mark = place(london) if on_scale else None
    marks = _mark_segments(authority_mark, london_mark)
    label = f.short
    return {
        "Theme": theme, "Ref": f.id, "Chart label": label if value is not None else f"{label} ({'small number: not marked' if small else 'no figure'})",
        "Lowest": lowest, "25th percentile": q1, "Median": median, "75th percentile": q3, "Highest": highest,
        "London": london, "Authority": value, "Centre": centre, "Half-width": half,
        "Higher is": {"higher_is_better": "better", "lower_is_better": "worse"}.get(f.polarity, "neither"),
        "Compared with London": verdict, "Lead (hidden)": ends[0],
        **{band: ends[i + 1] - ends[i] for i, (band, _) in enumerate(SPINE_BANDS)},
        **marks, "theme_id": f.theme, "has_value": value is not None,
    }


def _mark_segments(authority: float | None, london: float | None) -> dict[str, float]:
    """Hidden lead, first mark, hidden gap, second mark: two marks on one stacked bar, whichever comes first."""
    half = MARK_WIDTH / 2
    marks = [(x, who) for x, who in ((authority, "Authority"), (london, "London")) if x is not None]
    marks.sort(key=lambda m: (m[0], m[1] != "Authority"))
    out = {"Mark lead (hidden)": 0.0, "Authority mark (first)": 0.0, "London mark (first)": 0.0,
           "Mark gap (hidden)": 0.0, "Authority mark (second)": 0.0, "London mark (second)": 0.0}
    if not marks:
        return out
    first_x, first_who = marks[0]
    out["Mark lead (hidden)"] = max(first_x - half, 0.0)
    out[f"{first_who} mark (first)"] = MARK_WIDTH
    if len(marks) > 1:
        second_x, second_who = marks[1]
        out["Mark gap (hidden)"] = max(second_x - first_x - MARK_WIDTH, 0.0)
        out[f"{second_who} mark (second)"] = MARK_WIDTH
    return out


# Rendering a profile -------------------------------------------------------------------------


def render_profile(workbook: xlsxwriter.Workbook, profile: Profile, produced: str) -> None:
    c, a = profile.comparison, profile.authority
    workbook.set_properties({
        "title": f"{a.name}: safeguarding profile, {c.period}",
        "subject": c.spec.title,
        "comments": f"Made by lscb-workbooks on {produced} from the returns in use.",
    })
    header = f"{a.name} · {c.period} · Safeguarding profile"
    book = WorkbookBuilder(workbook, header=header)
    formats = book.f
    _profile_sheet(workbook.add_worksheet("Profile"), profile, book, produced)
    _spine_sheet(workbook, workbook.add_worksheet("Spine charts"), profile, formats, header)
    data = workbook.add_worksheet("Chart data")
    _chart_data_sheet(data, profile, formats, header)
    data.hide()


def _profile_sheet(ws: Worksheet, profile: Profile, book: WorkbookBuilder, produced: str) -> None:
    c, a, formats = profile.comparison, profile.authority, book.f
    columns = table_columns(c, formats, hub_header=profile.hub_label)
    for col, column in enumerate(columns):
        ws.set_column(col, col, column.width)
    ws.write_string(0, 0, f"{a.name}: safeguarding profile, {c.period}", formats.title)
    ws.write_string(1, 0, (
        f"{a.name} compared with London ({len(c.returned)} of {len(c.register)} authorities returned) and the "
        f"{profile.hub_label} ({', '.join(m.name for m in c.register.in_hub(a.hub))}). Produced {produced}."
        + (f" {a.name}'s return for {c.period} was rejected: its figures are awaiting a corrected return, so "
           "London's and the hub's are shown without them." if a.la_code in set(c.rejected) else "")
    ), formats.wrap)
    ws.write_string(2, 0, _how_to_read(c), formats.note)
    ws.merge_range(1, 0, 1, len(columns) - 1, None)
    ws.merge_range(2, 0, 2, len(columns) - 1, None)
    ws.set_row(1, LINE_HEIGHT * 2)
    ws.set_row(2, LINE_HEIGHT * 3)
    row = 4
    first_header = None
    sections = []
    for rows in by_theme(profile.rows):
        sections.append((row, 2 + min(len(rows), 3)))
        ws.merge_range(row, 0, row, len(columns) - 1, rows[0]["theme"],
                       formats.get(bold=True, font_size=12, bg_color="#F2F2F2", valign="vcenter"))
        ws.set_row(row, 22)
        book.table(ws, row + 1, columns, rows, f"Profile_{rows[0]['theme_id']}",
                   header_height=LINE_HEIGHT * 2 + 3)
        first_header = row + 1 if first_header is None else first_header
        row += len(rows) + 3
    ws.freeze_panes(first_header + 1, 2)
    ws.hide_gridlines(2)
    book.print_layout(ws, (0, 0))
    xlsx.keep_sections_whole(ws, sections, [c.width for c in columns], row, repeated_row_points=LINE_HEIGHT + 5)


def _verdict_format(formats: xlsx.Formats, verdict: str):
    colour = palette.VERDICT.get(verdict)
    if colour is not None and verdict != "not compared":
        return formats.get(valign="top", text_wrap=True, **colour.cell())
    return formats.get(valign="top", text_wrap=True, font_color="#595959")


def _how_to_read(c: Comparison) -> str:
    return (
        "How to read: 'Better' or 'Worse' than London or the hub only where the 95% confidence interval "
        "(Wilson for percentages, Byar's for rates) excludes that figure; otherwise 'Similar'. Where neither "
        "higher nor lower is better, 'Higher' or 'Lower'. London and hub rates and percentages are worked out "
        "from summed counts; for counts they are totals, for scores medians. Counts are volumes: never ranked or "
        "called better or worse. Rank 1 is the best in London (the highest where neither is better; ties share "
        "the best rank); Q1 is the best quarter (OHID's method). A rate or percentage on a denominator below "
        f"{c.spec.small_denominator} is marked 'Small number' and neither ranked nor compared. 'Change since "
        "previous' is 'Improving' or 'Worsening' only where the two periods' intervals do not overlap."
    ) + (" " + RANKED_AMONG_SHOWN + " 'c': withheld to protect confidentiality." if c.protection else "") \
        + (" " + ENGLAND_NOTE if has_england(c) else "")


# The spine charts ----------------------------------------------------------------------------


def _chart_data_sheet(ws: Worksheet, profile: Profile, formats: xlsx.Formats, header: str) -> None:
    """The chart's own figures. Where small numbers are suppressed the real figures are left out, since
    London's lowest or quartiles can be a single authority's count from 1 to 5."""
    hide_real = profile.suppressed
    note = ("The figures behind the spine charts. Each bar is centred on London (on London's median where London's "
            "figure is a total) and scaled 0 to 100 so indicators of different units share one chart. ")
    note += ("The real figures are left out here because small numbers are suppressed; see the Profile sheet."
             if hide_real else "The real figures are in the first columns and on the Profile sheet.")
    ws.write_string(0, 0, note, formats.note)
    for col, name in enumerate(CHART_DATA_COLUMNS):
        ws.write_string(2, col, name, formats.header)
        ws.set_column(col, col, 14 if col > 2 else 30)
    for i, r in enumerate(profile.spine, start=3):
        for col, name in enumerate(CHART_DATA_COLUMNS):
            xlsx.write_value(ws, i, col, None if hide_real and name in REAL_FIGURES else r[name])
    xlsx.set_print_layout(ws, header, repeat_rows=(2, 2))


def _spine_sheet(workbook: xlsxwriter.Workbook, ws: Worksheet, profile: Profile, formats: xlsx.Formats, header: str) -> None:
    a = profile.authority
    ws.write_string(0, 0, f"{a.name}: where it sits in London, {profile.comparison.period}", formats.title)
    key = _chart_key(a.name)
    ws.write_string(1, 0, key, formats.note)
    ws.set_column(0, 0, SPINE_COLUMN_WIDTH)
    ws.set_row(1, LINE_HEIGHT * (-(-len(key) // int(SPINE_COLUMN_WIDTH * 1.1)) + 1))
    row = 3
    breaks = []
    position = {id(r): i for i, r in enumerate(profile.spine)}  # each bar's row on 'Chart data'
    for rows in by_theme(profile.spine):
        parts = [rows[i:i + CHART_ROWS] for i in range(0, len(rows), CHART_ROWS)]
        for number, part in enumerate(parts, start=1):
            title = rows[0]["Theme"] + (f" (part {number} of {len(parts)})" if len(parts) > 1 else "")
            chart, height = _spine_chart(workbook, (position[id(part[0])], position[id(part[-1])]), part, title)
            if row > 3:
                breaks.append(row)
            ws.insert_chart(row, 0, chart, {"description": _alt_text(profile, part, title), "object_position": 1})
            _spine_figures(ws, row, part, profile, formats)
            row += -(-height // ROW_PX) + 2
    ws.write_string(row - 1, 0, "The figures behind these charts are on the hidden sheet 'Chart data'.", formats.note)
    ws.set_h_pagebreaks(breaks)
    ws.hide_gridlines(2)
    xlsx.set_print_layout(ws, header)


def _spine_chart(workbook: xlsxwriter.Workbook, bars: tuple[int, int], part: list[dict[str, Any]], title: str):
    """A horizontal stacked bar per indicator (hidden lead, then the four quarters), marks on the secondary axis;
    `bars` are the first and last of `part`'s places among the chart's figures."""
    first, last = bars[0] + 3, bars[1] + 3
    sheet = "Chart data"
    col = {name: i for i, name in enumerate(CHART_DATA_COLUMNS)}
    categories = [sheet, first, col["Chart label"], last, col["Chart label"]]
    chart = workbook.add_chart({"type": "bar", "subtype": "stacked"})

    def series(name: str, fill: str | None, secondary: bool = False, gap: int = 70,
               points: list[str] | None = None) -> None:
        options = {
            "name": name, "categories": categories, "values": [sheet, first, col[name], last, col[name]],
            "fill": {"color": fill} if fill else {"none": True},
            "border": {"color": "#FFFFFF", "width": 0.75} if fill and not secondary else {"none": True},
            "gap": gap,
        }
        if points:
            options["points"] = [{"fill": {"color": p}, "border": {"color": "#000000", "width": 0.75}} for p in points]
        if secondary:
            options["y2_axis"] = True
        chart.add_series(options)

    series("Lead (hidden)", None)
    for band, colour in SPINE_BANDS:
        series(band, colour)
    series("Mark lead (hidden)", None, secondary=True, gap=20)
    marks = [palette.VERDICT.get(r["Compared with London"], palette.NOT_COMPARED).fill for r in part]
    series("Authority mark (first)", AUTHORITY_COLOUR, secondary=True, gap=20, points=marks)
    series("London mark (first)", LONDON_COLOUR, secondary=True, gap=20)
    series("Mark gap (hidden)", None, secondary=True, gap=20)
    series("Authority mark (second)", AUTHORITY_COLOUR, secondary=True, gap=20, points=marks)
    series("London mark (second)", LONDON_COLOUR, secondary=True, gap=20)
    hidden_axis = {"label_position": "none", "line": {"none": True}, "major_tick_mark": "none"}
    # In a bar chart the value axis runs across: x is the primary value axis, y2 the secondary one.
    chart.set_x_axis({
        "min": 0, "max": 100, "major_unit": 25, "num_format": ";;;",
        "name": "Worse  ←  London  →  Better (where neither is better: lower ← → higher)",
        "name_font": {"size": 9, "bold": False},
        "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}},
    })
    chart.set_y_axis({"reverse": True, "name": "Indicator", "name_font": {"size": 9, "bold": False},
                      "num_font": {"size": 8}})
    chart.set_y2_axis({"min": 0, "max": 100, **hidden_axis})
    chart.set_x2_axis({"reverse": True, **hidden_axis})
    chart.set_title({"name": title, "name_font": {"size": 11}})
    chart.set_legend({"none": True})
    height = 110 + CHART_ROW_PX * len(part)
    chart.set_size({"width": CHART_WIDTH, "height": height})
    return chart, height


SPINE_FIGURES = (("Authority", "Value"), ("London", "London"), ("Lowest", "Lowest"),
                 ("25th percentile", "25th percentile"), ("75th percentile", "75th percentile"), ("Highest", "Highest"))
SPINE_TITLE_PX = 44  # the chart's title, above its first bar


def _spine_figures(ws: Worksheet, row: int, part: list[dict[str, Any]], profile: Profile,
                   formats: xlsx.Formats) -> None:
    """The figures beside each spine, as Fingertips shows them: the authority's value (coloured by how it
    compares with London), London, and London's lowest, quartiles and highest, one row per bar."""
    spec = profile.comparison.spec
    header = formats.get(bold=True, text_wrap=True, valign="bottom", align="center", font_size=9, border=1,
                         bg_color="#D9E1F2")
    ws.set_row(row, SPINE_TITLE_PX * 0.75)
    for j, (_, heading) in enumerate(SPINE_FIGURES, start=1):
        ws.set_column(j, j, 10)
        ws.write_string(row, j, heading, header)
    for i, r in enumerate(part, start=row + 1):
        f = spec.fields[r["Ref"]]
        ws.set_row(i, CHART_ROW_PX * 0.75)
        for j, (column, _) in enumerate(SPINE_FIGURES, start=1):
            value = r.get(column)
            colour = palette.VERDICT.get(r["Compared with London"]) if column == "Authority" else None
            style = {"num_format": xlsx.number_format(f.unit), "font_size": 9, "valign": "vcenter", "border": 1,
                     **(colour.cell() if colour is not None and r["Compared with London"] != "not compared" else {})}
            xlsx.write_value(ws, i, j, xlsx.number_or_none(value), formats.get(**style))


def _chart_key(name: str) -> str:
    return (
        f"Key: each grey bar is London's range for one indicator, from the lowest authority to the highest; the "
        f"two darker middle shades are the middle half of London (25th to 75th percentile), meeting at the median. "
        f"The coloured mark is {name}, coloured as it compares with London (green better, amber similar, red worse; "
        f"dark blue lower and light blue higher where neither is better; grey not compared); the black mark is "
        f"London. The figures are beside each bar. Bars are centred on London (on London's median for "
        "counts, where London's figure is a total and has no mark) and turned so that right is better; where "
        "neither higher nor lower is better, right is higher."
    )


def _alt_text(profile: Profile, part: list[dict[str, Any]], title: str) -> str:
    name = profile.authority.name
    verdict_of = {r["field_id"]: r["vs_london"] for r in profile.rows}
    counts: dict[str, int] = {}
    for r in part:
        counts[verdict_of[r["Ref"]]] = counts.get(verdict_of[r["Ref"]], 0) + 1
    said = ", ".join(f"{VERDICT_WORDS.get(v, v).lower()} for {n}" for v, n in counts.items())
    return (
        f"Spine chart, {title}: {len(part)} indicators. Each bar is London's range from lowest to highest with "
        f"the middle half shaded darker; a mark coloured by how it compares with London shows {name} and a black mark London; right is better. "
        f"{name} compared with London: {said}."
    )


def produced_text(produced_at: datetime | date | str | None) -> str:
    """When the profiles say they were made, the same in every process that writes them."""
    moment = produced_at or datetime.now()
    return long_date(moment) if isinstance(moment, date) else str(moment)
