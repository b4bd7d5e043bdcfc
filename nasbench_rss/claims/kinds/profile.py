"""Claims on a run's accuracy profile across buckets: ``peak-at`` and ``bias-follows-exposure``.

- ``peak-at``: seed estimate: the claimed bucket's mean accuracy minus each other bucket's;
  subnet level: one-sided Welch t-tests between the buckets' subnets.
- ``bias-follows-exposure``: seed estimate: Spearman's rank correlation (Fisher z) between
  each bucket's kernel-smoothed share of the training steps and its mean accuracy;
  subnet level: the exact permutation test of that correlation.
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
    points,
    seed_basis,
    seed_test,
    untestable,
)
from nasbench_rss.claims.kinds.common import Claim
from nasbench_rss.space.buckets import bucket_key
from nasbench_rss.stats.exposure import smoothed_exposure
from nasbench_rss.stats.one_sided import spearman_exact, welch_greater
from nasbench_rss.stats.ranking import spearman_rho

Z_CLIP = 0.999
"""Rank correlations are clipped to +-0.999 before Fisher's z (a perfect 1 has infinite z)."""


def _profile(evidence: Evidence, run: str, seed: int, labels: list[str]) -> dict[str, list[float]]:
    by_bucket = evidence.populations.get(run, {}).get(seed, {})
    return {label: [s.accuracy for s in by_bucket.get(label, [])] for label in labels if by_bucket.get(label)}


class PeakAt(Claim):
    options: o.PeakAtOptions

    def describe(self) -> str:
        return f"{self.options.run}'s mean accuracy across buckets peaks at bucket {bucket_key(self.options.bucket)}"

    def evaluate(self, evidence: Evidence) -> ClaimTest:
        op = self.options
        peak = evidence.label_of(op.bucket)
        labels = evidence.evaluated_labels()
        if peak not in labels:
            return untestable(f"bucket {bucket_key(op.bucket)} is not evaluated")
        seeds = [s for s in evidence.seeds(op.run) if peak in _profile(evidence, op.run, s, labels)]
        if not seeds:
            return untestable(f"no evaluated cell of {op.run} with subnets in bucket {bucket_key(op.bucket)}")
        profiles = {s: _profile(evidence, op.run, s, labels) for s in seeds}
        others = [label for label in labels if label != peak and all(label in profiles[s] for s in seeds)]
        if not others:
            return untestable("no other bucket is evaluated at every seed")
        tests, rows = [], []
        for other in others:
            gaps = {s: float(np.mean(profiles[s][peak]) - np.mean(profiles[s][other])) for s in seeds}
            a = np.concatenate([profiles[s][peak] for s in seeds])
            b = np.concatenate([profiles[s][other] for s in seeds])
            subnet = welch_greater(a, b)
            test = seed_test(gaps, 0.0, "greater") if len(seeds) >= 2 else subnet
            tests.append(test)
            rows.append({"other": other, "gap": float(np.mean(list(gaps.values()))), "per_seed": {str(s): g for s, g in gaps.items()},
                         "p_for": test.p_for, "p_against": test.p_against, "test": test.test,
                         "subnet_level": {"p_for": subnet.p_for, "p_against": subnet.p_against}})  # fmt: skip
        p_for, p_against = intersection_union(tests)
        means = {label: float(np.mean([np.mean(profiles[s][label]) for s in seeds])) for label in [peak, *others]}
        observed = max(means, key=lambda label: means[label])
        seed_peaks = {s: max(profiles[s], key=lambda label: float(np.mean(profiles[s][label]))) for s in seeds}
        closest = min(rows, key=lambda r: r["gap"])
        return ClaimTest(
            statistic=(
                f"peak at bucket {observed} (claimed {peak}; per seed: {', '.join(seed_peaks[s] for s in seeds)}); "
                f"bucket {peak} - bucket {closest['other']} {points(closest['gap'])}"
            ),
            estimate=closest["gap"],
            p_for=p_for,
            p_against=p_against,
            basis=seed_basis(len(seeds)),
            seeds=seeds,
            per_seed={s: min(float(r["per_seed"][str(s)]) for r in rows) for s in seeds},
            subnet_level={"p_for": intersection_union([OneSided(r["subnet_level"]["p_for"], r["subnet_level"]["p_against"], "") for r in rows])[0]},
            units=rows,
        )


class BiasFollowsExposure(Claim):
    options: o.BiasFollowsExposureOptions

    def describe(self) -> str:
        op = self.options
        return (
            f"{op.run}'s bucket accuracy rises with the training its neighbourhood got "
            f"(rank correlation > 0; exposure smoothed with a {op.bandwidth:g}-MFLOP Gaussian)"
        )

    def evaluate(self, evidence: Evidence) -> ClaimTest:
        op = self.options
        labels = evidence.evaluated_labels()
        trained = evidence.trained.get(op.run, {})
        seeds = [s for s in evidence.seeds(op.run) if s in trained]
        if not seeds:
            return untestable(f"no cell of {op.run} both trained (with exposure) and evaluated")
        rhos, rows = {}, []
        pooled_exposure = np.zeros(len(labels))
        pooled_accuracy = np.zeros(len(labels))
        used = 0
        for seed in seeds:
            profile = _profile(evidence, op.run, seed, labels)
            present = [label for label in labels if label in profile]
            if len(present) < 3:
                continue
            shares = smoothed_exposure(trained[seed], [evidence.target_of(label) for label in present], op.bandwidth)
            exposure = np.asarray([shares[label] for label in present]) if isinstance(shares, dict) else np.asarray(shares)
            accuracy = np.asarray([float(np.mean(profile[label])) for label in present])
            rho = spearman_rho(exposure, accuracy)
            if not math.isnan(rho):
                rhos[seed] = rho
            rows.append({"seed": seed, "buckets": present, "exposure": exposure.tolist(), "accuracy": accuracy.tolist(), "rho": rho})
            if len(present) == len(labels):
                pooled_exposure += exposure
                pooled_accuracy += accuracy
                used += 1
        if not rows:
            return untestable("fewer than 3 evaluated buckets")
        if not rhos:
            return untestable("the exposure or the accuracy does not vary across buckets: no rank correlation", seeds)
        subnet = (
            spearman_exact(pooled_exposure / used, pooled_accuracy / used) if used
            else OneSided(math.nan, math.nan, "no seed with every bucket evaluated")
        )  # fmt: skip
        z = {s: math.atanh(max(-Z_CLIP, min(Z_CLIP, r))) for s, r in rhos.items()}
        test = seed_test(z, 0.0, "greater") if len(rhos) >= 2 else subnet
        mean_rho = float(np.mean(list(rhos.values())))
        return ClaimTest(
            statistic=f"Spearman rank correlation of exposure and accuracy {mean_rho:+.2f} (per seed: "
            + ", ".join(f"{rhos[s]:+.2f}" for s in sorted(rhos)) + ")",
            estimate=mean_rho,
            p_for=test.p_for,
            p_against=test.p_against,
            basis=seed_basis(len(rhos)),
            seeds=sorted(rhos),
            per_seed=rhos,
            subnet_level={"p_for": subnet.p_for, "p_against": subnet.p_against, "test": subnet.test},
            units=rows,
        )
