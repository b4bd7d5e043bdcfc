"""Claims on paired accuracy differences: ``better``, ``not-worse``, ``ordering``, ``interaction``.

Paired on the subnets every compared run evaluated (same seed, bucket, index, encoding).
Seed estimate: the mean difference (for ``interaction`` the contrast ``(a - b) - (c - d)``
of four runs); subnet level: the one-sided paired Wilcoxon signed-rank test (exact for
small samples, mid-ranks for ties).  Per bucket (intersection-union) or pooled.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from nasbench_rss.claims import options as o
from nasbench_rss.claims.base import (
    ClaimTest,
    Direction,
    Evidence,
    OneSided,
    intersection_union,
    points,
    seed_basis,
    seed_test,
    untestable,
)
from nasbench_rss.claims.kinds.common import Claim, buckets_words
from nasbench_rss.space.buckets import bucket_key
from nasbench_rss.stats.one_sided import wilcoxon_against


def _differences(evidence: Evidence, runs: Sequence[str], labels: list[str], contrast: Callable[[list[np.ndarray]], np.ndarray]) -> dict[int, np.ndarray]:
    """Seed -> the per-subnet contrast of ``runs``' accuracies on their shared subnets in ``labels``."""
    out = {}
    for seed in evidence.seeds(*runs):
        rows = evidence.paired(runs, seed, labels)
        if rows and rows[0]:
            out[seed] = contrast([np.asarray(r, dtype=float) for r in rows])
    return out


def paired_claim(
    evidence: Evidence,
    runs: Sequence[str],
    contrast: Callable[[list[np.ndarray]], np.ndarray],
    buckets: Any,
    pooled: bool,
    null: float,
    direction: Direction,
    what: str,
) -> ClaimTest:
    """A claim on a paired contrast (``what`` names it), per bucket (intersection-union) or pooled."""
    labels = evidence.labels(buckets)
    if not labels:
        return untestable("none of the claim's buckets is evaluated")
    skipped = [] if buckets == "all" else [bucket_key(b) for b in buckets if evidence.label_of(b) not in labels]
    missing = [run for run in runs if not evidence.populations.get(run)]
    if missing:
        return untestable(f"no evaluated cell of {', '.join(missing)}")
    units = [labels] if pooled else [[label] for label in labels]
    unit_tests, unit_rows, all_seeds = [], [], set()
    for unit in units:
        diffs = _differences(evidence, runs, unit, contrast)
        if not diffs:
            unit_rows.append({"buckets": unit, "note": "no subnet evaluated by all of the runs at one seed"})
            unit_tests.append(OneSided(math.nan, math.nan, "none"))
            continue
        all_seeds |= set(diffs)
        per_seed = {s: float(np.mean(d)) for s, d in diffs.items()}
        pooled_values = np.concatenate([diffs[s] for s in sorted(diffs)])
        subnet = wilcoxon_against(pooled_values, null, direction)
        test = seed_test(per_seed, null, direction) if len(diffs) >= 2 else subnet
        unit_tests.append(test)
        unit_rows.append(
            {
                "buckets": unit,
                "pairs": int(pooled_values.size),
                "mean": float(np.mean(pooled_values)),
                "per_seed": {str(s): v for s, v in per_seed.items()},
                **test.to_dict(),
                "subnet_level": subnet.to_dict(),
            }
        )
    p_for, p_against = intersection_union(unit_tests)
    tested = [r for r in unit_rows if "mean" in r]
    if not tested:
        return untestable("no subnet evaluated by all of the runs at one seed")
    means = [r["mean"] for r in tested]
    worst = min(means) if direction == "greater" else max(means)
    seeds = sorted(all_seeds)
    statistic = (
        f"{what} {points(means[0])}" if len(tested) == 1
        else f"{what} per bucket from {points(min(means))} to {points(max(means))} (least favourable {points(worst)})"
    )  # fmt: skip
    per_seed_all = {s: float(np.mean([float(r["per_seed"][str(s)]) for r in tested if str(s) in r["per_seed"]])) for s in seeds}
    return ClaimTest(
        statistic=statistic,
        estimate=worst,
        p_for=p_for,
        p_against=p_against,
        basis=seed_basis(len(seeds)),
        seeds=seeds,
        per_seed=per_seed_all,
        subnet_level={
            "p_for": intersection_union([OneSided(r["subnet_level"]["p_for"], r["subnet_level"]["p_against"], "") for r in tested])[0],
            "test": tested[0]["subnet_level"]["test"],
        },
        units=unit_rows,
        note=f"bucket(s) {', '.join(skipped)} not evaluated: tested on the others" if skipped else None,
    )


