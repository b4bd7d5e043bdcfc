"""Training time: per cell, per run (mean over seeds with an interval), and ratios to the baseline.

Ratios are the baseline's time over the run's (above 1: the run trained faster, as the
paper's "1.9 times faster"), paired by training seed, in total and per epoch (runs may
train different numbers of epochs, like RSS-Short).
"""

from __future__ import annotations

from typing import Any

from nasbench_rss.report.populations import Bootstrap, Group
from nasbench_rss.run.results import CellRecord
from nasbench_rss.stats import describe, mean_ci, time_ratio

RATIO_DEFINITION = "baseline's training time over the run's (above 1: the run trained faster), paired by training seed"


def training_time(cells: list[CellRecord], groups: list[Group], runs: list[str], baseline: str | None, bootstrap: Bootstrap) -> dict[str, Any]:
    """The training-time section of the analysis."""
    per_cell = [_cell(cell) for cell in cells if cell.result is not None]
    per_run, ratios, omitted = [], [], []
    for arch, dataset in groups:
        rows_of = {run: [r for r in per_cell if (r["arch"], r["dataset"], r["run"]) == (arch, dataset, run)] for run in runs}
        for run in runs:
            rows = rows_of[run]
            if rows:
                per_run.append(
                    {
                        "arch": arch,
                        "dataset": dataset,
                        "run": run,
                        "seeds": [r["seed"] for r in rows],
                        "epochs": sorted({r["epochs"] for r in rows}),
                        "train_seconds": describe([r["train_seconds"] for r in rows]).to_dict(),
                        "mean_seconds": mean_ci([r["train_seconds"] for r in rows], **bootstrap.kwargs()).to_dict(),
                        "mean_seconds_per_epoch": mean_ci([r["seconds_per_epoch"] for r in rows], **bootstrap.kwargs()).to_dict(),
                    }
                )
        if baseline is None or baseline not in runs:
            continue
        base = {r["seed"]: r for r in rows_of[baseline]}
        for run in runs:
            ours = {r["seed"]: r for r in rows_of[run]}
            if run == baseline or not ours:
                continue
            shared = sorted(set(base) & set(ours))
            if not shared:
                omitted.append({"arch": arch, "dataset": dataset, "run": run, "reason": f"no seed with both {run} and the baseline {baseline} trained"})
                continue
            ratios.append(
                {
                    "arch": arch,
                    "dataset": dataset,
                    "run": run,
                    "baseline": baseline,
                    "seeds": shared,
                    "total": _ratio(base, ours, shared, "train_seconds", bootstrap),
                    "per_epoch": _ratio(base, ours, shared, "seconds_per_epoch", bootstrap),
                }
            )
    reason = None
    if baseline is None:
        reason = "the suite names no baseline"
    elif baseline not in runs:
        reason = f"the baseline {baseline!r} is not a run of this suite"
    definition = next((c.result["train_seconds_definition"] for c in cells if c.result and c.result.get("train_seconds_definition")), None)
    return {
        "definition": definition,
        "ratio_definition": RATIO_DEFINITION,
        "cells": per_cell,
        "runs": per_run,
        "ratios": ratios,
        "ratios_omitted": omitted,
        "ratios_reason": reason,
    }


def _cell(cell: CellRecord) -> dict[str, Any]:
    result = cell.result or {}
    seconds = float(result["train_seconds"])
    epochs = len(result.get("epoch_seconds") or []) or cell.epochs
    return {
        "id": cell.id,
        "arch": cell.arch,
        "dataset": cell.dataset,
        "run": cell.run,
        "seed": cell.seed,
        "epochs": epochs,
        "train_seconds": seconds,
        "seconds_per_epoch": seconds / epochs,
        "images_per_second": result.get("images_per_second"),
        "device": (result.get("provenance") or {}).get("device_name"),
    }


def _ratio(base: dict[int, dict], ours: dict[int, dict], seeds: list[int], key: str, bootstrap: Bootstrap) -> dict[str, Any]:
    return time_ratio({s: base[s][key] for s in seeds}, {s: ours[s][key] for s in seeds}, **bootstrap.kwargs()).to_dict()
