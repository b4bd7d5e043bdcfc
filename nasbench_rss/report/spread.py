"""Whole-population spread per (architecture, dataset, run): variance, best and worst k, range.

The paper's Fig. 1b says RSS has "better top performing subnets with a lower variance in
the population", and Sec. 6.2 that "the range of best performing to worst performing
subnets is significantly smaller for RSS".  Both are about the whole population, all
MFLOP buckets together, which the per-bucket accuracy summaries do not show.  So, per
training seed, over all of the cell's evaluated subnets: the sample variance and standard
deviation (ddof=1), the mean of the best and of the worst ``k`` subnets, and the range
(best minus worst); then, seeds being the unit of replication, the mean of each over
seeds with a bootstrap interval over seeds (none with one seed).

Partial data is analysed as it is: a seed whose cell is not evaluated is not there, a
seed with fewer evaluated buckets is used with the buckets it has (and ``notes`` says so),
and a statistic that a seed cannot have (a variance of one subnet) is left out of the
mean over seeds for that statistic only.
"""

from __future__ import annotations

import math
from typing import Any

from nasbench_rss.analysis.populations import Bootstrap, Group, Population
from nasbench_rss.stats import describe, mean_ci

TOP_K = 5
"""Subnets in the best-k and worst-k means (fewer when a seed's population is smaller)."""

STATISTICS = ("mean", "variance", "std", "best_k_mean", "worst_k_mean", "range")
"""The per-seed statistics that get a mean over seeds, in table order."""

ONE_SEED = "one seed: no interval over seeds"


def population_spread(
    pops: dict[tuple[str, str, str], Population],
    groups: list[Group],
    runs: list[str],
    bootstrap: Bootstrap,
    k: int = TOP_K,
) -> list[dict[str, Any]]:
    """One entry per (arch, dataset, run) with at least one evaluated seed, in group then run order.

    Entry keys: ``arch, dataset, run, k`` (the k asked for), ``seeds``, ``per_seed`` (one
    dict per seed: ``seed, n, buckets, k, mean, variance, std, best_k_mean,
    worst_k_mean, best, worst, range, note``), ``across_seeds`` (statistic ->
    ``Interval.to_dict()`` of its mean over seeds, estimate NaN when no seed has it),
    ``interval_note`` (``"one seed: ..."`` or None) and ``notes`` (partial data).
    Accuracies are fractions; variance in fraction², range in fraction.
    """
    out = []
    for arch, dataset in groups:
        for run in runs:
            by_seed = pops.get((arch, dataset, run), {})
            per_seed = [entry for seed in sorted(by_seed) if (entry := _seed_spread(seed, by_seed[seed], k)) is not None]
            if not per_seed:
                continue
            notes = [e["note"] for e in per_seed if e["note"]]
            bucket_sets = {tuple(e["buckets"]) for e in per_seed}
            if len(bucket_sets) > 1:
                notes.append(
                    "seeds were evaluated on different buckets ("
                    + "; ".join(f"seed {e['seed']}: {', '.join(e['buckets'])}" for e in per_seed)
                    + "), so their populations differ"
                )
            across = {}
            for name in STATISTICS:
                values = [e[name] for e in per_seed if math.isfinite(e[name])]
                if values:
                    across[name] = mean_ci(values, **bootstrap.kwargs()).to_dict()
                else:
                    across[name] = {
                        "estimate": math.nan, "low": math.nan, "high": math.nan, "level": bootstrap.level,
                        "method": "not available: no seed has two or more subnets", "n": 0,
                    }
                if 0 < len(values) < len(per_seed):
                    notes.append(f"{name}: mean over {len(values)} of {len(per_seed)} seeds (the others have one subnet)")
            out.append(
                {
                    "arch": arch,
                    "dataset": dataset,
                    "run": run,
                    "k": k,
                    "seeds": [e["seed"] for e in per_seed],
                    "per_seed": per_seed,
                    "across_seeds": across,
                    "interval_note": ONE_SEED if len(per_seed) == 1 else None,
                    "notes": notes,
                }
            )
    return out


def _seed_spread(seed: int, buckets: dict[str, list[Any]], k: int) -> dict[str, Any] | None:
    """The spread of one seed's subnets, all buckets together; None when it has none."""
    values = [s.accuracy for subnets in buckets.values() for s in subnets]
    if not values:
        return None
    summary = describe(values)
    ordered = sorted(values, reverse=True)
    used = min(k, len(ordered))
    note = None
    if used < k:
        note = f"seed {seed}: {len(ordered)} subnets, so best and worst k = {used} (fewer than {k})"
    if 2 * used > len(ordered):
        overlap = f"the best {used} and worst {used} of {len(ordered)} subnets overlap"
        note = f"{note}; {overlap}" if note else f"seed {seed}: {overlap}"
    return {
        "seed": seed,
        "n": summary.n,
        "buckets": list(buckets),
        "k": used,
        "mean": summary.mean,
        "variance": summary.var,
        "std": summary.std,
        "best_k_mean": math.fsum(ordered[:used]) / used,
        "worst_k_mean": math.fsum(ordered[-used:]) / used,
        "best": summary.max,
        "worst": summary.min,
        "range": summary.max - summary.min,
        "note": note,
    }