def _minus(rows: list[np.ndarray]) -> np.ndarray:
    return rows[0] - rows[1]


def _double_minus(rows: list[np.ndarray]) -> np.ndarray:
    return (rows[0] - rows[1]) - (rows[2] - rows[3])


class Better(Claim):
    options: o.BetterOptions

    def describe(self) -> str:
        op = self.options
        margin = f" by more than {100 * op.margin:g} pp" if op.margin else ""
        return f"{op.run} is more accurate than {op.than}{margin} {buckets_words(op.buckets, op.pooled)}"

    def evaluate(self, evidence: Evidence) -> ClaimTest:
        op = self.options
        return paired_claim(evidence, [op.run, op.than], _minus, op.buckets, op.pooled, op.margin, "greater", f"{op.run} - {op.than}")


class NotWorse(Claim):
    options: o.NotWorseOptions

    def describe(self) -> str:
        op = self.options
        return f"{op.run} is at most {100 * op.margin:g} pp less accurate than {op.than} {buckets_words(op.buckets, op.pooled)}"

    def evaluate(self, evidence: Evidence) -> ClaimTest:
        op = self.options
        return paired_claim(evidence, [op.run, op.than], _minus, op.buckets, op.pooled, -op.margin, "greater", f"{op.run} - {op.than}")


class Ordering(Claim):
    options: o.OrderingOptions

    def describe(self) -> str:
        op = self.options
        return f"accuracy is ordered {' > '.join(op.runs)} {buckets_words(op.buckets, op.pooled)}"

    def evaluate(self, evidence: Evidence) -> ClaimTest:
        op = self.options
        steps = [
            paired_claim(evidence, [a, b], _minus, op.buckets, op.pooled, 0.0, "greater", f"{a} - {b}")
            for a, b in zip(op.runs, op.runs[1:])
        ]
        untested = [t for t in steps if math.isnan(t.estimate)]
        if untested:
            return untestable("; ".join(t.note or "not testable" for t in untested))
        p_for, p_against = intersection_union([OneSided(t.p_for, t.p_against, "") for t in steps])
        seeds = sorted(set.intersection(*(set(t.seeds) for t in steps)))
        return ClaimTest(
            statistic="; ".join(t.statistic for t in steps),
            estimate=min(t.estimate for t in steps),
            p_for=p_for,
            p_against=p_against,
            basis=seed_basis(len(seeds)),
            seeds=seeds,
            units=[{"pair": [a, b], **t.to_dict()} for (a, b), t in zip(zip(op.runs, op.runs[1:]), steps)],
            subnet_level={"p_for": max(t.subnet_level.get("p_for", math.nan) for t in steps)},
        )


class Interaction(Claim):
    options: o.InteractionOptions

    def describe(self) -> str:
        op = self.options
        first, second = f"({op.change[0]} - {op.change[1]})", f"({op.versus[0]} - {op.versus[1]})"
        if op.expect == "same":
            return f"the effect {first} equals {second} within {100 * op.margin:g} pp {buckets_words(op.buckets, op.pooled)}"
        word = "larger" if op.expect == "larger" else "smaller (more negative)"
        return f"the effect {first} is {word} than {second} {buckets_words(op.buckets, op.pooled)}"

    def evaluate(self, evidence: Evidence) -> ClaimTest:
        op = self.options
        runs = [*op.change, *op.versus]
        what = "difference of effects"
        if op.expect != "same":
            direction: Direction = "greater" if op.expect == "larger" else "less"
            return paired_claim(evidence, runs, _double_minus, op.buckets, op.pooled, 0.0, direction, what)
        # Equivalence (two one-sided tests): the contrast is above -margin AND below +margin;
        # contradicted when it is beyond either bound.
        above = paired_claim(evidence, runs, _double_minus, op.buckets, op.pooled, -op.margin, "greater", what)
        below = paired_claim(evidence, runs, _double_minus, op.buckets, op.pooled, op.margin, "less", what)
        if math.isnan(above.estimate):
            return above
        test = above
        test.p_for = max(above.p_for, below.p_for)
        test.p_against = min(1.0, 2 * min(above.p_against, below.p_against))
        test.estimate = float(np.mean(list(above.per_seed.values()))) if above.per_seed else above.estimate
        test.statistic = f"{what} {points(test.estimate)} (equivalence margin +-{100 * op.margin:g} pp)"
        test.units = [{"bound": "above -margin", "units": above.units}, {"bound": "below +margin", "units": below.units}]
        test.subnet_level = {"p_for": max(above.subnet_level["p_for"], below.subnet_level["p_for"]), "test": above.subnet_level.get("test")}
        return test
