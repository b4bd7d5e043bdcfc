"""Accuracy profile across MFLOP buckets per (architecture, dataset, run), and its peak.

The paper's Fig. 6 shows that training a single subnet skews "performance ... towards the
size of the selected subnet": accuracy peaks at the trained size and falls off with
distance from it.  To see that (and whether a sampler is biased towards some size), each
run gets its mean accuracy per bucket, per seed and as a mean over seeds with a bootstrap
interval over seeds, and the bucket where that mean peaks, per seed too, so a reader sees
whether the seeds agree on the peak.

With one seed the mean is that seed's subnet-level mean and there is no interval
(``note`` says so).  A bucket evaluated by only some seeds is averaged over those seeds
and listed in ``incomplete_buckets``; a run with no evaluated subnets has no entry.

:data:`SECTION` is this part of the report as one unit (:mod:`nasbench_rss.report.section`): its
``compute``, its ``render`` into the document and the key of its figure.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from nasbench_rss.analysis.populations import Bootstrap, Group, Population, buckets_of
from nasbench_rss.report import format as fmt
from nasbench_rss.report.document import Document
from nasbench_rss.report.section import Analysis, Inputs, Section, by_group, group_title
from nasbench_rss.stats import mean_ci

if TYPE_CHECKING:  # matplotlib is imported only when figures are drawn
    from nasbench_rss.report.figures import FigureFile


ONE_SEED = "one seed: the mean of that seed's subnets per bucket, no interval over seeds"


def accuracy_profile(
    pops: dict[tuple[str, str, str], Population],
    groups: list[Group],
    runs: list[str],
    facts: list[dict[str, Any]],
    bootstrap: Bootstrap,
) -> list[dict[str, Any]]:
    """One entry per (arch, dataset, run) with evaluated subnets, in group then run order.

    Entry keys: ``arch, dataset, run, seeds``; ``buckets`` and ``targets`` (the buckets
    with subnets, by target); ``per_seed`` (``seed``, ``means`` and ``n`` keyed by bucket,
    ``peak``); ``mean`` (bucket -> ``Interval.to_dict()`` over seeds); ``seeds_per_bucket``;
    ``peak`` (bucket of the largest mean, the first in target order on a tie), ``peak_ties``
    (every bucket at that largest mean), ``seed_peaks`` (one per seed, in seed order),
    ``seeds_agree_on_peak``, ``incomplete_buckets`` and ``note``.
    """
    out = []
    for arch, dataset in groups:
        facts_buckets = buckets_of(facts, arch, dataset)
        order = sorted(
            range(len(facts_buckets)),
            key=lambda i: (facts_buckets[i]["target"] is None, facts_buckets[i]["target"] or 0.0, i),
        )
        targets = {facts_buckets[i]["label"]: facts_buckets[i]["target"] for i in order}
        for run in runs:
            by_seed = pops.get((arch, dataset, run), {})
            per_seed = []
            for seed in sorted(by_seed):
                means = {
                    label: math.fsum(s.accuracy for s in by_seed[seed][label]) / len(by_seed[seed][label])
                    for label in targets
                    if by_seed[seed].get(label)
                }
                if not means:
                    continue
                per_seed.append(
                    {"seed": seed, "means": means, "n": {label: len(by_seed[seed][label]) for label in means}, "peak": _peak(means)[0]}
                )
            if not per_seed:
                continue
            labels = [label for label in targets if any(label in e["means"] for e in per_seed)]
            seeds_per_bucket = {label: [e["seed"] for e in per_seed if label in e["means"]] for label in labels}
            mean = {
                label: mean_ci([e["means"][label] for e in per_seed if label in e["means"]], **bootstrap.kwargs()).to_dict()
                for label in labels
            }
            peak, ties = _peak({label: mean[label]["estimate"] for label in labels})
            seed_peaks = [e["peak"] for e in per_seed]
            out.append(
                {
                    "arch": arch,
                    "dataset": dataset,
                    "run": run,
                    "seeds": [e["seed"] for e in per_seed],
                    "buckets": labels,
                    "targets": [targets[label] for label in labels],
                    "per_seed": per_seed,
                    "mean": mean,
                    "seeds_per_bucket": seeds_per_bucket,
                    "peak": peak,
                    "peak_ties": ties,
                    "seed_peaks": seed_peaks,
                    "seeds_agree_on_peak": all(p == peak for p in seed_peaks),
                    "incomplete_buckets": [label for label in labels if len(seeds_per_bucket[label]) < len(per_seed)],
                    "note": ONE_SEED if len(per_seed) == 1 else None,
                }
            )
    return out


def _peak(means: dict[str, float]) -> tuple[str, list[str]]:
    """The first bucket (in the dict's order) with the largest mean, and all buckets at that mean."""
    best = max(means.values())
    ties = [label for label, value in means.items() if value == best]
    return ties[0], ties


def render_profile(doc: Document, analysis: Analysis, figure: FigureFile | None) -> None:
    entries = analysis.get("accuracy_profile") or []
    if not entries:
        return
    doc.heading("Accuracy profile across buckets")
    doc.paragraph(
        "Mean test accuracy (%) per bucket, mean over seeds (one seed: that seed's subnet mean), and the peak bucket "
        "(largest mean) overall and per seed, to show where a run's population is best and whether the seeds agree. "
        "The intervals over seeds are in report.json (accuracy_profile) and equal the accuracy table's mean of seed means."
    )
    for arch, dataset, mine in by_group(analysis, entries):
        targets = {label: target for e in mine for label, target in zip(e["buckets"], e["targets"])}
        labels = sorted(targets, key=lambda label: (targets[label] is None, targets[label] or 0.0))
        doc.table(
            ["run", "seeds", *labels, "peak", "peak per seed", "seeds agree"],
            [
                [
                    e["run"], fmt.seeds(e["seeds"]),
                    *(fmt.percent(e["mean"][label]["estimate"]) if label in e["mean"] else fmt.MISSING for label in labels),
                    e["peak"] + (f" (tied: {', '.join(e['peak_ties'])})" if len(e["peak_ties"]) > 1 else ""),
                    ", ".join(e["seed_peaks"]),
                    "one seed" if len(e["seeds"]) == 1 else ("yes" if e["seeds_agree_on_peak"] else "no"),
                ]
                for e in mine
            ],
            group_title(arch, dataset),
        )
        doc.bullets(
            [f"{e['run']}: {e['note']}" for e in mine if e["note"]]
            + [
                f"{e['run']}: buckets {', '.join(e['incomplete_buckets'])} are evaluated by only some seeds (averaged over those)"
                for e in mine
                if e["incomplete_buckets"]
            ]
        )


def _compute(inputs: Inputs) -> list[dict[str, Any]]:
    e = inputs.evidence
    return accuracy_profile(e.populations, e.groups, e.runs, e.buckets, inputs.bootstrap)


SECTION = Section("accuracy_profile", _compute, render_profile)
