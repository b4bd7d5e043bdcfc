"""The ``lower-variance`` claim: a run's accuracies spread less than another's.

Seed estimate: log(variance of run / variance of than); subnet level: the one-sided
Brown-Forsythe test (Student's t on absolute deviations from each sample's median; with
two samples this is the Brown-Forsythe F test's square root).
"""

from __future__ import annotations

import math

import numpy as np

from nasbench_rss.claims import options as o
from nasbench_rss.claims.base import (
    ClaimTest,
    Evidence,
    OneSided,
    intersection_union,
    seed_basis,
    seed_test,
    untestable,
)
from nasbench_rss.claims.kinds.common import Claim, buckets_words
from nasbench_rss.stats.one_sided import spread_smaller


class LowerVariance(Claim):
    options: o.LowerVarianceOptions

    def describe(self) -> str:
        op = self.options
        where = "over the whole evaluated population" if op.scope == "population" else buckets_words(op.buckets, False)
        return f"{op.run}'s accuracies vary less than {op.than}'s {where}"

    def evaluate(self, evidence: Evidence) -> ClaimTest:
        op = self.options
        missing = [run for run in (op.run, op.than) if not evidence.populations.get(run)]
        if missing:
            return untestable(f"no evaluated cell of {', '.join(missing)}")
        labels = evidence.evaluated_labels() if op.scope == "population" else evidence.labels(op.buckets)
        units = [labels] if op.scope == "population" else [[label] for label in labels]
        seeds = evidence.seeds(op.run, op.than)
        tests, rows = [], []
        for unit in units:
            per_seed: dict[int, float] = {}
            pooled_run, pooled_than = [], []
            for seed in seeds:
                run = np.asarray([s.accuracy for s in evidence.subnets(op.run, seed, unit)])
                than = np.asarray([s.accuracy for s in evidence.subnets(op.than, seed, unit)])
                if run.size >= 2 and than.size >= 2 and np.var(run) > 0 and np.var(than) > 0:
                    per_seed[seed] = math.log(np.var(run, ddof=1) / np.var(than, ddof=1))
                pooled_run.append(run)
                pooled_than.append(than)
            # Subnet level: the seeds' deviations from their own medians, so seed shifts are not spread.
            subnet = spread_smaller(
                np.concatenate([r - np.median(r) for r in pooled_run if r.size]) if pooled_run else np.array([]),
                np.concatenate([t - np.median(t) for t in pooled_than if t.size]) if pooled_than else np.array([]),
            )
            test = seed_test(per_seed, 0.0, "less") if len(per_seed) >= 2 else subnet
            tests.append(test)
            rows.append(
                {
                    "buckets": unit,
                    "log_variance_ratio": {str(s): v for s, v in per_seed.items()},
                    **test.to_dict(),
                    "subnet_level": subnet.to_dict(),
                }
            )
        p_for, p_against = intersection_union(tests)
        ratios = [math.exp(float(np.mean(list(r["log_variance_ratio"].values())))) for r in rows if r["log_variance_ratio"]]
        if not ratios:
            return untestable("no seed with at least 2 varying accuracies in both runs", seeds)
        worst = max(ratios)
        statistic = (
            f"variance ratio {op.run}/{op.than} {ratios[0]:.2f} (geometric mean over seeds)" if len(ratios) == 1
            else f"variance ratio {op.run}/{op.than} per bucket {min(ratios):.2f} to {max(ratios):.2f}"
        )  # fmt: skip
        first = rows[0]["log_variance_ratio"]
        return ClaimTest(
            statistic=statistic,
            estimate=worst,
            p_for=p_for,
            p_against=p_against,
            basis=seed_basis(len(first)),
            seeds=sorted(int(s) for s in first),
            per_seed={int(s): math.exp(v) for s, v in first.items()},
            subnet_level={"p_for": intersection_union([OneSided(r["subnet_level"]["p_for"], r["subnet_level"]["p_against"], "") for r in rows])[0]},
            units=rows,
        )
