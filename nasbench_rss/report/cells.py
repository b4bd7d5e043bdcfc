"""Which planned cells the report rests on: trained, evaluated, and why any is missing.

A partial run is analysed with what is there; this part of the analysis (``complete`` and
``cells`` in ``report.json``) says what is missing and why, and the report's status line
and "Missing cells" table show it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nasbench_rss.report.document import Document
from nasbench_rss.report.section import Analysis, Inputs, Section
from nasbench_rss.run.results import CellRecord

if TYPE_CHECKING:  # matplotlib is imported only when figures are drawn
    from nasbench_rss.report.figures import FigureFile


def overview(inputs: Inputs) -> dict[str, Any]:
    """``complete`` (every planned cell trained and evaluated) and ``cells``: counts and a row per cell."""
    rows = [cell_row(cell) for cell in inputs.evidence.every_cell]
    missing = [row for row in rows if not row["trained"]]
    unevaluated = [row for row in rows if row["trained"] and not row["evaluated"]]
    return {
        "complete": not missing and not unevaluated,
        "cells": {
            "planned": len(rows),
            "trained": len(rows) - len(missing),
            "evaluated": sum(1 for row in rows if row["evaluated"]),
            "missing": missing,
            "unevaluated": unevaluated,
            "all": rows,
        },
    }


def cell_row(cell: CellRecord) -> dict[str, Any]:
    return {
        "id": cell.id,
        "kind": cell.kind,
        "arch": cell.arch,
        "dataset": cell.dataset,
        "run": cell.run,
        "seed": cell.seed,
        "status": cell.status,
        "epochs": cell.epochs,
        "epochs_done": cell.epochs_done,
        "trained": cell.trained,
        "evaluated": cell.evaluated,
        "reason": why_missing(cell),
        "directory": str(cell.directory),
    }


def why_missing(cell: CellRecord) -> str | None:
    """Why a cell adds nothing (or no accuracies) to the report; None when it is all there."""
    if cell.status == "pending":
        return "not trained yet (pending)"
    if cell.status == "interrupted":
        return f"interrupted after {cell.epochs_done} of {cell.epochs} epochs (rerun the suite to resume)"
    if cell.status == "damaged":
        return f"damaged: {' '.join(str(cell.problem).split())[:300]}"
    if cell.status == "failed":
        error = " ".join(str((cell.failure or {}).get("error", "unknown error")).split())
        stage = "in evaluation" if cell.trained else "in training"
        return f"failed {stage}: {error[:300]}"
    if not cell.evaluated:
        return (
            "trained, but its population is not evaluated under the suite's evaluation settings and its current weights "
            "(no current evaluation.json)"
        )
    return None


def status_line(analysis: Analysis) -> str:
    """The line under the title: complete or partial, cells trained and evaluated, the run directory."""
    cells = analysis["cells"]
    state = "Complete run" if analysis["complete"] else "PARTIAL RUN"
    return (
        f"{state}: {cells['trained']} of {cells['planned']} cells trained, {cells['evaluated']} evaluated. "
        f"Run directory: {analysis['run_directory']}."
    )


def render_cells(doc: Document, analysis: Analysis, figure: FigureFile | None) -> None:
    """The cells that add nothing (or no accuracies), when the run is partial."""
    cells = analysis["cells"]
    if analysis["complete"]:
        return
    doc.heading("Missing cells")
    doc.paragraph(
        "This run is partial: the cells below contribute nothing (not trained) or no accuracies (not evaluated). "
        "Rerun the suite to complete it; the report is remade when it finishes."
    )
    rows = [[c["id"], c["status"], f"{c['epochs_done']}/{c['epochs']}", c["reason"]] for c in cells["missing"] + cells["unevaluated"]]
    doc.table(["cell", "status", "epochs", "why it is missing"], rows)


SECTION = Section("cells", None, render_cells)
"""Computed with ``complete`` by :func:`overview`, rendered after the findings."""
