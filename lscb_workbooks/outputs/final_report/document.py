"""The report as plain data: chapters of paragraphs, tables and charts, each figure with its source.

Built before anything is written, so tests can read what the report says and
the Word writer only draws it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union


@dataclass(frozen=True)
class Source:
    """Where a figure comes from: the collection, its period, and how many boards answered."""

    title: str
    collection: str
    period: str
    answering: int | None = None
    returns: int | None = None
    asked: int | None = None

    def __str__(self) -> str:
        text = f"Source: {self.title} (collection '{self.collection}'), {self.period}"
        if self.answering is None:
            return text + "."
        text += f": {self.answering} board{'s' if self.answering != 1 else ''} answering"
        if self.returns is not None:
            text += f", of {self.returns} return{'s' if self.returns != 1 else ''} in use"
        if self.asked is not None:
            text += f" ({self.asked} boards asked)"
        return text + "."


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: str = ""  # "", "quote", "bullet", "note"


@dataclass(frozen=True)
class Table:
    caption: str
    headers: list[str]
    rows: list[list[str]]
    sources: list[Source]
    widths: list[float] | None = None  # relative column widths


@dataclass(frozen=True)
class Chart:
    caption: str
    png: bytes
    sources: list[Source]
    alt: str


Block = Union[Paragraph, Table, Chart]


@dataclass
class Section:
    """A chapter, the summary or an appendix: a heading and what is under it."""

    title: str
    blocks: list[Block] = field(default_factory=list)

    def say(self, text: str, style: str = "") -> None:
        self.blocks.append(Paragraph(text, style))

    def add(self, block: Block) -> None:
        self.blocks.append(block)

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    @property
    def charts(self) -> list[Chart]:
        return [b for b in self.blocks if isinstance(b, Chart)]


@dataclass
class Report:
    title: str
    subtitle: str
    summary: Section
    chapters: list[Section]
    appendices: list[Section]
