"""What the interference probe saw in each cell (its ``interference.jsonl``), summarised once per cell.

Per cell (one training seed): how many steps were probed, and over the probe updates on
steps that trained other subnets than the probe: ``hurt_share`` (the share after which the
probe's loss on the probe batch rose), ``mean_cosine`` (between the update and the probe's
descent direction), the mean measured and predicted loss changes, and ``pairwise_cosine``
(between the gradients of the subnets one step summed); also by probe and by epoch.  The
report's interference section and the ``interference`` claims both read these summaries.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nasbench_rss.analysis.records import Damage, ProbeLine, check
from nasbench_rss.cell.directory import INTERFERENCE_FILE, CellDirectory, CellFileError
from nasbench_rss.run.results import CellRecord


def probe_summaries(cells: list[CellRecord]) -> tuple[dict[str, dict[str, Any]], list[Damage]]:
    """Cell id -> the summary of its ``interference.jsonl``, for every trained cell that has one; and the
    damaged files (a cell whose file cannot be read or holds a line the summary cannot use has no summary)."""
    out, damaged = {}, []
    for cell in cells:
        if not cell.trained:
            continue
        directory = CellDirectory(cell.directory)
        try:
            lines = directory.read_jsonl(INTERFERENCE_FILE).records
        except CellFileError as error:
            damaged.append(Damage(cell.id, str(error)))
            continue
        problem = next((p for n, line in enumerate(lines, 1) if (p := _check_line(directory, n, line)) is not None), None)
        if problem is not None:
            damaged.append(Damage(cell.id, problem))
        elif lines:
            out[cell.id] = seed_summary(cell.seed, lines)
    return out, damaged


def _check_line(directory: CellDirectory, number: int, line: dict[str, Any]) -> str | None:
    return check(ProbeLine, line, f"{directory.file(INTERFERENCE_FILE)}:{number}", INTERFERENCE_FILE)


def seed_summary(seed: int, lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The summary of one cell's probe records (``lines``: its ``interference.jsonl``)."""
    others = [(line["epoch"], p) for line in lines for p in line["probes"] if not p.get("trained")]
    pairs = [(line["epoch"], q["cosine"]) for line in lines for q in line.get("pairwise", []) if q.get("cosine") is not None]
    by_probe: dict[str, dict[str, float | None]] = {}
    for label in dict.fromkeys(p["probe"] for _, p in others):
        mine = [p for _, p in others if p["probe"] == label]
        by_probe[label] = _probe_stats(mine)
    by_epoch = {}
    for epoch in sorted({line["epoch"] for line in lines}):
        stats = _probe_stats([p for e, p in others if e == epoch])
        stats["pairwise_cosine"] = finite_mean([c for e, c in pairs if e == epoch])
        by_epoch[epoch] = stats
    summary = {"seed": seed, "probed_steps": len(lines), "probe_updates": len(others), **_probe_stats([p for _, p in others])}
    summary["mean_measured_change"] = finite_mean([p["measured_change"] for _, p in others])
    summary["mean_predicted_change"] = finite_mean([p["predicted_change"] for _, p in others])
    summary["pairwise_cosine"] = finite_mean([c for _, c in pairs])
    summary["pairs"] = len(pairs)
    summary["by_probe"] = by_probe
    summary["by_epoch"] = by_epoch
    return summary


def _probe_stats(probes: list[dict[str, Any]]) -> dict[str, float | None]:
    cosines = [p["cosine"] for p in probes if p.get("cosine") is not None]
    return {
        "hurt_share": (sum(1 for p in probes if p["measured_change"] > 0) / len(probes)) if probes else None,
        "mean_cosine": finite_mean(cosines),
    }


def finite_mean(values: list[float | None]) -> float | None:
    """The mean of the finite values, None when there are none."""
    kept = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(kept)) if kept else None
