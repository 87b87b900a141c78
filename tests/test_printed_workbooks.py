"""The demo's workbooks as people print them (LibreOffice's PDF): every printed cell whole, pages few enough.

One LibreOffice run prints them all: the pilot's master, a borough profile, a
feedback workbook, both survey masters, and a dataset template filled in to
the brim as a coordinator could.
"""

from __future__ import annotations

import datetime
import html
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from lscb_workbooks.spec.load import check_spec_text
from printed_pdf import (Printed, points_needed, print_problems, print_to_pdf, printed_cells_of_row,
                         row_height)
from spreadsheet_program import requires_libreoffice
from template_readback import list_source_values, validations_by_cell

pytestmark = [requires_libreoffice, pytest.mark.libreoffice,
              pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler's pdftotext is not installed")]

TALLEST_ROW_POINTS = 409  # Excel's limit
MOST_PAGES = {"profile": 12, "feedback": 12, "mapping": 40, "consultation": 60, "template": 40}


@pytest.fixture(scope="module")
def printed(demo, tmp_path_factory) -> dict[str, Printed]:
    out, _ = demo
    folder = tmp_path_factory.mktemp("to-print")
    sources = {"master": out / "master.xlsx", "profile": sorted((out / "profiles").glob("*.xlsx"))[0],
               "feedback": sorted((out / "feedback").glob("*.xlsx"))[0],
               "mapping": out / "1-mapping" / "master.xlsx", "consultation": out / "2-consultation" / "master.xlsx"}
    copies = {}
    for name, source in sources.items():
        copies[name] = folder / f"{name}.xlsx"
        shutil.copyfile(source, copies[name])
    template = sorted((out / "templates").rglob("dataset_*.xlsx"))[0]
    copies["template"] = fill_to_the_brim(template, folder / "template.xlsx")
    return dict(zip(copies, print_to_pdf(list(copies.values()), tmp_path_factory.mktemp("printed"))))


def fill_to_the_brim(template: Path, out: Path) -> Path:
    """Every box filled as a coordinator could: the longest choice, a large figure, text up to its limit.

    Typing into a row whose height the file does not fix, Excel and LibreOffice
    grow it to fit, up to Excel's tallest row; openpyxl types without growing
    anything, so those rows are grown here as the program would.
    """
    growing = rows_left_to_grow(template)
    book = load_workbook(template)
    for ws in book.worksheets:
        for coordinate, validation in validations_by_cell(ws).items():
            if not ws[coordinate].protection.locked:
                ws[coordinate].value = _most_to_print(book, validation)
        for row in growing.get(ws.title, set()):
            need = max([points_needed(c) for c in printed_cells_of_row(ws, row) if c.wrapped] + [0])
            ws.row_dimensions[row].ht = min(TALLEST_ROW_POINTS, max(row_height(ws, row), need))
    book.save(out)
    return out


def rows_left_to_grow(path: Path) -> dict[str, set[int]]:
    """Sheet title -> rows that have a height but not one fixed by hand (no `customHeight`), from the file's XML."""
    with zipfile.ZipFile(path) as package:
        names = re.findall(r'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', package.read("xl/workbook.xml").decode())
        targets = _relationships(package.read("xl/_rels/workbook.xml.rels").decode())
        growing = {}
        for name, rid in names:
            xml = package.read("xl/" + targets[rid].lstrip("/").removeprefix("xl/")).decode()
            growing[html.unescape(name)] = {int(r) for r, attributes in re.findall(r'<row r="(\d+)"([^>]*)>', xml)
                                            if "ht=" in attributes and 'customHeight="1"' not in attributes}
    return growing


def _relationships(xml: str) -> dict[str, str]:
    return {re.search(r'Id="([^"]+)"', r)[1]: re.search(r'Target="([^"]+)"', r)[1]
            for r in re.findall(r"<Relationship [^>]*>", xml)}


WORDS = ("The figure was taken from the case management system after the annual data cleanse, and agreed "
         "with the partnership's performance lead; health partners' figures come from the designated nurse. ")


def _most_to_print(book, validation) -> object:
    if validation.type == "list":
        return max(list_source_values(book, validation.formula1), key=lambda option: len(str(option)))
    if validation.type == "textLength":
        limit = int(float(validation.formula1))
        return (WORDS * (limit // len(WORDS) + 1))[:limit].rstrip()
    if validation.type == "date":
        return datetime.date(2027, 5, 20)
    if validation.type in ("whole", "decimal"):
        top = float(validation.formula2 if validation.formula2 is not None else validation.formula1)
        return min(top, 987_654)
    return "Yes"


@pytest.mark.parametrize("name", list(MOST_PAGES))
def test_every_printed_cell_is_whole_and_the_pages_few(printed, name):
    problems = print_problems(printed[name], MOST_PAGES[name])
    assert problems == [], f"{name}: {len(problems)} problems:\n" + "\n".join(problems[:40])


def test_the_printed_master_is_under_sixty_pages_with_every_indicator_named_in_full(printed, demo):
    """As a steering group member prints it: LibreOffice's PDF of the demo's master."""
    out, _ = demo
    master = printed["master"]
    assert len(master.pages) < 60, len(master.pages)
    spec = check_spec_text((out / "3-revised-spec" / "dataset.yaml").read_text(encoding="utf-8"), "dataset.yaml")[0]
    flat = " ".join(" ".join(master.pages).split())
    for f in spec.indicators:
        assert f.short in flat, f"{f.id}: its short name is printed whole somewhere"
    assert "…" not in flat, "no label is cut short with an ellipsis"
