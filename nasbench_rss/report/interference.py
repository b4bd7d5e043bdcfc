"""Interference measured while training: what the probe (``interference.jsonl``) saw, per run.

For each (architecture, dataset, run) whose cells ran the interference probe
(:mod:`nasbench_rss.train.observers.interference`), per seed and then as the mean over
seeds with a bootstrap interval over seeds (seeds are the replicates):

- ``hurt_share``: of the probe updates where the probe was *not* among the step's trained
  subnets, the share whose measured loss on the probe batch rose: a step on other
  subnets made this one worse, interference made visible;
- ``mean_cosine``: the mean cosine between the update and the probe's descent direction
  over its weights (> 0: the step helped it to first order; < 0: it pushed it uphill);
- ``mean_measured_change`` and ``mean_predicted_change`` of the probe losses;
- ``pairwise_cosine``: the mean cosine between the gradients of the subnets that one
  step summed (only runs that train several subnets per step have it): near 1 the
  subnets agree, near 0 or below they pull the shared weights apart.

Also by probe (its bucket label, ``smallest``, ``largest``) and by epoch, over seeds, for
the figure of interference over training.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nasbench_rss.cell.directory import INTERFERENCE_FILE, CellDirectory
from nasbench_rss.analysis.populations import Bootstrap, Group
from nasbench_rss.run.results import CellRecord
from nasbench_rss.stats import mean_ci

STATISTICS = ("hurt_share", "mean_cosine", "mean_measured_change", "mean_predicted_change", "pairwise_cosine")


def interference(
    cells: list[CellRecord], groups: list[Group], runs: list[str], bootstrap: Bootstrap, probed: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """One entry per (arch, dataset, run) with probed cells: ``arch, dataset, run, seeds, per_seed, across_seeds,
    by_probe`` (label -> mean over seeds of ``hurt_share`` and ``mean_cosine``), ``by_epoch`` (``epochs``,
    ``hurt_share``, ``mean_cosine``, ``pairwise_cosine``: means over seeds, None where no seed has one).
    ``probed`` is :func:`probe_summaries` of ``cells``."""
    out = []
    for arch, dataset in groups:
        for run in runs:
            mine = [c for c in cells if (c.arch, c.dataset, c.run) == (arch, dataset, run) and c.id in probed]
            per_seed = [probed[cell.id] for cell in sorted(mine, key=lambda c: c.seed)]
            if not per_seed:
                continue
            across = {name: _over_seeds([s[name] for s in per_seed], bootstrap) for name in STATISTICS}
            labels = list(dict.fromkeys(label for s in per_seed for label in s["by_probe"]))
            by_probe = {
                label: {
                    stat: _mean([s["by_probe"][label][stat] for s in per_seed if label in s["by_probe"]])
                    for stat in ("hurt_share", "mean_cosine")
                }
                for label in labels
            }
            epochs = sorted({e for s in per_seed for e in s["by_epoch"]})
            by_epoch = {"epochs": epochs}
            for stat in ("hurt_share", "mean_cosine", "pairwise_cosine"):
                by_epoch[stat] = [_mean([s["by_epoch"][e][stat] for s in per_seed if e in s["by_epoch"]]) for e in epochs]
            out.append(
                {
                    "arch": arch, "dataset": dataset, "run": run, "seeds": [s["seed"] for s in per_seed],
                    "per_seed": per_seed, "across_seeds": across, "by_probe": by_probe, "by_epoch": by_epoch,
                }
            )  # fmt: skip
    return out


def probe_summaries(cells: list[CellRecord]) -> dict[str, dict[str, Any]]:
    """Cell id -> the summary of its ``interference.jsonl``, for every trained cell that has one."""
    out = {}
    for cell in cells:
        if cell.trained:
            lines = CellDirectory(cell.directory).read_jsonl(INTERFERENCE_FILE).records
            if lines:
                out[cell.id] = _seed_summary(cell.seed, lines)
    return out


def _seed_summary(seed: int, lines: list[dict[str, Any]]) -> dict[str, Any]:
    others = [(line["epoch"], p) for line in lines for p in line["probes"] if not p.get("trained")]
    pairs = [(line["epoch"], q["cosine"]) for line in lines for q in line.get("pairwise", []) if q.get("cosine") is not None]
    by_probe: dict[str, dict[str, float | None]] = {}
    for label in dict.fromkeys(p["probe"] for _, p in others):
        mine = [p for _, p in others if p["probe"] == label]
        by_probe[label] = _probe_stats(mine)
    by_epoch = {}
    for epoch in sorted({line["epoch"] for line in lines}):
        stats = _probe_stats([p for e, p in others if e == epoch])
        stats["pairwise_cosine"] = _mean([c for e, c in pairs if e == epoch])
        by_epoch[epoch] = stats
    summary = {"seed": seed, "probed_steps": len(lines), "probe_updates": len(others), **_probe_stats([p for _, p in others])}
    summary["mean_measured_change"] = _mean([p["measured_change"] for _, p in others])
    summary["mean_predicted_change"] = _mean([p["predicted_change"] for _, p in others])
    summary["pairwise_cosine"] = _mean([c for _, c in pairs])
    summary["pairs"] = len(pairs)
    summary["by_probe"] = by_probe
    summary["by_epoch"] = by_epoch
    return summary


def _probe_stats(probes: list[dict[str, Any]]) -> dict[str, float | None]:
    cosines = [p["cosine"] for p in probes if p.get("cosine") is not None]
    return {
        "hurt_share": (sum(1 for p in probes if p["measured_change"] > 0) / len(probes)) if probes else None,
        "mean_cosine": _mean(cosines),
    }


def _mean(values: list[float | None]) -> float | None:
    kept = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(kept)) if kept else None


def _over_seeds(values: list[float | None], bootstrap: Bootstrap) -> dict[str, Any]:
    kept = [v for v in values if v is not None]
    if not kept:
        return {"estimate": math.nan, "low": math.nan, "high": math.nan, "level": bootstrap.level, "method": "not available: no seed has one", "n": 0}
    return mean_ci(kept, **bootstrap.kwargs()).to_dict()
