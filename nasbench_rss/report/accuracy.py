"""Per (architecture, dataset, run, bucket): summaries of subnet accuracy per seed and pooled.

Seeds are the unit of replication, so besides the pooled summary (all seeds' subnets
together) the mean of the seed means gets a bootstrap interval over seeds.
"""

from __future__ import annotations

from typing import Any

from nasbench_rss.analysis.populations import Bootstrap, Group, Population, buckets_of
from nasbench_rss.stats import describe, mean_ci


def accuracy_summaries(
    pops: dict[tuple[str, str, str], Population],
    groups: list[Group],
    runs: list[str],
    facts: list[dict[str, Any]],
    bootstrap: Bootstrap,
) -> list[dict[str, Any]]:
    """One entry per (arch, dataset, run, bucket) with evaluated subnets, in bucket then run order.

    Each holds the per-seed summaries with the raw accuracies (by subnet index), the pooled
    summary and the mean of seed means with its interval.
    """
    out = []
    for arch, dataset in groups:
        for bucket in buckets_of(facts, arch, dataset):
            label = bucket["label"]
            for run in runs:
                by_seed = pops.get((arch, dataset, run), {})
                per_seed = []
                for seed in sorted(by_seed):
                    subnets = by_seed[seed].get(label)
                    if not subnets:
                        continue
                    values = [s.accuracy for s in subnets]
                    per_seed.append(
                        {"seed": seed, "summary": describe(values).to_dict(), "indices": [s.index for s in subnets], "accuracy": values}
                    )
                if not per_seed:
                    continue
                pooled = [v for entry in per_seed for v in entry["accuracy"]]
                out.append(
                    {
                        "arch": arch,
                        "dataset": dataset,
                        "run": run,
                        "bucket": label,
                        "target": bucket["target"],
                        "seeds": [entry["seed"] for entry in per_seed],
                        "per_seed": per_seed,
                        "pooled": describe(pooled).to_dict(),
                        "mean_of_seed_means": mean_ci([e["summary"]["mean"] for e in per_seed], **bootstrap.kwargs()).to_dict(),
                    }
                )
    return out
