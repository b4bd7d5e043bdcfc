"""Render a :class:`~nasbench_rss.report.document.Document` as Markdown (GitHub tables by tabulate).

The document's text is plain text, some of it written by a suite's author (its
description, a claim's source and words); a Markdown viewer renders raw HTML, so whatever
would start HTML (a tag, a comment, a declaration: ``<`` before a letter, ``/``, ``!``
or ``?``) or an entity (``&name;``) is escaped (:func:`text`): the reader sees what was
written, and a ``<script>`` in a suite never reaches the viewer as HTML.
"""

from __future__ import annotations

import re

from tabulate import tabulate

from nasbench_rss.report.document import (
    Bullets,
    Document,
    Figure,
    Heading,
    Paragraph,
    Table,
)

_MARKUP_START = re.compile(r"<(?=[A-Za-z/!?])")
_ENTITY = re.compile(r"&(?=#[0-9]+;|#[xX][0-9A-Fa-f]+;|[A-Za-z][A-Za-z0-9]*;)")


def text(plain: str) -> str:
    """Plain text as Markdown that shows it as written: raw HTML and entities escaped (``<b>`` -> ``&lt;b>``)."""
    return _MARKUP_START.sub("&lt;", _ENTITY.sub("&amp;", str(plain)))


def cell(value: str) -> str:
    """A table cell: :func:`text` on one line, with '|' escaped (it would end the cell; a newline, the row)."""
    return text(" ".join(str(value).split())).replace("|", "\\|")


def render_markdown(document: Document) -> str:
    """The document as Markdown text."""
    parts: list[str] = []
    for block in document.blocks:
        if isinstance(block, Heading):
            parts.append(f"{'#' * block.level} {text(block.text)}")
        elif isinstance(block, Paragraph):
            parts.append(text(block.text))
        elif isinstance(block, Bullets):
            parts.append("\n".join(f"- {text(item)}" for item in block.items))
        elif isinstance(block, Table):
            table = tabulate(
                [[cell(c) for c in row] for row in block.rows],
                headers=[cell(h) for h in block.headers],
                tablefmt="github",
                disable_numparse=True,  # cells are formatted already; keep them exactly
            )
            parts.append(f"*{text(block.caption)}*\n\n{table}" if block.caption else table)
        elif isinstance(block, Figure):
            parts.append(f"![{text(block.caption)}]({block.path})\n\n*{text(block.caption)}*")
        else:  # pragma: no cover - a new block type must be rendered here
            raise TypeError(f"cannot render block {block!r} as Markdown")
    return "\n\n".join(parts) + "\n"
