"""Interference measured while training: what the probe (``interference.jsonl``) saw, per run.

For each (architecture, dataset, run) whose cells ran the interference probe
(:mod:`nasbench_rss.train.observers.interference`), per seed and then as the mean over
seeds with a bootstrap interval over seeds (seeds are the replicates):

- ``hurt_share``: of the probe updates where the probe was *not* among the step's trained
  subnets, the share whose measured loss on the probe batch rose: a step on other
  subnets made this one worse, interference made visible;
- ``mean_cosine``: the mean cosine between the update and the probe's descent direction
  over its weights (> 0: the step helped it to first order; < 0: it pushed it uphill);
- ``mean_measured_change`` and ``mean_predicted_change`` of the probe losses;
- ``pairwise_cosine``: the mean cosine between the gradients of the subnets that one
  step summed (only runs that train several subnets per step have it): near 1 the
  subnets agree, near 0 or below they pull the shared weights apart.

Also by probe (its bucket label, ``smallest``, ``largest``) and by epoch, over seeds, for
the figure of interference over training.

:data:`SECTION` is this part of the report as one unit (:mod:`nasbench_rss.report.section`): its
``compute``, its ``render`` into the document and the key of its figure.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from nasbench_rss.analysis.populations import Bootstrap, Group
from nasbench_rss.analysis.probes import finite_mean
from nasbench_rss.report import format as fmt
from nasbench_rss.report.document import Document
from nasbench_rss.report.section import (
    Analysis,
    Inputs,
    Section,
    by_group,
    group_title,
    over_seeds,
    show_figure,
)
from nasbench_rss.run.results import CellRecord
from nasbench_rss.stats import mean_ci

if TYPE_CHECKING:  # matplotlib is imported only when figures are drawn
    from nasbench_rss.report.figures import FigureFile


STATISTICS = ("hurt_share", "mean_cosine", "mean_measured_change", "mean_predicted_change", "pairwise_cosine")


def interference(
    cells: list[CellRecord], groups: list[Group], runs: list[str], bootstrap: Bootstrap, probed: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """One entry per (arch, dataset, run) with probed cells: ``arch, dataset, run, seeds, per_seed, across_seeds,
    by_probe`` (label -> mean over seeds of ``hurt_share`` and ``mean_cosine``), ``by_epoch`` (``epochs``,
    ``hurt_share``, ``mean_cosine``, ``pairwise_cosine``: means over seeds, None where no seed has one).
    ``probed`` is :func:`nasbench_rss.analysis.probes.probe_summaries` of ``cells``."""
    out = []
    for arch, dataset in groups:
        for run in runs:
            mine = [c for c in cells if (c.arch, c.dataset, c.run) == (arch, dataset, run) and c.id in probed]
            per_seed = [probed[cell.id] for cell in sorted(mine, key=lambda c: c.seed)]
            if not per_seed:
                continue
            across = {name: _over_seeds([s[name] for s in per_seed], bootstrap) for name in STATISTICS}
            labels = list(dict.fromkeys(label for s in per_seed for label in s["by_probe"]))
            by_probe = {
                label: {
                    stat: finite_mean([s["by_probe"][label][stat] for s in per_seed if label in s["by_probe"]])
                    for stat in ("hurt_share", "mean_cosine")
                }
                for label in labels
            }
            epochs = sorted({e for s in per_seed for e in s["by_epoch"]})
            by_epoch = {"epochs": epochs}
            for stat in ("hurt_share", "mean_cosine", "pairwise_cosine"):
                by_epoch[stat] = [finite_mean([s["by_epoch"][e][stat] for s in per_seed if e in s["by_epoch"]]) for e in epochs]
            out.append(
                {
                    "arch": arch, "dataset": dataset, "run": run, "seeds": [s["seed"] for s in per_seed],
                    "per_seed": per_seed, "across_seeds": across, "by_probe": by_probe, "by_epoch": by_epoch,
                }
            )  # fmt: skip
    return out


def _over_seeds(values: list[float | None], bootstrap: Bootstrap) -> dict[str, Any]:
    kept = [v for v in values if v is not None]
    if not kept:
        return {"estimate": math.nan, "low": math.nan, "high": math.nan, "level": bootstrap.level, "method": "not available: no seed has one", "n": 0}
    return mean_ci(kept, **bootstrap.kwargs()).to_dict()


def render_interference(doc: Document, analysis: Analysis, figure: FigureFile | None) -> None:
    entries = analysis.get("interference") or []
    if not entries:
        return
    doc.heading("Interference measured while training")
    doc.paragraph(
        "What the interference probe saw: a fixed panel of probe subnets and a fixed batch of training images, measured "
        "before and after the updates of every N-th step. Hurt: the share of probe updates, on steps that trained other "
        "subnets than the probe, after which the probe's loss on the probe batch rose; that is interference made "
        "visible, a step on some subnets making another worse. Cosine: between the update and the probe's descent "
        "direction on its weights (> 0 the step helped it to first order, < 0 pushed it uphill). Pairwise: the cosine "
        "between the gradients of the subnets one step summed (runs training one subnet per step have none). Mean over "
        "seeds with a 95% bootstrap CI over seeds; changes are in loss units (nats)."
    )
    show_figure(doc, figure)
    for arch, dataset, mine in by_group(analysis, entries):
        rows = []
        for e in mine:
            a, seeds = e["across_seeds"], e["seeds"]
            rows.append(
                [
                    e["run"], fmt.seeds(seeds), str(sum(s["probed_steps"] for s in e["per_seed"])),
                    fmt.share(a["hurt_share"]["estimate"]), over_seeds(a["hurt_share"], fmt.share, seeds),
                    fmt.number(a["mean_cosine"]["estimate"]), over_seeds(a["mean_cosine"], fmt.number, seeds),
                    fmt.number(a["mean_measured_change"]["estimate"], 4), fmt.number(a["mean_predicted_change"]["estimate"], 4),
                    fmt.number(a["pairwise_cosine"]["estimate"]), over_seeds(a["pairwise_cosine"], fmt.number, seeds),
                ]
            )  # fmt: skip
        doc.table(
            ["run", "seeds", "probed steps", "hurt", "95% CI", "cosine", "95% CI", "measured change", "predicted change", "pairwise cosine", "95% CI"],
            rows,
            f"{group_title(arch, dataset)}: probe updates",
        )
        labels = list(dict.fromkeys(label for e in mine for label in e["by_probe"]))
        doc.table(
            ["run", *(f"hurt {label}" for label in labels)],
            [[e["run"], *(fmt.share((e["by_probe"].get(label) or {}).get("hurt_share")) for label in labels)] for e in mine],
            f"{group_title(arch, dataset)}: share of updates that hurt each probe (mean over seeds)",
        )


def _compute(inputs: Inputs) -> list[dict[str, Any]]:
    e = inputs.evidence
    return interference(e.cells, e.groups, e.runs, inputs.bootstrap, e.probes)


SECTION = Section("interference", _compute, render_interference, figure="interference")
