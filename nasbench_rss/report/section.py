"""A report section as one unit: what it computes into ``report.json``, how it renders, which figure it shows.

Every section of the report is a :class:`Section`: ``compute`` makes its part of the
analysis from the run's evidence (:class:`Inputs`), ``render`` writes its blocks into the
document from the analysis, and ``figure`` names the figure it shows (drawn by
:mod:`nasbench_rss.report.figures` from the same analysis).  :mod:`nasbench_rss.report.analysis`
runs the computes in ``report.json``'s key order, :mod:`nasbench_rss.report.compose` the
renders in reading order.  The helpers below are what several sections' renders share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping

from nasbench_rss.analysis.evidence import RunEvidence
from nasbench_rss.analysis.populations import Bootstrap, Group
from nasbench_rss.plugins import PluginRegistry
from nasbench_rss.report import format as fmt
from nasbench_rss.report.document import Document

if TYPE_CHECKING:  # matplotlib is imported only when figures are drawn
    from nasbench_rss.report.figures import FigureFile

Analysis = Mapping[str, Any]
"""The analysis as ``report.json`` holds it (keys in :mod:`nasbench_rss.report.analysis`)."""

Pairs = list[tuple[str, str]]
Interactions = list[tuple[list[str], list[str]]]


@dataclass(frozen=True)
class Plan:
    """What the suite compares: (run, reference) pairs, interactions of four runs, or why nothing."""

    pairs: Pairs
    interactions: Interactions
    reason: str | None


@dataclass(frozen=True)
class Inputs:
    """What a section computes from: the run's evidence, the bootstrap settings, the claim kinds, the comparisons."""

    evidence: RunEvidence
    bootstrap: Bootstrap
    registry: PluginRegistry | None
    plan: Plan


Compute = Callable[[Inputs], Any]
Render = Callable[[Document, Analysis, "FigureFile | None"], None]


@dataclass(frozen=True)
class Section:
    """One section: its key in ``report.json`` (None: it renders other sections' data), how it computes and renders."""

    key: str | None
    compute: Compute | None
    render: Render | None
    figure: str | None = None
    """The key of the section's figure (:class:`~nasbench_rss.report.figures.FigureFile`), None without one."""


def show_figure(doc: Document, figure: FigureFile | None) -> None:
    """The figure, or why it is not drawn; nothing when the section has none."""
    if figure is None:
        return
    if figure.path is None:
        doc.paragraph(f"Figure {figure.filename} is not drawn: {figure.skipped}.")
    else:
        doc.figure(figure.filename, figure.caption)


def groups_of(analysis: Analysis) -> list[Group]:
    """The suite's (architecture, dataset) groups, in suite order."""
    return [(g["arch"], g["dataset"]) for g in analysis["suite"]["groups"]]


def by_group(analysis: Analysis, entries: list[dict[str, Any]]) -> Iterator[tuple[str, str, list[dict[str, Any]]]]:
    """Each (architecture, dataset) group of the suite, in suite order, with its entries; groups without entries are skipped."""
    for arch, dataset in groups_of(analysis):
        mine = [e for e in entries if (e["arch"], e["dataset"]) == (arch, dataset)]
        if mine:
            yield arch, dataset, mine


def group_title(arch: str, dataset: str) -> str:
    return f"{dataset} ({arch})"


def over_seeds(iv: dict[str, Any], show: Any, seeds: list[int]) -> str:
    """A mean-over-seeds interval, or ``one seed`` where there is only one."""
    return "one seed" if len(seeds) == 1 else fmt.interval(iv, show)
