"""Render a :class:`~nasbench_rss.report.document.Document` as Markdown (GitHub tables by tabulate)."""

from __future__ import annotations

from tabulate import tabulate

from nasbench_rss.report.document import (
    Bullets,
    Document,
    Figure,
    Heading,
    Paragraph,
    Table,
)


def _cell(text: str) -> str:
    """A table cell: a '|' would end the cell and a newline the row."""
    return " ".join(str(text).split()).replace("|", "\\|")


def render_markdown(document: Document) -> str:
    """The document as Markdown text."""
    parts: list[str] = []
    for block in document.blocks:
        if isinstance(block, Heading):
            parts.append(f"{'#' * block.level} {block.text}")
        elif isinstance(block, Paragraph):
            parts.append(block.text)
        elif isinstance(block, Bullets):
            parts.append("\n".join(f"- {item}" for item in block.items))
        elif isinstance(block, Table):
            table = tabulate(
                [[_cell(c) for c in row] for row in block.rows],
                headers=[_cell(h) for h in block.headers],
                tablefmt="github",
                disable_numparse=True,  # cells are formatted already; keep them exactly
            )
            parts.append(f"*{block.caption}*\n\n{table}" if block.caption else table)
        elif isinstance(block, Figure):
            parts.append(f"![{block.caption}]({block.path})\n\n*{block.caption}*")
        else:  # pragma: no cover - a new block type must be rendered here
            raise TypeError(f"cannot render block {block!r} as Markdown")
    return "\n\n".join(parts) + "\n"
