"""Per (architecture, dataset, run, bucket): summaries of subnet accuracy per seed and pooled.

Seeds are the unit of replication, so besides the pooled summary (all seeds' subnets
together) the mean of the seed means gets a bootstrap interval over seeds.

:data:`SECTION` is this part of the report as one unit (:mod:`nasbench_rss.report.section`): its
``compute``, its ``render`` into the document and the key of its figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nasbench_rss.analysis.populations import Bootstrap, Group, Population, buckets_of
from nasbench_rss.report import format as fmt
from nasbench_rss.report.document import Document
from nasbench_rss.report.section import (
    Analysis,
    Inputs,
    Section,
    group_title,
    groups_of,
    show_figure,
)
from nasbench_rss.stats import describe, mean_ci

if TYPE_CHECKING:  # matplotlib is imported only when figures are drawn
    from nasbench_rss.report.figures import FigureFile


def accuracy_summaries(
    pops: dict[tuple[str, str, str], Population],
    groups: list[Group],
    runs: list[str],
    facts: list[dict[str, Any]],
    bootstrap: Bootstrap,
) -> list[dict[str, Any]]:
    """One entry per (arch, dataset, run, bucket) with evaluated subnets, in bucket then run order.

    Each holds the per-seed summaries with the raw accuracies (by subnet index), the pooled
    summary and the mean of seed means with its interval.
    """
    out = []
    for arch, dataset in groups:
        for bucket in buckets_of(facts, arch, dataset):
            label = bucket["label"]
            for run in runs:
                by_seed = pops.get((arch, dataset, run), {})
                per_seed = []
                for seed in sorted(by_seed):
                    subnets = by_seed[seed].get(label)
                    if not subnets:
                        continue
                    values = [s.accuracy for s in subnets]
                    per_seed.append(
                        {"seed": seed, "summary": describe(values).to_dict(), "indices": [s.index for s in subnets], "accuracy": values}
                    )
                if not per_seed:
                    continue
                pooled = [v for entry in per_seed for v in entry["accuracy"]]
                out.append(
                    {
                        "arch": arch,
                        "dataset": dataset,
                        "run": run,
                        "bucket": label,
                        "target": bucket["target"],
                        "seeds": [entry["seed"] for entry in per_seed],
                        "per_seed": per_seed,
                        "pooled": describe(pooled).to_dict(),
                        "mean_of_seed_means": mean_ci([e["summary"]["mean"] for e in per_seed], **bootstrap.kwargs()).to_dict(),
                    }
                )
    return out


def render_accuracy(doc: Document, analysis: Analysis, figure: FigureFile | None) -> None:
    doc.heading("Subnet accuracy per bucket")
    doc.paragraph(
        "Test accuracy (%) of the evaluated subnets of each MFLOP bucket. Pooled: all seeds' subnets together; "
        "the mean of seed means comes with a 95% bootstrap confidence interval over seeds (none with one seed). "
        "Standard deviation, IQR and the difference columns are in percentage points (pp), variance in pp²."
    )
    show_figure(doc, figure)
    entries = analysis["accuracy"]
    for arch, dataset in groups_of(analysis):
        doc.heading(group_title(arch, dataset), 3)
        mine = [e for e in entries if (e["arch"], e["dataset"]) == (arch, dataset)]
        rows = [
            [
                e["bucket"], e["run"], fmt.seeds(e["seeds"]), str(e["pooled"]["n"]),
                fmt.percent(e["pooled"]["mean"]), fmt.percent(e["pooled"]["std"]), fmt.variance_points(e["pooled"]["var"]),
                fmt.percent(e["pooled"]["median"]), fmt.percent(e["pooled"]["iqr"]),
                fmt.percent(e["pooled"]["min"]), fmt.percent(e["pooled"]["max"]),
                fmt.percent(e["mean_of_seed_means"]["estimate"]), fmt.interval(e["mean_of_seed_means"], fmt.percent),
            ]
            for e in mine
        ]
        if rows:
            doc.table(
                ["bucket", "run", "seeds", "n", "mean", "std", "var", "median", "IQR", "min", "max", "mean of seed means", "95% CI"],
                rows,
                "Pooled over seeds",
            )
        else:
            doc.paragraph("No evaluated subnets yet.")
        per_seed = [
            [
                e["bucket"], e["run"], str(s["seed"]), str(s["summary"]["n"]),
                fmt.percent(s["summary"]["mean"]), fmt.percent(s["summary"]["std"]), fmt.variance_points(s["summary"]["var"]),
                fmt.percent(s["summary"]["median"]), fmt.percent(s["summary"]["iqr"]),
                fmt.percent(s["summary"]["min"]), fmt.percent(s["summary"]["max"]),
            ]
            for e in mine
            for s in e["per_seed"]
        ]
        if any(len(e["per_seed"]) > 1 for e in mine):
            doc.table(["bucket", "run", "seed", "n", "mean", "std", "var", "median", "IQR", "min", "max"], per_seed, "Per seed")
        facts = next((f for f in analysis["buckets"] if (f["arch"], f["dataset"]) == (arch, dataset)), None)
        if facts is not None:
            doc.table(
                ["bucket", "target ± tolerance (MFLOPs)", "status", "networks in bucket", "P(base distribution)", "subnets", "reason"],
                [
                    [
                        b["label"],
                        f"{fmt.number(b['target'])} ± {fmt.number(b['tolerance'])}",
                        b["status"],
                        b["networks"] if b["networks"] is not None else fmt.MISSING,
                        fmt.number(b["probability"]),
                        str(b["subnets"]),
                        b["reason"] or "",
                    ]
                    for b in facts["buckets"]
                ],
                "Buckets",
            )
            if not facts["same_subnets"]:
                doc.paragraph(
                    f"Warning: the cells of {group_title(arch, dataset)} were evaluated on different subnet lists "
                    f"(subnets_hash {', '.join(facts['subnets_hashes'])}); only subnets with the same encoding are paired."
                )


def _compute(inputs: Inputs) -> list[dict[str, Any]]:
    e = inputs.evidence
    return accuracy_summaries(e.populations, e.groups, e.runs, e.buckets, inputs.bootstrap)


BUCKETS = Section("buckets", lambda inputs: inputs.evidence.buckets, None)
"""The evaluation's buckets per group (rendered with the accuracy tables)."""
SECTION = Section("accuracy", _compute, render_accuracy, figure="accuracy")
