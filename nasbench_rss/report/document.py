"""A report as a list of blocks, built once and rendered as Markdown or HTML.

Building the content once and rendering it twice is what keeps the Markdown and the HTML
report from ever disagreeing: every sentence and every formatted number is decided here
(through :mod:`nasbench_rss.report.format`), and a renderer only chooses the markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union


@dataclass(frozen=True)
class Heading:
    """A section title; ``level`` 1 is the report's title."""

    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    """Plain text; renderers escape it, so it never carries markup."""

    text: str


@dataclass(frozen=True)
class Bullets:
    """A bulleted list of plain-text items."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table of already formatted cells (strings), with a caption above it."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str | None = None


@dataclass(frozen=True)
class Figure:
    """An image written next to the report; ``path`` is relative to the report's directory."""

    path: str
    caption: str


Block = Union[Heading, Paragraph, Bullets, Table, Figure]


@dataclass
class Document:
    """The report's content: a title and blocks in reading order."""

    title: str
    blocks: list[Block] = field(default_factory=list)

    def heading(self, text: str, level: int = 2) -> None:
        self.blocks.append(Heading(text, level))

    def paragraph(self, text: str) -> None:
        self.blocks.append(Paragraph(text))

    def bullets(self, items: list[str]) -> None:
        if items:
            self.blocks.append(Bullets(tuple(items)))

    def table(self, headers: list[str], rows: list[list[str]], caption: str | None = None) -> None:
        if rows:
            self.blocks.append(Table(tuple(headers), tuple(tuple(str(cell) for cell in row) for row in rows), caption))

    def figure(self, path: str, caption: str) -> None:
        self.blocks.append(Figure(path, caption))
