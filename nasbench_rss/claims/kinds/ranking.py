"""The ``ranking`` claim: how well a run's inherited accuracies rank the stand-alone references.

One value per cell (seed) of a ranking measure (:mod:`nasbench_rss.analysis.ranking`),
against another run's or against a bound; no subnet level, so one seed gives no test.
"""

from __future__ import annotations

import math

import numpy as np

from nasbench_rss.claims import options as o
from nasbench_rss.claims.base import ClaimTest, Direction, Evidence, untestable
from nasbench_rss.claims.kinds.common import Claim, seed_level
from nasbench_rss.space.buckets import bucket_key

RANKING_KEYS = {
    "kendall-tau": "kendall_tau",
    "spearman-rho": "spearman_rho",
    "pearson-r": "pearson_r",
    "precision-at-k": "precision_at_k",
    "top-pick-rank": "top_pick_rank",
}


class RankingClaim(Claim):
    """How well a run's inherited accuracies rank the stand-alone references: per-seed values, seeds the replicates."""

    options: o.RankingOptions

    def describe(self) -> str:
        op = self.options
        scope = "all references" if op.scope == "all" else f"the references of bucket {bucket_key(op.scope)}"
        better = "lower" if op.measure == "top-pick-rank" else "higher"
        against = f"than {op.than}'s" if op.than is not None else f"than {op.value:g}"
        return f"{op.run}: {op.measure} against stand-alone training over {scope} {better} {against}"

    def evaluate(self, evidence: Evidence) -> ClaimTest:
        op = self.options
        key = RANKING_KEYS[op.measure]
        scope = "all" if op.scope == "all" else evidence.label_of(float(op.scope))
        if not evidence.ranking:
            return untestable("the run directory has no evaluated stand-alone references (add references: to the suite)")

        def values(run: str) -> dict[int, float]:
            by_seed = evidence.ranking.get(run, {})
            return {s: m[scope][key] for s, m in by_seed.items() if scope in m and math.isfinite(m[scope][key])}

        mine = values(op.run)
        other = values(op.than) if op.than is not None else None
        if not mine or (other is not None and not other):
            missing = op.run if not mine else op.than
            return untestable(f"{missing} has no {op.measure} over {scope} (too few evaluated references, or a constant ranking)")
        seeds = sorted(set(mine) & set(other)) if other is not None else sorted(mine)
        if not seeds:
            return untestable(f"no seed at which both {op.run} and {op.than} have a {op.measure}")
        null = 0.0 if other is not None else float(op.value)
        differences = {s: mine[s] - (other[s] if other is not None else 0.0) for s in seeds}
        direction: Direction = "less" if op.measure == "top-pick-rank" else "greater"
        estimate = float(np.mean(list(differences.values())))
        test, basis = seed_level(differences, null, direction, "a ranking measure")
        words = f"{op.run} - {op.than}" if other is not None else op.run
        return ClaimTest(
            statistic=f"{op.measure} over {scope}: {words} {estimate:+.3g} (mean over seeds)" if other is not None
            else f"{op.measure} over {scope}: {op.run} {estimate:.3g} (mean over seeds; bound {null:g})",
            estimate=estimate,
            p_for=test.p_for,
            p_against=test.p_against,
            basis=basis,
            seeds=seeds,
            per_seed=differences,
            subnet_level={"test": test.test, op.run: {str(s): mine[s] for s in seeds}, **({op.than: {str(s): other[s] for s in seeds}} if other is not None else {})},
        )
