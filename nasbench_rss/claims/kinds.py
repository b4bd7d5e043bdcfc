"""The built-in claim kinds: each says what it claims in words and tests it on a group's evidence.

The shared rules (seed-level tests, intersection-union over buckets, the verdict) are in
:mod:`nasbench_rss.claims.base`; each kind here only says what its per-seed estimate is,
what its subnet-level test is, and which side the claim is on.

- ``better`` / ``not-worse`` / ``ordering``: paired accuracy differences on the subnets
  both runs evaluated (same seed, bucket, index, encoding).  Seed estimate: the mean
  difference; subnet-level: the one-sided paired Wilcoxon signed-rank test (exact for
  small samples, mid-ranks for ties).
- ``interaction``: the same on the contrast ``(a - b) - (c - d)`` of four runs' shared subnets.
- ``lower-variance``: seed estimate: log(variance of run / variance of than); subnet
  level: the one-sided Brown-Forsythe test (Student's t on absolute deviations from each
  sample's median; with two samples this is the Brown-Forsythe F test's square root).
- ``faster``: seed estimate: log(than's time / run's time) against log(at_least); no
  subnet-level test exists for a time, so with one seed it is not testable.
- ``peak-at``: seed estimate: the claimed bucket's mean accuracy minus each other bucket's;
  subnet-level: one-sided Welch t-tests between the buckets' subnets.
- ``bias-follows-exposure``: seed estimate: Spearman's rank correlation (Fisher z) between
  each bucket's kernel-smoothed share of the training steps and its mean accuracy;
  subnet-level: the exact permutation test of that correlation.
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
from nasbench_rss.stats.exposure import smoothed_exposure
from nasbench_rss.stats.one_sided import spearman_exact, spread_smaller, welch_greater, wilcoxon_against
from nasbench_rss.stats.ranking import spearman_rho

Z_CLIP = 0.999
"""Rank correlations are clipped to +-0.999 before Fisher's z (a perfect 1 has infinite z)."""


def _buckets_words(buckets: Any, pooled: bool) -> str:
    if buckets == "all":
        return "over all buckets together" if pooled else "in every bucket"
    listed = ", ".join(f"{b:g}" for b in buckets)
    return f"over buckets {listed} together" if pooled else f"in each of buckets {listed}"


class Claim:
    """Base of the built-in kinds: the options, plus ``describe`` and ``evaluate``."""

    def __init__(self, options: Any) -> None:
        self.options = options

    def describe(self) -> str:  # pragma: no cover - every kind overrides it
        raise NotImplementedError

    def evaluate(self, evidence: Evidence) -> ClaimTest:  # pragma: no cover
        raise NotImplementedError


# ---------------------------------------------------------------- paired differences


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
    skipped = [] if buckets == "all" else [f"{b:g}" for b in buckets if evidence.label_of(b) not in labels]
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
                "p_for": test.p_for,
                "p_against": test.p_against,
                "test": test.test,
                "subnet_level": {"p_for": subnet.p_for, "p_against": subnet.p_against, "test": subnet.test},
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
        return f"{op.run} is more accurate than {op.than}{margin} {_buckets_words(op.buckets, op.pooled)}"

    def evaluate(self, evidence: Evidence) -> ClaimTest:
        op = self.options
        return paired_claim(evidence, [op.run, op.than], _minus, op.buckets, op.pooled, op.margin, "greater", f"{op.run} - {op.than}")


class NotWorse(Claim):
    options: o.NotWorseOptions

    def describe(self) -> str:
        op = self.options
        return f"{op.run} is at most {100 * op.margin:g} pp less accurate than {op.than} {_buckets_words(op.buckets, op.pooled)}"

    def evaluate(self, evidence: Evidence) -> ClaimTest:
        op = self.options
        return paired_claim(evidence, [op.run, op.than], _minus, op.buckets, op.pooled, -op.margin, "greater", f"{op.run} - {op.than}")


class Ordering(Claim):
    options: o.OrderingOptions

    def describe(self) -> str:
        op = self.options
        return f"accuracy is ordered {' > '.join(op.runs)} {_buckets_words(op.buckets, op.pooled)}"

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
            return f"the effect {first} equals {second} within {100 * op.margin:g} pp {_buckets_words(op.buckets, op.pooled)}"
        word = "larger" if op.expect == "larger" else "smaller (more negative)"
        return f"the effect {first} is {word} than {second} {_buckets_words(op.buckets, op.pooled)}"

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


# ---------------------------------------------------------------- spread


