"""The ``interference`` claim: what the interference probe measured, run against run.

One value per cell (seed) of a probe measure; seed estimate: the difference of two runs'
values; no subnet level (a cell has one value), so one seed gives no test.
"""

from __future__ import annotations

import numpy as np

from nasbench_rss.claims import options as o
from nasbench_rss.claims.base import ClaimTest, Direction, Evidence, untestable
from nasbench_rss.claims.kinds.common import Claim, seed_level

MEASURE_KEYS = {"hurt-share": "hurt_share", "cosine": "mean_cosine", "pairwise-cosine": "pairwise_cosine"}
MEASURE_WORDS = {
    "hurt-share": "its probe updates hurt other subnets {more} often",
    "cosine": "its updates point {more} along the probes' descent directions",
    "pairwise-cosine": "the gradients of the subnets a step sums agree {more}",
}


class InterferenceClaim(Claim):
    """What the interference probe measured, run against run: per-seed differences, seeds the replicates."""

    options: o.InterferenceOptions

    def describe(self) -> str:
        op = self.options
        more = "more" if op.direction == "higher" else "less"
        return f"{op.run}: {MEASURE_WORDS[op.measure].format(more=more)} than {op.than}'s (interference probe)"

    def evaluate(self, evidence: Evidence) -> ClaimTest:
        op = self.options
        key = MEASURE_KEYS[op.measure]
        run, than = evidence.interference.get(op.run, {}), evidence.interference.get(op.than, {})
        missing = [name for name, probed in ((op.run, run), (op.than, than)) if not probed]
        if missing:
            return untestable(f"no cell of {', '.join(missing)} ran the interference probe (observers: [interference])")
        seeds = [s for s in sorted(set(run) & set(than)) if run[s].get(key) is not None and than[s].get(key) is not None]
        if not seeds:
            return untestable(f"no seed at which both {op.run} and {op.than} have a {op.measure} (pairwise needs several subnets per step)")
        differences = {s: float(run[s][key]) - float(than[s][key]) for s in seeds}
        direction: Direction = "greater" if op.direction == "higher" else "less"
        estimate = float(np.mean(list(differences.values())))
        scale = 100.0 if op.measure == "hurt-share" else 1.0
        unit = " pp" if op.measure == "hurt-share" else ""
        test, basis = seed_level(differences, 0.0, direction, "a probe measure")
        return ClaimTest(
            statistic=f"{op.measure} {op.run} - {op.than} {scale * estimate:+.3g}{unit} (mean over seeds)",
            estimate=estimate,
            p_for=test.p_for,
            p_against=test.p_against,
            basis=basis,
            seeds=seeds,
            per_seed=differences,
            subnet_level={"test": test.test, op.run: {str(s): run[s][key] for s in seeds}, op.than: {str(s): than[s][key] for s in seeds}},
        )
