"""Learning curves: each run's panel accuracy against the training MACs spent, and whether it had converged.

For runs evaluated with ``evaluation.during`` (:mod:`nasbench_rss.evaluate.curve`), one
entry per (architecture, dataset, run): per seed, the measured points (epochs, fraction of
training, cumulative training MACs, the panel's mean accuracy per bucket and over the
buckets), the points that could not be measured with why, the convergence verdict of
:mod:`nasbench_rss.analysis.curves` (gain over the last quarter of training, a t-interval
over seeds, the suite's threshold) and what the curve cost: the evaluation's seconds on
the curve's points as a share of the cells' training seconds.

The figure draws one panel per bucket: per run, the mean over seeds of the panel's
accuracy at each point against the mean over seeds of the MACs spent there (log axis; the
seeds' MACs differ only where the sampler's draws do), with the seeds' range as a band.

:data:`SECTION` is this part of the report as one unit (:mod:`nasbench_rss.report.section`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from nasbench_rss.analysis.curves import CONVERGENCE_WINDOW, LEVEL, convergence
from nasbench_rss.analysis.evidence import RunEvidence
from nasbench_rss.report import format as fmt
from nasbench_rss.report.document import Document
from nasbench_rss.report.section import Analysis, Inputs, Section, by_group, group_title, show_figure

if TYPE_CHECKING:  # matplotlib is imported only when figures are drawn
    from nasbench_rss.report.figures import FigureFile

RULE = (
    f"a run has converged when its panel's mean accuracy gained less than the suite's threshold "
    f"(evaluation.during.converged_below, accuracy points) over the last {CONVERGENCE_WINDOW:.0%} of the span of training "
    "that trains its final space, mean over seeds (the end's accuracy minus the accuracy a quarter of the span back, linear "
    "between the measured points of the span around it). The span is the whole run for a one-phase sampler; for progressive "
    "shrinking, its trailing phases with the last phase's kernel, expand and depth choices (entering a phase that trains "
    "new subnets raises the population by construction). The interval is a "
    f"{LEVEL:.0%} t-interval over seeds"
)


def learning_curves(evidence: RunEvidence) -> list[dict[str, Any]]:
    """One entry per (arch, dataset, run) with curves, in group then run order (keys in the module docstring)."""
    train_seconds = {t.id: t.train_seconds for t in evidence.timings}
    train_macs = {t.id: t.train_macs for t in evidence.timings}
    out = []
    for arch, dataset in evidence.groups:
        for run in evidence.runs:
            by_seed = evidence.curves.get((arch, dataset, run))
            if not by_seed:
                continue
            cells = {c.seed: c.id for c in evidence.cells if (c.arch, c.dataset, c.run) == (arch, dataset, run)}
            per_seed = []
            for seed, curve in sorted(by_seed.items()):
                labels = curve.labels()
                per_seed.append(
                    {
                        "seed": seed,
                        "buckets": labels,
                        "points": [
                            {"epochs": p.epochs, "fraction": p.fraction, "train_macs": p.macs, "accuracy": p.accuracy, "mean": p.mean(labels)}
                            for p in curve.points
                        ],
                        "missing": [{"epochs": epochs, "reason": reason} for epochs, reason in curve.missing],
                        "curve_seconds": curve.seconds,
                        "train_seconds": train_seconds.get(cells.get(seed, "")),
                        "curve_macs": curve.macs,
                        "train_macs": train_macs.get(cells.get(seed, "")),
                    }
                )
            spent = [e["curve_seconds"] for e in per_seed if e["train_seconds"]]
            trained = [e["train_seconds"] for e in per_seed if e["train_seconds"]]
            first = next(iter(by_seed.values()))
            out.append(
                {
                    "arch": arch,
                    "dataset": dataset,
                    "run": run,
                    "seeds": sorted(by_seed),
                    "per_bucket": first.per_bucket,
                    "per_seed": per_seed,
                    "convergence": convergence(run, by_seed).to_dict(),
                    "curve_share": sum(spent) / sum(trained) if trained else None,
                    "curve_macs_share": _macs_share(per_seed),
                }
            )
    return out


def render_curves(doc: Document, analysis: Analysis, figure: FigureFile | None) -> None:
    entries = analysis.get("learning_curves") or []
    if not entries:
        return
    doc.heading("Learning curves and convergence")
    doc.paragraph(
        f"The panel (the first {entries[0]['per_bucket']} subnets of each bucket's evaluation list, the same for every run) "
        "measured at fractions of training with the evaluation's protocol, BN recalibrated, against the training MACs spent "
        f"up to each point. Convergence: {RULE}. The curve's cost is the evaluation's time on the curve's points over the "
        "cells' training time, and its forward MACs (per measured subnet: recalibration and test images) over the training MACs."
    )
    show_figure(doc, figure)
    for arch, dataset, mine in by_group(analysis, entries):
        doc.table(
            ["run", "seeds", "points (epochs)", "panel accuracy at the points (%)", f"gain over the last quarter (pp, {LEVEL:.0%} CI)", "converged", "curve's time (% of training's)", "curve's MACs (% of training's)"],
            [_row(e) for e in mine],
            group_title(arch, dataset),
        )
        doc.bullets(
            [f"{e['run']} seed {s['seed']}: point after epoch {m['epochs']} not measured: {m['reason']}" for e in mine for s in e["per_seed"] for m in s["missing"]]
        )


def _row(entry: dict[str, Any]) -> list[str]:
    conv = entry["convergence"]
    epochs = [p["epochs"] for p in entry["per_seed"][0]["points"]] if entry["per_seed"] else []
    means = [
        sum(s["points"][i]["mean"] for s in entry["per_seed"]) / len(entry["per_seed"])
        for i in range(len(epochs))
        if all(len(s["points"]) > i for s in entry["per_seed"])
    ]
    gain = fmt.MISSING
    if conv["converged"] is not None:
        interval = f" [{conv['low'] * 100:+.1f}, {conv['high'] * 100:+.1f}]" if not _nan(conv["low"]) else " (one seed)"
        gain = f"{conv['gain'] * 100:+.2f}{interval}"
    verdict = {True: f"yes (< {conv['threshold_pp']:g} pp)", False: f"no (>= {conv['threshold_pp']:g} pp)", None: f"unknown: {conv['problem']}"}[conv["converged"]]
    return [
        entry["run"], fmt.seeds(entry["seeds"]), ", ".join(map(str, epochs)), ", ".join(fmt.percent(m, 1) for m in means), gain, verdict,
        fmt.share(entry["curve_share"]) if entry["curve_share"] is not None else fmt.MISSING,
        fmt.share(entry.get("curve_macs_share")),
    ]  # fmt: skip


def _macs_share(per_seed: list[dict[str, Any]]) -> float | None:
    """The curve's evaluation MACs over the training MACs, seeds summed; None when a seed lacks either."""
    if not per_seed or any(e["curve_macs"] is None or not e["train_macs"] for e in per_seed):
        return None
    return sum(e["curve_macs"] for e in per_seed) / sum(e["train_macs"] for e in per_seed)


def _nan(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _compute(inputs: Inputs) -> list[dict[str, Any]]:
    return learning_curves(inputs.evidence)


SECTION = Section("learning_curves", _compute, render_curves, figure="learning_curves")
