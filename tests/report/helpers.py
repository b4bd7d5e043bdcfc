"""Reading reports back in tests: JSON without NaN, Markdown and HTML table rows."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

RESAMPLES = 200
"""Bootstrap resamples in the tests (reports default to 10000): enough to compare exactly, fast."""


def load_json(path: Path) -> dict[str, Any]:
    """``report.json``, refusing NaN and Infinity (they must be written as null)."""

    def refuse(constant: str) -> Any:
        raise AssertionError(f"{path} holds {constant}, which is not JSON")

    return json.loads(path.read_text(), parse_constant=refuse)


def markdown_rows(text: str) -> list[list[str]]:
    """Cells of every Markdown table row (header and separator rows included)."""
    return [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in text.splitlines() if line.startswith("|")]


def html_rows(text: str) -> list[list[str]]:
    """Cells of every HTML table row, unescaped."""
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", text, flags=re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.S)
        rows.append([html.unescape(cell).strip() for cell in cells])
    return rows


def has_row(rows: list[list[str]], *cells: str) -> bool:
    """Whether a row starts with ``cells[:2]`` and holds all of ``cells``, in order."""
    for row in rows:
        if row[:2] != list(cells[:2]):
            continue
        position = 0
        for cell in cells:
            try:
                position = row.index(cell, position) + 1
            except ValueError:
                break
        else:
            return True
    return False


def find(entries: list[dict[str, Any]], **keys: Any) -> dict[str, Any]:
    """The one entry whose fields equal ``keys``."""
    matches = [e for e in entries if all(e.get(k) == v for k, v in keys.items())]
    assert len(matches) == 1, f"{len(matches)} entries match {keys}"
    return matches[0]