class LowerVariance(Claim):
    options: o.LowerVarianceOptions

    def describe(self) -> str:
        op = self.options
        where = "over the whole evaluated population" if op.scope == "population" else _buckets_words(op.buckets, False)
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
                    "p_for": test.p_for,
                    "p_against": test.p_against,
                    "test": test.test,
                    "subnet_level": {"p_for": subnet.p_for, "p_against": subnet.p_against, "test": subnet.test},
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


# ---------------------------------------------------------------- time


class Faster(Claim):
    options: o.FasterOptions

    def describe(self) -> str:
        op = self.options
        times = "times" if op.at_least != 1 else "time"
        clock = "CPU" if op.clock == "cpu" else "wall-clock"
        return f"{op.run} trains more than {op.at_least:g} {times} faster than {op.than} ({clock} training time)"

    def evaluate(self, evidence: Evidence) -> ClaimTest:
        op = self.options
        run_times, than_times = evidence.times.get(op.run, {}), evidence.times.get(op.than, {})
        seeds = sorted(set(run_times) & set(than_times))
        if not seeds:
            return untestable(f"no seed at which both {op.run} and {op.than} are trained")
        clock = op.clock
        notes = []
        if clock == "cpu" and any(t.cpu_seconds is None for s in seeds for t in (run_times[s], than_times[s])):
            clock = "wall"
            notes.append("CPU time not recorded for these cells: wall-clock time used")
        key = (lambda t: t.cpu_seconds) if clock == "cpu" else (lambda t: t.wall_seconds)
        ratios = {s: key(than_times[s]) / key(run_times[s]) for s in seeds}
        wall = {s: than_times[s].wall_seconds / run_times[s].wall_seconds for s in seeds}
        contended = sum(run_times[s].contended_epochs + than_times[s].contended_epochs for s in seeds)
        if contended:
            notes.append(f"{contended} contended epoch(s) in these cells (other work on the machine): wall-clock ratio {_geo(wall):.2f}")
        estimate = _geo(ratios)
        logs = {s: math.log(r) for s, r in ratios.items()}
        test = seed_test(logs, math.log(op.at_least), "greater")
        if len(seeds) < 2:
            notes.append("one seed: a time has no subnet-level test, so the claim is not tested")
        return ClaimTest(
            statistic=f"{clock} time ratio {op.than}/{op.run} {estimate:.2f} (claimed > {op.at_least:g}; geometric mean over seeds)",
            estimate=estimate,
            p_for=test.p_for,
            p_against=test.p_against,
            basis=seed_basis(len(seeds)) if len(seeds) >= 2 else "one seed: no test (a time has no subnet level)",
            seeds=seeds,
            per_seed=ratios,
            subnet_level={"wall_ratio": _geo(wall), "clock": clock},
            note="; ".join(notes) or None,
        )


def _geo(ratios: dict[int, float]) -> float:
    return math.exp(float(np.mean([math.log(r) for r in ratios.values()]))) if ratios else math.nan


# ---------------------------------------------------------------- profiles


def _profile(evidence: Evidence, run: str, seed: int, labels: list[str]) -> dict[str, list[float]]:
    by_bucket = evidence.populations.get(run, {}).get(seed, {})
    return {label: [s.accuracy for s in by_bucket.get(label, [])] for label in labels if by_bucket.get(label)}


class PeakAt(Claim):
    options: o.PeakAtOptions

    def describe(self) -> str:
        return f"{self.options.run}'s mean accuracy across buckets peaks at bucket {self.options.bucket:g}"

    def evaluate(self, evidence: Evidence) -> ClaimTest:
        op = self.options
        peak = evidence.label_of(op.bucket)
        labels = evidence.evaluated_labels()
        if peak not in labels:
            return untestable(f"bucket {op.bucket:g} is not evaluated")
        seeds = [s for s in evidence.seeds(op.run) if peak in _profile(evidence, op.run, s, labels)]
        if not seeds:
            return untestable(f"no evaluated cell of {op.run} with subnets in bucket {op.bucket:g}")
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


def seed_level(values: dict[int, float], null: float, direction: Direction, what: str) -> tuple[OneSided, str]:
    """The seed-level test of a measure with one value per cell (seed), and its basis; none with one seed.

    Within a cell the measure has no independent replicates, so one seed gives no test.
    """
    if len(values) >= 2:
        return seed_test(values, null, direction), seed_basis(len(values))
    return OneSided(math.nan, math.nan, f"one seed: {what} has one value per cell"), f"one seed: no test ({what} has one value per cell)"


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
        scope = "all references" if op.scope == "all" else f"the references of bucket {op.scope:g}"
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
