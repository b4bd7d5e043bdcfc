"""Each run against the suite's baseline, per (architecture, dataset, bucket).

Every run of one architecture and dataset is evaluated on the same subnets, so a run is
compared with the baseline *paired* by (training seed, bucket, subnet index), on the
subnets both evaluated with the same encoding, and every test uses exactly those
subnets (so all numbers of a row describe one set).  p-values are Holm-adjusted per run
and per test across all its buckets, datasets and architectures.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from nasbench_rss.errors import NasbenchError
from nasbench_rss.report.populations import Bootstrap, Group, Population, Subnet, buckets_of
from nasbench_rss.stats import (
    brown_forsythe,
    cohens_d,
    describe,
    holm,
    mann_whitney,
    probability_of_improvement,
    welch_t,
    wilcoxon_paired,
)

TESTS: dict[str, tuple[str, Callable[..., Any]]] = {
    "wilcoxon": ("paired Wilcoxon signed-rank test on the shared subnets", wilcoxon_paired),
    "welch": ("Welch's t-test", welch_t),
    "mann_whitney": ("Mann-Whitney U test", mann_whitney),
    "brown_forsythe": ("Brown-Forsythe test of equal variances (Levene's test around the median)", brown_forsythe),
}
"""Key in report.json -> (description, test of ``(run, baseline)``), run for every compared bucket."""

HOLM_FAMILY = (
    "Holm's correction is applied separately for each run and each test, across every bucket, "
    "dataset and architecture in which that run is compared with the baseline"
)

Pair = tuple[int, Subnet, Subnet]
"""(training seed, the run's subnet, the baseline's subnet)."""


def comparisons(
    pops: dict[tuple[str, str, str], Population],
    groups: list[Group],
    runs: list[str],
    baseline: str | None,
    facts: list[dict[str, Any]],
    bootstrap: Bootstrap,
) -> dict[str, Any]:
    """The comparison section of the analysis; ``available`` false with a ``reason`` when none is possible."""
    section: dict[str, Any] = {
        "baseline": baseline,
        "available": False,
        "reason": None,
        "tests": {name: description for name, (description, _) in TESTS.items()},
        "holm_family": HOLM_FAMILY,
        "holm_families": [],
        "results": [],
        "omitted": [],
    }
    if baseline is None:
        section["reason"] = "the suite names no baseline (set `baseline: RUN` in the suite to compare the runs with it)"
        return section
    if baseline not in runs:
        section["reason"] = f"the baseline {baseline!r} is not a run of this suite (runs: {', '.join(runs)})"
        return section
    others = [r for r in runs if r != baseline]
    if not others:
        section["reason"] = f"the suite has no run besides the baseline {baseline!r}"
        return section

    results: list[dict[str, Any]] = []
    for arch, dataset in groups:
        base_pop = pops.get((arch, dataset, baseline), {})
        for run in others:
            where = {"arch": arch, "dataset": dataset, "run": run}
            if not pops.get((arch, dataset, run)):
                section["omitted"].append({**where, "bucket": None, "reason": f"no evaluated cell of {run}"})
            elif not base_pop:
                section["omitted"].append({**where, "bucket": None, "reason": f"no evaluated cell of the baseline {baseline}"})
        for bucket in buckets_of(facts, arch, dataset):
            label = bucket["label"]
            for run in others:
                run_pop = pops.get((arch, dataset, run), {})
                if not run_pop or not base_pop:
                    continue
                pairs, unmatched = shared_subnets(run_pop, base_pop, label)
                where = {"arch": arch, "dataset": dataset, "run": run}
                if pairs:
                    results.append(_compare(where, baseline, bucket, pairs, unmatched, bootstrap))
                elif unmatched:
                    section["omitted"].append(
                        {**where, "bucket": label, "reason": f"no subnet of bucket {label} evaluated by both {run} and {baseline} at one seed"}
                    )

    for run in others:
        for test in TESTS:
            family = [r for r in results if r["run"] == run and "p_value" in r["tests"][test]]
            if not family:
                continue
            adjusted = holm([_float(r["tests"][test]["p_value"]) for r in family])
            for r, p in zip(family, adjusted):
                r["tests"][test]["p_holm"] = p
            section["holm_families"].append({"run": run, "test": test, "size": len(family)})
    for r in results:
        for outcome in r["tests"].values():
            outcome.setdefault("p_holm", math.nan)  # a test that could not run has no adjusted p either
    section["results"] = results
    section["available"] = bool(results)
    if not results:
        section["reason"] = "no bucket has subnets evaluated by both a run and the baseline"
    return section


def shared_subnets(run_pop: Population, base_pop: Population, label: str) -> tuple[list[Pair], int]:
    """The pairs of bucket ``label``: same seed, same index, same encoding.

    Also the number of subnets left out: evaluated by one side only, or with different
    encodings (which would mean the cells were evaluated on different subnet lists).
    """
    pairs: list[Pair] = []
    unmatched = 0
    for seed in sorted(set(run_pop) | set(base_pop)):
        ours = {s.index: s for s in run_pop.get(seed, {}).get(label, [])}
        theirs = {s.index: s for s in base_pop.get(seed, {}).get(label, [])}
        for index in sorted(set(ours) | set(theirs)):
            a, b = ours.get(index), theirs.get(index)
            if a is not None and b is not None and a.encoding == b.encoding:
                pairs.append((seed, a, b))
            else:
                unmatched += (a is not None) + (b is not None)
    return pairs, unmatched


def _compare(where: dict[str, Any], baseline: str, bucket: dict[str, Any], pairs: list[Pair], unmatched: int, bootstrap: Bootstrap) -> dict[str, Any]:
    run_values = [a.accuracy for _, a, _ in pairs]
    base_values = [b.accuracy for _, _, b in pairs]
    run_summary, base_summary = describe(run_values).to_dict(), describe(base_values).to_dict()
    tests = {name: _guard(lambda test=test: test(run_values, base_values).to_dict()) for name, (_, test) in TESTS.items()}
    effect = _guard(lambda: {"value": cohens_d(run_values, base_values)})
    improvement = _guard(lambda: probability_of_improvement(run_values, base_values, **bootstrap.kwargs()).to_dict())
    return {
        **where,
        "baseline": baseline,
        "bucket": bucket["label"],
        "target": bucket["target"],
        "pairs": len(pairs),
        "seeds": sorted({seed for seed, _, _ in pairs}),
        "unmatched": unmatched,
        "run_summary": run_summary,
        "baseline_summary": base_summary,
        "mean_difference": run_summary["mean"] - base_summary["mean"],
        "tests": tests,
        "cohens_d": effect.get("value", math.nan),
        "cohens_d_error": effect.get("error"),
        "probability_of_improvement": improvement,
    }


def _guard(compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The computed dict, or ``{"error": ...}`` when the statistic refuses this data.

    A statistic that cannot be computed for one bucket must not cost the whole report;
    the report shows why that number is missing.
    """
    try:
        return compute()
    except NasbenchError as error:
        return {"error": str(error)}


def _float(value: float | None) -> float:
    return math.nan if value is None else float(value)
