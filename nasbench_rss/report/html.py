"""Render a :class:`~nasbench_rss.report.document.Document` as one HTML file (tables by tabulate).

The file is self-contained except for the PNG figures, which it references by their file
names next to it (the report directory is meant to be kept or copied whole).
"""

from __future__ import annotations

from html import escape

from tabulate import tabulate

from nasbench_rss.report.document import (
    Bullets,
    Document,
    Figure,
    Heading,
    Paragraph,
    Table,
)

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 80rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; }
th { background: #f3f3f3; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; }
figcaption, .caption { font-style: italic; }
"""


def render_html(document: Document) -> str:
    """The document as a standalone HTML page."""
    parts: list[str] = []
    for block in document.blocks:
        if isinstance(block, Heading):
            level = min(max(block.level, 1), 6)
            parts.append(f"<h{level}>{escape(block.text)}</h{level}>")
        elif isinstance(block, Paragraph):
            parts.append(f"<p>{escape(block.text)}</p>")
        elif isinstance(block, Bullets):
            parts.append("<ul>\n" + "\n".join(f"<li>{escape(item)}</li>" for item in block.items) + "\n</ul>")
        elif isinstance(block, Table):
            # tabulate's "html" format escapes every cell and header.
            table = tabulate(list(block.rows), headers=list(block.headers), tablefmt="html", disable_numparse=True)
            caption = f'<p class="caption">{escape(block.caption)}</p>\n' if block.caption else ""
            parts.append(caption + table)
        elif isinstance(block, Figure):
            parts.append(
                f'<figure><img src="{escape(block.path, quote=True)}" alt="{escape(block.caption, quote=True)}">'
                f"<figcaption>{escape(block.caption)}</figcaption></figure>"
            )
        else:  # pragma: no cover - a new block type must be rendered here
            raise TypeError(f"cannot render block {block!r} as HTML")
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{escape(document.title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
