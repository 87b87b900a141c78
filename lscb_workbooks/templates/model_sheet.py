"""The "Conceptual model" sheet: safeguarding as themes by age groups, with the indicators in each cell.

Pure, like the rest of the layout. The same grid, cell for cell, is what the
master workbook shows (`grid_cells`), so a consultee and the steering group
read one model, and an empty cell says plainly that it is a gap.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..spec.models import ConceptualModel
from . import styles
from .layout import SheetLayout, text_height

MODEL_SHEET = "Conceptual model"
GAP = "Gap: no indicator yet"
THEME_WIDTH, CELL_WIDTH = 34.0, 30.0
FIRST_GRID_ROW = 4
MAX_ROW_HEIGHT = 409  # the tallest row Excel allows, in points
KEY_HEADERS = ("Ref", "Indicator", "Theme", "Age group")


@dataclass(frozen=True)
class GridCell:
    """One cell of the grid as written: its text, and whether it is a gap."""

    row: int
    col: int
    text: str
    gap: bool


def model_note(model: ConceptualModel) -> str:
    """What the grid is, in words that hold for whichever collection shows it."""
    filled = model.cells - len(model.gaps)
    return (f"Each row is a theme of the draft dataset (collection '{model.collection}', version {model.version}), "
            f"each column an age group. A cell lists, by reference, the indicators compared for those children (the table under the grid names each); "
            f"{filled} of {model.cells} cells have at least one, and the {len(model.gaps)} marked "
            f"'{GAP}' are gaps the dataset does not yet cover. Counts collected only to work out "
            "a rate or percentage are listed under it, not here.")


def grid_cells(model: ConceptualModel) -> list[GridCell]:
    """Row 0 is the age groups' titles, column 0 the themes' titles; the rest the indicators of each cell."""
    cells = [GridCell(0, 0, "Theme \\ age group", False)]
    cells += [GridCell(0, c, a.title, False) for c, a in enumerate(model.age_groups, start=1)]
    for r, theme in enumerate(model.themes, start=1):
        cells.append(GridCell(r, 0, theme.title, False))
        for c, group in enumerate(model.age_groups, start=1):
            entries = model.cell(theme.id, group.id)
            text = cell_text([e.id for e in entries])
            cells.append(GridCell(r, c, text, not entries))
    return cells


def cell_text(ids: list[str]) -> str:
    """A cell's indicators by reference (the key under the grid names each), or the gap marker."""
    if not ids:
        return GAP
    return f"{len(ids)} indicator{'s' if len(ids) > 1 else ''}:\n" + ", ".join(ids)


def key_rows(model: ConceptualModel) -> list[tuple[str, str, str, str]]:
    """(reference, indicator, theme, age group) for every indicator in the grid, in grid order."""
    themes = {t.id: t.title for t in model.themes}
    groups = {a.id: a.title for a in model.age_groups}
    order = {(t.id, a.id): i for i, (t, a) in enumerate((t, a) for t in model.themes for a in model.age_groups)}
    entries = sorted(model.entries, key=lambda e: order.get((e.theme, e.age_group), len(order)))
    return [(e.id, e.label, themes.get(e.theme, e.theme), groups.get(e.age_group, e.age_group)) for e in entries]


def model_sheet(model: ConceptualModel) -> SheetLayout:
    """The grid, locked, printable on landscape pages; age groups explained under it."""
    widths = {0: THEME_WIDTH, **{c: CELL_WIDTH for c in range(1, len(model.age_groups) + 1)}}
    sheet = SheetLayout(MODEL_SHEET, "model", widths=widths, repeat_rows=(FIRST_GRID_ROW, FIRST_GRID_ROW))
    last = len(model.age_groups)
    sheet.add(0, 0, styles.TITLE, "The conceptual model of safeguarding behind the draft dataset")
    sheet.heights[0] = 26
    note = model_note(model)
    sheet.add(1, 0, styles.INTRO, note, merge_to=last)
    sheet.heights[1] = text_height(note, sum(widths.values()))
    heights: dict[int, float] = {}
    for cell in grid_cells(model):
        row = FIRST_GRID_ROW + cell.row
        style = (styles.HEADER if cell.row == 0 else styles.THEME.but(name="model_theme", wrap=True, border=True)
                 if cell.col == 0 else GAP_STYLE if cell.gap else styles.LABEL.but(name="model_cell", size=10))
        sheet.add(row, cell.col, style, cell.text)
        heights[row] = min(MAX_ROW_HEIGHT, max(heights.get(row, 20), text_height(cell.text, widths[cell.col],
                                                                                  style.size)))
    sheet.heights.update(heights)
    row = FIRST_GRID_ROW + len(model.themes) + 2
    sheet.add(row, 0, styles.SUBTITLE, "Age groups")
    for group in model.age_groups:
        row += 1
        sheet.add(row, 0, styles.COVER_LABEL, group.title)
        sheet.add(row, 1, styles.COVER_TEXT, group.description or None, merge_to=last)
        sheet.heights[row] = text_height(group.description, CELL_WIDTH * last)
    row += 2
    sheet.add(row, 0, styles.SUBTITLE, "The indicators in the grid")
    row += 1
    for col, header in enumerate(KEY_HEADERS):
        sheet.add(row, col, styles.HEADER, header)
    for reference, label, theme, group in key_rows(model):
        row += 1
        for col, text in enumerate((reference, label, theme, group)):
            sheet.add(row, col, styles.LABEL.but(name="model_key", size=10), text)
        sheet.heights[row] = max(text_height(label, CELL_WIDTH, 10), text_height(theme, CELL_WIDTH, 10))
    return sheet


GAP_STYLE = styles.Style("model_gap", size=10, italic=True, color=styles.AMBER_TEXT, fill=styles.AMBER_FILL,
                         wrap=True, border=True, align="center", valign="vcenter")
