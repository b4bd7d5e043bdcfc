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

:data:`SECTION` is this part of the report as one unit (:mod:`nasbench_rss.report.section`): its
``compute``, its ``render`` into the document and the key of its figure.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from nasbench_rss.analysis.populations import Bootstrap, Group, Population
from nasbench_rss.report import format as fmt
from nasbench_rss.report.document import Document
from nasbench_rss.report.section import (
    Analysis,
    Inputs,
    Section,
    by_group,
    group_title,
    over_seeds,
)
from nasbench_rss.stats import describe, mean_ci

if TYPE_CHECKING:  # matplotlib is imported only when figures are drawn
    from nasbench_rss.report.figures import FigureFile


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


def render_spread(doc: Document, analysis: Analysis, figure: FigureFile | None) -> None:
    entries = analysis.get("spread") or []
    if not entries:
        return
    doc.heading("Whole-population spread")
    doc.paragraph(
        "Spread of each run's whole evaluated population (all buckets together) per seed, then the mean over seeds with "
        "a 95% bootstrap CI over seeds ('one seed': none). Std, best-k and worst-k means (the k most and least accurate "
        "subnets) and the range (best minus worst) in % or pp, variance in pp²."
    )
    for arch, dataset, mine in by_group(analysis, entries):
        rows = []
        for e in mine:
            a, seeds = e["across_seeds"], e["seeds"]
            rows.append(
                [
                    e["run"], fmt.seeds(seeds), ", ".join(str(s["n"]) for s in e["per_seed"]), ", ".join(str(s["k"]) for s in e["per_seed"]),
                    fmt.percent(a["std"]["estimate"]), over_seeds(a["std"], fmt.percent, seeds),
                    fmt.variance_points(a["variance"]["estimate"]),
                    fmt.percent(a["best_k_mean"]["estimate"]), over_seeds(a["best_k_mean"], fmt.percent, seeds),
                    fmt.percent(a["worst_k_mean"]["estimate"]), over_seeds(a["worst_k_mean"], fmt.percent, seeds),
                    fmt.percent(a["range"]["estimate"]), over_seeds(a["range"], fmt.percent, seeds),
                ]
            )
        doc.table(
            ["run", "seeds", "subnets", "k", "std", "95% CI", "var", "best-k mean", "95% CI", "worst-k mean", "95% CI", "range", "95% CI"],
            rows,
            f"{group_title(arch, dataset)}: mean over seeds",
        )
        if any(len(e["per_seed"]) > 1 for e in mine):
            doc.table(
                ["run", "seed", "subnets", "k", "std", "var", "best-k mean", "worst-k mean", "best", "worst", "range"],
                [
                    [
                        e["run"], str(s["seed"]), str(s["n"]), str(s["k"]), fmt.percent(s["std"]), fmt.variance_points(s["variance"]),
                        fmt.percent(s["best_k_mean"]), fmt.percent(s["worst_k_mean"]), fmt.percent(s["best"]),
                        fmt.percent(s["worst"]), fmt.percent(s["range"]),
                    ]
                    for e in mine
                    for s in e["per_seed"]
                ],
                f"{group_title(arch, dataset)}: per seed",
            )
        doc.bullets(
            [f"{e['run']}: {e['interval_note']}" for e in mine if e["interval_note"]]
            + [f"{e['run']}: {note}" for e in mine for note in e["notes"]]
        )


def _compute(inputs: Inputs) -> list[dict[str, Any]]:
    e = inputs.evidence
    return population_spread(e.populations, e.groups, e.runs, inputs.bootstrap)


SECTION = Section("spread", _compute, render_spread)
