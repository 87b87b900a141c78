"""One colour per category: the master's cells and charts, and each profile's cells and spine marks, agree."""

from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest

from lscb_workbooks.outputs import palette
from lscb_workbooks.outputs.master import LETTERS, SERIES_NAMES

from test_master import book, built  # noqa: F401  (module fixtures shared with the master's tests)
from test_profiles import comparison, profiles  # noqa: F401

BY_LETTER = {letter: verdict for verdict, letter in LETTERS.items()}
WORDS = {"better": "better", "similar": "similar", "worse": "worse", "higher": "higher", "lower": "lower"}


def _fill(cell) -> str | None:
    rgb = cell.fill.fgColor.rgb if cell.fill and cell.fill.fill_type == "solid" else None
    return "#" + rgb[-6:].upper() if isinstance(rgb, str) else None


def test_master_cells_carry_their_category_colour(book):  # noqa: F811
    seen = set()
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                fmt = cell.number_format or ""
                match = re.search(r'(?:\((better|similar|worse|higher|lower)\)| ([A-Z]))"$', fmt)
                if match and isinstance(cell.value, (int, float)):
                    category = match.group(1) or BY_LETTER.get(match.group(2))
                    if category is None:
                        continue
                    assert _fill(cell) == palette.VERDICT[category].fill, (ws.title, cell.coordinate, category)
                    seen.add(category)
    assert {"better", "worse", "similar"} <= seen


def test_master_chart_series_carry_their_category_colour(built):  # noqa: F811
    names = {name: key for key, name in SERIES_NAMES.items()}
    seen = set()
    with zipfile.ZipFile(built["path"]) as z:
        for part in (n for n in z.namelist() if n.startswith("xl/charts/chart")):
            xml = z.read(part).decode()
            for series in re.findall(r"<c:ser>.*?</c:ser>", xml, flags=re.S):
                name = re.search(r"<c:v>([^<]*)</c:v>", series)
                key = names.get(name.group(1)) if name else None
                if key in palette.VERDICT:
                    fill = re.search(r'<c:spPr>.*?<a:srgbClr val="([0-9A-F]{6})"', series, flags=re.S)
                    assert fill and "#" + fill.group(1) == palette.VERDICT[key].fill, (part, key)
                    seen.add(key)
    assert {"better", "worse"} <= seen


def test_profile_verdicts_and_spine_marks_use_the_same_colours(profiles):  # noqa: F811
    path = profiles["302"]
    wb = openpyxl.load_workbook(path)
    seen = set()
    for ws in (w for w in wb.worksheets if w.sheet_state == "visible"):
        for row in ws.iter_rows():
            for cell in row:
                word = str(cell.value).lower() if isinstance(cell.value, str) else ""
                if word in WORDS:
                    assert _fill(cell) == palette.VERDICT[word].fill, (ws.title, cell.coordinate, word)
                    seen.add(word)
    assert seen
    allowed = {c.fill[1:] for c in palette.VERDICT.values()}
    with zipfile.ZipFile(path) as z:
        charts = [z.read(n).decode() for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
    points = [re.findall(r'<c:dPt>.*?<a:srgbClr val="([0-9A-F]{6})"', c, flags=re.S) for c in charts]
    marks = [p for chart in points for p in chart]
    assert marks and set(marks) <= allowed, "each authority mark is coloured by how it compares with London"
    assert len(set(marks)) > 1
