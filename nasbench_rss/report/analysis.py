"""Every number of a report, computed once from a run directory: ``analyse(run) -> dict``.

The result is plain JSON data (``report.json`` is it, with NaN written as null); the
findings, the figures and the Markdown and HTML reports are all made from it, so no
report shows a number that the JSON does not hold.  Its top-level keys:

    format, suite, run_directory, complete, cells      what was planned, what is there, what is missing and why,
                                                       which cell files are damaged (left out, with the recovery)
                                                       and which subnets' accuracies are NaN (counted, left out)
    buckets                                            per (arch, dataset): the evaluation's buckets, skipped ones with reasons
    accuracy                                           per (arch, dataset, run, bucket): per-seed and pooled summaries,
                                                       raw accuracies, mean of seed means with a bootstrap CI
    comparisons                                        each compared pair (the suite's comparisons, default every run
                                                       against the baseline) per bucket: paired tests, Holm-adjusted
                                                       p-values, effect sizes (or why omitted); interactions
    claims                                             the suite's claims: statistic, p for and against (Holm across the
                                                       claims), verdict
    training_time                                      per cell, per run, ratios to the baseline with CIs
    learning_curves                                    per (arch, dataset, run) with curves: the panel's accuracy at each
                                                       point with the MACs spent, convergence over the last quarter
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
because a cell is absent or one of its files is damaged.  The run directory is read once
(:class:`nasbench_rss.analysis.evidence.RunEvidence`); each section
(:class:`nasbench_rss.report.section.Section`) computes its key from that evidence, in
:data:`JSON_ORDER`.
"""

from __future__ import annotations

from typing import Any

from nasbench_rss.analysis.evidence import RunEvidence
from nasbench_rss.analysis.populations import Bootstrap
from nasbench_rss.plugins import PluginRegistry
from nasbench_rss.report import (
    accuracy,
    claims,
    comparisons,
    curves,
    exposure,
    exposure_range,
    interference,
    method,
    profile,
    ranking,
    spread,
    timing,
)
from nasbench_rss.report.cells import overview
from nasbench_rss.report.findings import findings
from nasbench_rss.report.section import Inputs, Plan, Section
from nasbench_rss.run.results import RunDirectory

ANALYSIS_FORMAT = 1
LEVEL = 0.95
RESAMPLES = 10_000

JSON_ORDER: tuple[Section, ...] = (
    accuracy.BUCKETS,
    accuracy.SECTION,
    comparisons.SECTION,
    timing.SECTION,
    curves.SECTION,
    claims.SECTION,
    exposure.SECTION,
    spread.SECTION,
    exposure_range.SECTION,
    interference.SECTION,
    profile.SECTION,
    ranking.SECTION,
    method.SECTION,
)
"""The computed sections in ``report.json``'s key order (after the overview, before the findings)."""


def analyse(
    run: RunDirectory, seed: int = 0, resamples: int = RESAMPLES, level: float = LEVEL, registry: PluginRegistry | None = None
) -> dict[str, Any]:
    """The analysis of ``run`` as JSON data (keys in the module docstring).

    ``registry`` holds the claim kinds the suite's claims are tested with (default: the
    installed plugins).
    ``seed`` seeds every bootstrap (same seed, same intervals), ``resamples`` is the
    number of bootstrap resamples and ``level`` the confidence level of every interval.
    """
    evidence = RunEvidence(run)  # the run directory read once: every section and the claims take their numbers from it
    suite = evidence.suite
    plan = Plan(*comparisons.comparison_pairs(suite, evidence.runs))
    inputs = Inputs(evidence, Bootstrap(seed=seed, resamples=resamples, level=level), registry, plan)
    analysis: dict[str, Any] = {
        "format": ANALYSIS_FORMAT,
        "suite": {
            "name": suite.get("name"),
            "description": suite.get("description"),
            "source": suite.get("source"),
            "seeds": list(suite.get("seeds", run.manifest.get("seeds", []))),
            "baseline": suite.get("baseline"),
            "comparisons": suite.get("comparisons"),
            "runs": evidence.runs,
            "groups": [{"arch": arch, "dataset": dataset} for arch, dataset in evidence.groups],
        },
        "run_directory": str(run.path),
        **overview(inputs),
    }
    for section in JSON_ORDER:
        analysis[section.key] = section.compute(inputs)
    analysis["findings"] = findings(analysis)
    return analysis
