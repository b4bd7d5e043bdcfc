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

from nasbench_rss.analysis.populations import Bootstrap, Group
from nasbench_rss.analysis.probes import finite_mean
from nasbench_rss.run.results import CellRecord
from nasbench_rss.stats import mean_ci

STATISTICS = ("hurt_share", "mean_cosine", "mean_measured_change", "mean_predicted_change", "pairwise_cosine")


def interference(
    cells: list[CellRecord], groups: list[Group], runs: list[str], bootstrap: Bootstrap, probed: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """One entry per (arch, dataset, run) with probed cells: ``arch, dataset, run, seeds, per_seed, across_seeds,
    by_probe`` (label -> mean over seeds of ``hurt_share`` and ``mean_cosine``), ``by_epoch`` (``epochs``,
    ``hurt_share``, ``mean_cosine``, ``pairwise_cosine``: means over seeds, None where no seed has one).
    ``probed`` is :func:`nasbench_rss.analysis.probes.probe_summaries` of ``cells``."""
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
                    stat: finite_mean([s["by_probe"][label][stat] for s in per_seed if label in s["by_probe"]])
                    for stat in ("hurt_share", "mean_cosine")
                }
                for label in labels
            }
            epochs = sorted({e for s in per_seed for e in s["by_epoch"]})
            by_epoch = {"epochs": epochs}
            for stat in ("hurt_share", "mean_cosine", "pairwise_cosine"):
                by_epoch[stat] = [finite_mean([s["by_epoch"][e][stat] for s in per_seed if e in s["by_epoch"]]) for e in epochs]
            out.append(
                {
                    "arch": arch, "dataset": dataset, "run": run, "seeds": [s["seed"] for s in per_seed],
                    "per_seed": per_seed, "across_seeds": across, "by_probe": by_probe, "by_epoch": by_epoch,
                }
            )  # fmt: skip
    return out


def _over_seeds(values: list[float | None], bootstrap: Bootstrap) -> dict[str, Any]:
    kept = [v for v in values if v is not None]
    if not kept:
        return {"estimate": math.nan, "low": math.nan, "high": math.nan, "level": bootstrap.level, "method": "not available: no seed has one", "n": 0}
    return mean_ci(kept, **bootstrap.kwargs()).to_dict()
