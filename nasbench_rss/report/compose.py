"""The report's content: ``compose(analysis, figures) -> Document``.

The title, the suite's description and the status line, then every section's blocks in
reading order (:data:`READING_ORDER`): the claims, the findings, missing cells, per-bucket
accuracy, the whole-population spread, the accuracy profile across buckets, the
comparisons, training time, learning curves and convergence, exposure (per bucket, then over the whole FLOPs range),
interference, ranking, and the method.  Every number goes through
:mod:`nasbench_rss.report.format`, so the Markdown and HTML reports (both rendered from
this one document) show the JSON's numbers the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nasbench_rss.report import (
    accuracy,
    cells,
    claims,
    comparisons,
    curves,
    exposure,
    exposure_range,
    findings,
    interference,
    method,
    profile,
    ranking,
    spread,
    timing,
)
from nasbench_rss.report.document import Document
from nasbench_rss.report.section import Analysis, Section

if TYPE_CHECKING:  # matplotlib is imported only when figures are drawn
    from nasbench_rss.report.figures import FigureFile

READING_ORDER: tuple[Section, ...] = (
    claims.SECTION,
    findings.SECTION,
    cells.SECTION,
    accuracy.SECTION,
    spread.SECTION,
    profile.SECTION,
    comparisons.SECTION,
    timing.SECTION,
    curves.SECTION,
    exposure.SECTION,
    exposure_range.SECTION,
    interference.SECTION,
    ranking.SECTION,
    method.SECTION,
)
"""The sections in the order the report shows them."""


def compose(analysis: Analysis, figures: list[FigureFile]) -> Document:
    """The whole report as a document of blocks."""
    suite = analysis["suite"]
    doc = Document(f"nasbench-rss report: suite {suite['name']}")
    doc.heading(doc.title, 1)
    if suite.get("description"):
        doc.paragraph(suite["description"])
    doc.paragraph(cells.status_line(analysis))
    by_key = {f.key: f for f in figures}
    for section in READING_ORDER:
        if section.render is not None:
            section.render(doc, analysis, by_key.get(section.figure) if section.figure else None)
    return doc
