"""Every number of a report, computed once from a run directory: ``analyse(run) -> dict``.

The result is plain JSON data (``report.json`` is it, with NaN written as null); the
findings, the figures and the Markdown and HTML reports are all made from it, so no
report shows a number that the JSON does not hold.  Its top-level keys:

    format, suite, run_directory, complete, cells      what was planned, what is there, what is missing and why
    buckets                                            per (arch, dataset): the evaluation's buckets, skipped ones with reasons
    accuracy                                           per (arch, dataset, run, bucket): per-seed and pooled summaries,
                                                       raw accuracies, mean of seed means with a bootstrap CI
    comparisons                                        each compared pair (the suite's comparisons, default every run
                                                       against the baseline) per bucket: paired tests, Holm-adjusted
                                                       p-values, effect sizes (or why omitted); interactions
    claims                                             the suite's claims: statistic, p for and against (Holm across the
                                                       claims), verdict
    training_time                                      per cell, per run, ratios to the baseline with CIs
    exposure                                           share of optimizer steps per bucket, per run and seed
    spread                                             per (arch, dataset, run): whole-population variance, best/worst k, range
    exposure_range                                     per (arch, dataset, run): step shares in 1-MFLOP bins over the whole range
    interference                                       per (arch, dataset, run) with probed cells: share of probe updates that hurt, cosines
    accuracy_profile                                   per (arch, dataset, run): mean accuracy per bucket and its peak bucket
    ranking                                            the stand-alone references and, per run, how its inherited
                                                       accuracies rank them (Kendall's tau, ...); every pair of runs' agreement
    method                                             FLOPs definition, seeds, evaluation, statistics, code, versions, device
    findings                                           the plain-sentence findings

Seeds are the unit of replication and the evaluated subnets are nested within seeds.  A
partial run is analysed with what is there and says what is missing; nothing here fails
because a cell is absent.
"""

from __future__ import annotations

from typing import Any

from nasbench_rss.analysis.evidence import RunEvidence
from nasbench_rss.analysis.populations import Bootstrap
from nasbench_rss.plugins import PluginRegistry
from nasbench_rss.report.accuracy import accuracy_summaries
from nasbench_rss.report.claims import claims_section
from nasbench_rss.report.comparisons import comparison_pairs, comparisons
from nasbench_rss.report.exposure import exposure
from nasbench_rss.report.exposure_range import exposure_range
from nasbench_rss.report.findings import findings
from nasbench_rss.report.interference import interference
from nasbench_rss.report.method import method
from nasbench_rss.report.profile import accuracy_profile
from nasbench_rss.report.ranking import ranking
from nasbench_rss.report.spread import population_spread
from nasbench_rss.report.timing import training_time
from nasbench_rss.run.results import CellRecord, RunDirectory

ANALYSIS_FORMAT = 1
LEVEL = 0.95
RESAMPLES = 10_000


def analyse(
    run: RunDirectory, seed: int = 0, resamples: int = RESAMPLES, level: float = LEVEL, registry: PluginRegistry | None = None
) -> dict[str, Any]:
    """The analysis of ``run`` as JSON data (keys in the module docstring).

    ``registry`` holds the claim kinds the suite's claims are tested with (default: the
    installed plugins).
    ``seed`` seeds every bootstrap (same seed, same intervals), ``resamples`` is the
    number of bootstrap resamples and ``level`` the confidence level of every interval.
    """
    bootstrap = Bootstrap(seed=seed, resamples=resamples, level=level)
    evidence = RunEvidence(run)  # the run directory read once: every section and the claims take their numbers from it
    cells, groups, runs, pops, facts = evidence.cells, evidence.groups, evidence.runs, evidence.populations, evidence.buckets
    suite = evidence.suite
    baseline = suite.get("baseline")
    pairs, interactions, no_pairs = comparison_pairs(suite, runs)

    rows = [_cell_row(cell) for cell in evidence.every_cell]
    missing = [row for row in rows if not row["trained"]]
    unevaluated = [row for row in rows if row["trained"] and not row["evaluated"]]
    analysis: dict[str, Any] = {
        "format": ANALYSIS_FORMAT,
        "suite": {
            "name": suite.get("name"),
            "description": suite.get("description"),
            "source": suite.get("source"),
            "seeds": list(suite.get("seeds", run.manifest.get("seeds", []))),
            "baseline": baseline,
            "comparisons": suite.get("comparisons"),
            "runs": runs,
            "groups": [{"arch": arch, "dataset": dataset} for arch, dataset in groups],
        },
        "run_directory": str(run.path),
        "complete": not missing and not unevaluated,
        "cells": {
            "planned": len(rows),
            "trained": len(rows) - len(missing),
            "evaluated": sum(1 for row in rows if row["evaluated"]),
            "missing": missing,
            "unevaluated": unevaluated,
            "all": rows,
        },
        "buckets": facts,
        "accuracy": accuracy_summaries(pops, groups, runs, facts, bootstrap),
        "comparisons": comparisons(pops, groups, runs, baseline, facts, bootstrap, pairs, interactions, no_pairs),
        "training_time": training_time(evidence, pairs, bootstrap),
        "claims": claims_section(evidence, registry=registry),
        "exposure": exposure(evidence),
        "spread": population_spread(pops, groups, runs, bootstrap),
        "exposure_range": exposure_range(evidence),
        "interference": interference(cells, groups, runs, bootstrap, evidence.probes),
        "accuracy_profile": accuracy_profile(pops, groups, runs, facts, bootstrap),
        "ranking": ranking(evidence.references, pops, groups, runs, facts, bootstrap, evidence.ranking),
        "method": method(run, cells, groups, bootstrap),
    }
    analysis["findings"] = findings(analysis)
    return analysis


def _cell_row(cell: CellRecord) -> dict[str, Any]:
    return {
        "id": cell.id,
        "kind": cell.kind,
        "arch": cell.arch,
        "dataset": cell.dataset,
        "run": cell.run,
        "seed": cell.seed,
        "status": cell.status,
        "epochs": cell.epochs,
        "epochs_done": cell.epochs_done,
        "trained": cell.trained,
        "evaluated": cell.evaluated,
        "reason": why_missing(cell),
        "directory": str(cell.directory),
    }


def why_missing(cell: CellRecord) -> str | None:
    """Why a cell adds nothing (or no accuracies) to the report; None when it is all there."""
    if cell.status == "pending":
        return "not trained yet (pending)"
    if cell.status == "interrupted":
        return f"interrupted after {cell.epochs_done} of {cell.epochs} epochs (rerun the suite to resume)"
    if cell.status == "damaged":
        return f"damaged: {' '.join(str(cell.problem).split())[:300]}"
    if cell.status == "failed":
        error = " ".join(str((cell.failure or {}).get("error", "unknown error")).split())
        stage = "in evaluation" if cell.trained else "in training"
        return f"failed {stage}: {error[:300]}"
    if not cell.evaluated:
        return (
            "trained, but its population is not evaluated under the suite's evaluation settings and its current weights "
            "(no current evaluation.json)"
        )
    return None
