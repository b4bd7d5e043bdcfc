"""Sampling exposure: the share of each run's optimizer steps spent in each evaluation bucket.

The paper's argument is that sampling bias (which subnets get trained how often) decides
the population's accuracy; shares on the evaluation's buckets put it next to accuracy.
"""

from __future__ import annotations

from typing import Any

from nasbench_rss.analysis.evidence import RunEvidence
from nasbench_rss.analysis.populations import unique
from nasbench_rss.stats import exposure_shares


def exposure(evidence: RunEvidence) -> list[dict[str, Any]]:
    """Per (arch, dataset, run): shares per seed and their mean over seeds.

    A step that trains k subnets counts once for each (the trainer's rule); ``outside``
    holds the steps on subnets in no bucket.
    """
    out = []
    for arch, dataset in evidence.groups:
        for run in evidence.runs:
            trained = [c for c in evidence.cells if (c.arch, c.dataset, c.run) == (arch, dataset, run) and c.id in evidence.exposure]
            if not trained:
                continue
            per_seed = []
            for cell in trained:
                record = evidence.exposure[cell.id]
                shares = exposure_shares(record.subnets, cell.evaluation.get("buckets", []), cell.evaluation.get("tolerance", 0.5))
                per_seed.append(
                    {
                        "seed": cell.seed,
                        "shares": shares,
                        "total_subnet_steps": record.total_subnet_steps,
                        "distinct_subnets": record.distinct_subnets,
                    }
                )
            labels = unique(label for entry in per_seed for label in entry["shares"])
            mean = {label: sum(e["shares"].get(label, 0.0) for e in per_seed) / len(per_seed) for label in labels}
            out.append({"arch": arch, "dataset": dataset, "run": run, "seeds": [e["seed"] for e in per_seed], "shares": mean, "per_seed": per_seed})
    return out
