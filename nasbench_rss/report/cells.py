"""Which planned cells the report rests on: trained, evaluated, why any is missing, what is damaged or NaN.

A partial run is analysed with what is there; this part of the analysis (``complete`` and
``cells`` in ``report.json``) says what is missing and why, which cell files are damaged
(``damaged``: the file, what is wrong, how to recover) and which evaluated subnets have a
NaN accuracy (``nan_accuracies``: counted, left out of every statistic).  The report's
status line and its "Missing cells", "Damaged cell files" and "NaN accuracies" parts show it.
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
    evidence = inputs.evidence
    rows = [cell_row(cell) for cell in evidence.every_cell]
    missing = [row for row in rows if not row["trained"]]
    unevaluated = [row for row in rows if row["trained"] and not row["evaluated"]]
    damaged = [d.to_dict() for d in evidence.damaged]
    return {
        "complete": not missing and not unevaluated and not damaged,
        "cells": {
            "planned": len(rows),
            "trained": len(rows) - len(missing),
            "evaluated": sum(1 for row in rows if row["evaluated"]),
            "missing": missing,
            "unevaluated": unevaluated,
            "all": rows,
            "damaged": damaged,
            "nan_accuracies": [n.to_dict() for n in evidence.nan_accuracies],
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
    damaged = cells.get("damaged") or []
    nan = cells.get("nan_accuracies") or []
    return (
        f"{state}: {cells['trained']} of {cells['planned']} cells trained, {cells['evaluated']} evaluated"
        + (f"; {len(damaged)} damaged cell file{'s' if len(damaged) != 1 else ''} left out (see Damaged cell files)" if damaged else "")
        + ". "
        + (f"{nan_words(nan)} (see NaN accuracies). " if nan else "")
        + f"Run directory: {analysis['run_directory']}."
    )


def nan_words(nan: list[dict[str, Any]]) -> str:
    """``5 of 60 subnet accuracies of 1 cell are NaN, left out of every statistic``."""
    count, of = sum(n["nan"] for n in nan), sum(n["subnets"] for n in nan)
    cells = f"{len(nan)} cell{'s' if len(nan) != 1 else ''}"
    return f"{count} of {of} subnet accuracies of {cells} {'are' if count != 1 else 'is'} NaN, left out of every statistic"


def render_cells(doc: Document, analysis: Analysis, figure: FigureFile | None) -> None:
    """The cells that add nothing (or no accuracies), the damaged cell files, the NaN accuracies."""
    cells = analysis["cells"]
    if cells["missing"] or cells["unevaluated"]:
        doc.heading("Missing cells")
        doc.paragraph(
            "This run is partial: the cells below contribute nothing (not trained) or no accuracies (not evaluated). "
            "Rerun the suite to complete it; the report is remade when it finishes."
        )
        rows = [[c["id"], c["status"], f"{c['epochs_done']}/{c['epochs']}", c["reason"]] for c in cells["missing"] + cells["unevaluated"]]
        doc.table(["cell", "status", "epochs", "why it is missing"], rows)
    _damaged_files(doc, cells.get("damaged") or [])
    _nan_accuracies(doc, cells.get("nan_accuracies") or [])


def _damaged_files(doc: Document, damaged: list[dict[str, Any]]) -> None:
    if not damaged:
        return
    doc.heading("Damaged cell files")
    doc.paragraph(
        "These cell files cannot be used as they are, so the report leaves out what they hold: a damaged result.json the "
        "whole cell, a damaged evaluation.json the cell's accuracies, a damaged interference.jsonl its probe measurements. "
        "Each line names the file, what is wrong in it and how to recover; `nasbench-rss report` and `nasbench-rss claims` "
        "exit with code 3 until they are mended."
    )
    doc.bullets([f"{d['id']}: {d['problem']}" for d in damaged])


def _nan_accuracies(doc: Document, nan: list[dict[str, Any]]) -> None:
    if not nan:
        return
    doc.heading("NaN accuracies")
    doc.paragraph(
        f"{nan_words(nan)}: the accuracy of these evaluated subnets is NaN (or null) in their cell's evaluation.json, so no "
        "mean, spread, test or ranking of this report includes them. Per cell:"
    )
    doc.table(
        ["cell", "NaN accuracies", "evaluated subnets", "per bucket"],
        [[n["id"], str(n["nan"]), str(n["subnets"]), ", ".join(f"{label}: {k}" for label, k in n["buckets"].items())] for n in nan],
    )


SECTION = Section("cells", None, render_cells)
"""Computed with ``complete`` by :func:`overview`, rendered after the findings."""
