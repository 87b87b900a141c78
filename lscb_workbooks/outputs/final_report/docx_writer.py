"""Draw the report with python-docx: DRAFT on the title and every page, numbered tables and figures."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor

from ...atomic import replacing
from .document import Chart, Paragraph, Report, Section, Table

DRAFT = "DRAFT"
GREY = RGBColor(0x59, 0x59, 0x59)
TEXT_WIDTH_CM = 16.0


def write_docx(report: Report, path: Path, figures_dir: Path | None = None) -> Path:
    """Write `report` to `path` whole or not at all; each chart also as a PNG in `figures_dir`."""
    document = Document()
    _page_setup(document, report)
    _title_page(document, report)
    writer = _Writer(document, figures_dir)
    writer.section(report.summary, level=1, number=None)
    for number, chapter in enumerate(report.chapters, start=1):
        writer.section(chapter, level=1, number=str(number))
    for letter, appendix in zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", report.appendices):
        writer.section(appendix, level=1, number=letter, prefix="Appendix ")
    buffer = io.BytesIO()
    document.save(buffer)
    with replacing(Path(path)) as temporary:
        temporary.write_bytes(buffer.getvalue())
    return Path(path)


def _page_setup(document, report: Report) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    header = section.header.paragraphs[0]
    header.text = f"{DRAFT}: {report.title}. For the steering group to edit; not for publication."
    header.runs[0].font.size = Pt(8)
    header.runs[0].font.color.rgb = GREY
    document.core_properties.title = f"{DRAFT}: {report.title}"
    document.core_properties.subject = report.subtitle
    document.core_properties.comments = "Drafted by lscb-workbooks from the collections' stores."
    document.styles["Normal"].font.name = "Calibri"
    document.styles["Normal"].font.size = Pt(10.5)


def _title_page(document, report: Report) -> None:
    mark = document.add_paragraph()
    run = mark.add_run(DRAFT)
    run.bold, run.font.size, run.font.color.rgb = True, Pt(28), RGBColor(0xC0, 0x00, 0x00)
    document.add_heading(report.title, level=0)
    document.add_paragraph(report.subtitle)


class _Writer:
    def __init__(self, document, figures_dir: Path | None) -> None:
        self.document = document
        self.figures_dir = figures_dir
        self.label = ""
        self.tables = self.figures = 0

    def section(self, section: Section, level: int, number: str | None, prefix: str = "") -> None:
        self.label = number or "S"
        self.tables = self.figures = 0
        title = f"{prefix}{number}. {section.title}" if number and not prefix else (
            f"{prefix}{number}: {section.title}" if number else section.title)
        self.document.add_heading(title, level=level)
        for block in section.blocks:
            if isinstance(block, Paragraph):
                self.paragraph(block)
            elif isinstance(block, Table):
                self.table(block)
            elif isinstance(block, Chart):
                self.chart(block)

    def paragraph(self, block: Paragraph) -> None:
        style = {"quote": "Quote", "bullet": "List Bullet", "heading": "Heading 2"}.get(block.style)
        paragraph = self.document.add_paragraph(block.text, style=style)
        if block.style == "note":
            for run in paragraph.runs:
                run.italic, run.font.color.rgb = True, GREY

    def caption(self, text: str) -> None:
        paragraph = self.document.add_paragraph(text, style="Caption")
        paragraph.paragraph_format.keep_with_next = True

    def sources(self, block: Table | Chart) -> None:
        for source in block.sources:
            paragraph = self.document.add_paragraph(str(source))
            paragraph.runs[0].italic, paragraph.runs[0].font.size = True, Pt(8.5)
            paragraph.runs[0].font.color.rgb = GREY

    def table(self, block: Table) -> None:
        self.tables += 1
        self.caption(f"Table {self.label}.{self.tables}: {block.caption}")
        table = self.document.add_table(rows=1, cols=len(block.headers))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, block.headers):
            cell.text = ""
            run = cell.paragraphs[0].add_run(str(text))
            run.bold, run.font.size = True, Pt(9)
        for row in block.rows:
            cells = table.add_row().cells
            for cell, text in zip(cells, row):
                cell.text = ""
                cell.paragraphs[0].add_run(str(text)).font.size = Pt(9)
        widths = block.widths or [1.0] * len(block.headers)
        table.autofit = False
        for column, share in zip(table.columns, widths):
            column.width = Cm(TEXT_WIDTH_CM * share / sum(widths))  # the grid LibreOffice reads
            for cell in column.cells:
                cell.width = column.width  # the cell widths Word reads
        self.sources(block)

    def chart(self, block: Chart) -> None:
        self.figures += 1
        label = f"Figure {self.label}.{self.figures}"
        self.document.add_picture(io.BytesIO(block.png), width=Cm(TEXT_WIDTH_CM))
        picture = self.document.paragraphs[-1]
        picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
        docpr = picture._p.xpath(".//wp:docPr")
        if docpr:
            docpr[0].set("descr", block.alt)
        self.caption(f"{label}: {block.caption}")
        self.sources(block)
        if self.figures_dir is not None:
            self.figures_dir.mkdir(parents=True, exist_ok=True)
            (self.figures_dir / f"figure-{self.label}-{self.figures}.png").write_bytes(block.png)
