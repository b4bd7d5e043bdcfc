"""Reporters: plugins that write a report in one format (built-ins: ``md``, ``json``, ``html``).

A reporter is registered through the ``register_reporters`` hook like any plugin::

    from nasbench_rss import hookimpl
    from nasbench_rss.plugins import Registration

    class CsvReporter:
        def write(self, report, out_dir):        # -> list of the paths it wrote
            path = out_dir / "accuracy.csv"
            ...                                  # report.analysis holds every number
            return [path]

    @hookimpl
    def register_reporters(register):
        register(Registration("csv", "Per-bucket accuracy as CSV", lambda options=None: CsvReporter()))

``Registration.factory(options)`` gets an instance of the registration's ``options_model``
(None when it has none) and returns an object with ``write(report, out_dir) -> list[Path]``.
``nasbench-rss report RUN_DIR --format csv`` then uses it.  A reporter receives the
analysis (every number, as ``report.json`` holds it), the document that the Markdown and
HTML reports render, and the figures already drawn into ``out_dir``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from nasbench_rss import atomic
from nasbench_rss.report.document import Document
from nasbench_rss.report.html import render_html
from nasbench_rss.report.markdown import render_markdown

if TYPE_CHECKING:  # matplotlib is imported only when figures are drawn, not when plugins load
    from nasbench_rss.report.figures import FigureFile

MARKDOWN_FILE = "report.md"
JSON_FILE = "report.json"
HTML_FILE = "report.html"


@dataclass(frozen=True)
class Report:
    """What every reporter gets: the numbers, the composed document and the drawn figures."""

    analysis: dict[str, Any]
    document: Document
    figures: list[FigureFile]


class Reporter(Protocol):
    """Writes one format of a report into a directory."""

    def write(self, report: Report, out_dir: Path) -> list[Path]:
        """Write the report into ``out_dir`` (which exists); return the paths written."""
        ...


def json_safe(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by None (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


class MarkdownReporter:
    """``report.md``: the document as Markdown, figures referenced by file name."""

    def write(self, report: Report, out_dir: Path) -> list[Path]:
        return [atomic.write_text(Path(out_dir) / MARKDOWN_FILE, render_markdown(report.document))]


class HtmlReporter:
    """``report.html``: the same document as one HTML page."""

    def write(self, report: Report, out_dir: Path) -> list[Path]:
        return [atomic.write_text(Path(out_dir) / HTML_FILE, render_html(report.document))]


class JsonReporter:
    """``report.json``: the analysis, every number, NaN written as null."""

    def write(self, report: Report, out_dir: Path) -> list[Path]:
        data = json_safe(report.analysis)
        data["figures"] = [
            {"key": f.key, "file": f.filename if f.path is not None else None, "caption": f.caption, "skipped": f.skipped}
            for f in report.figures
        ]
        text = json.dumps(data, indent=1, allow_nan=False) + "\n"
        return [atomic.write_text(Path(out_dir) / JSON_FILE, text)]


BUILTIN_REPORTERS: dict[str, tuple[str, type]] = {
    "md": ("Markdown report (report.md): findings, per-bucket tables, time, exposure, method", MarkdownReporter),
    "json": ("JSON report (report.json): every number of the analysis", JsonReporter),
    "html": ("HTML report (report.html): the Markdown report's content as one web page", HtmlReporter),
}
"""Name -> (one-line description, reporter class) of the built-in reporters."""
