"""Ranking quality: how well each run's inherited accuracies rank subnets as stand-alone training does.

A supernet is used to rank architectures.  The suite's stand-alone references (cells of
``references:``: subnets of the evaluation list, each trained alone from scratch) give
each reference subnet its *stand-alone* accuracy (the mean over the references' seeds);
each run's evaluation gives the same subnet its *inherited* accuracy, per training seed.
Per (architecture, dataset, run) and per scope (every bucket's references, and ``all``
of them together):

- per seed: Kendall's tau-b, Spearman's rho, Pearson's r between inherited and
  stand-alone accuracy, precision at the top ``TOP_SHARE`` of the scope's subnets, and
  the stand-alone rank of the subnet the supernet ranks first (see
  :mod:`nasbench_rss.stats.ranking`); tau and rho with a percentile bootstrap interval
  over the scope's subnets (``ranking_ci``);
- across seeds: the mean of each per-seed measure with a bootstrap interval over seeds;
- ``seed_mean``: the same measures for the inherited accuracy averaged over seeds (the
  supernet method's ranking, seeds pooled), tau and rho with intervals over subnets.

Over ``all`` buckets the ranking includes that of FLOPs (at full scale bigger subnets
win; after a few CPU-scale epochs the smaller ones train faster); within a bucket, among
subnets of nearly equal FLOPs, it is what the supernet says beyond FLOPs.  ``agreement``: for every pair of runs, Kendall's tau between their
inherited accuracies on every subnet both evaluated (the whole evaluation list, no
reference needed), per seed, per bucket and over all, with the mean over seeds.
"""

from __future__ import annotations

import math
from itertools import combinations
from typing import Any

import numpy as np

from nasbench_rss.analysis.populations import Bootstrap, Group, Population, aligned
from nasbench_rss.run.results import CellRecord
from nasbench_rss.stats import mean_ci
from nasbench_rss.stats.ranking import (
    MEASURES,
    kendall_tau,
    kendall_tau_axis,
    pearson_r,
    precision_at_k,
    ranking_ci,
    spearman_rho,
    spearman_rho_axis,
    top_pick_rank,
)

SCOPE_ALL = "all"
TOP_SHARE = 0.2
"""Precision at k looks at the top ``ceil(TOP_SHARE * n)`` subnets of a scope (at least one)."""

INTERVAL_MEASURES = {"kendall_tau": kendall_tau_axis, "spearman_rho": spearman_rho_axis}
"""The measures with a bootstrap interval over subnets (vectorised for the resamples)."""


def top_k_of(n: int) -> int:
    return max(1, math.ceil(TOP_SHARE * n))


def reference_accuracies(references: list[CellRecord]) -> dict[Group, dict[str, dict[str, Any]]]:
    """(arch, dataset) -> encoding -> ``{mflops, buckets, per_seed, accuracy}`` of every evaluated reference."""
    out: dict[Group, dict[str, dict[str, Any]]] = {}
    for cell in references:
        record = (cell.population or {}).get("stand_alone")
        if record is None or not isinstance(record.get("accuracy"), (int, float)) or not math.isfinite(record["accuracy"]):
            continue
        entry = out.setdefault((cell.arch, cell.dataset), {}).setdefault(
            record["encoding"], {"mflops": float(record["mflops"]), "buckets": list(cell.buckets), "per_seed": {}}
        )
        entry["per_seed"][cell.seed] = float(record["accuracy"])
    for group in out.values():
        for entry in group.values():
            entry["accuracy"] = float(np.mean(list(entry["per_seed"].values())))
    return out


def inherited(population: dict[str, list[Any]]) -> dict[tuple[str, str], float]:
    """(bucket label, encoding) -> accuracy in one seed's population (a subnet drawn twice in a bucket: its first draw)."""
    out: dict[tuple[str, str], float] = {}
    for label, subnets in population.items():
        for subnet in subnets:
            out.setdefault((label, subnet.encoding), subnet.accuracy)
    return out


def seed_measures(predicted: list[float], truth: list[float]) -> dict[str, float]:
    """Every ranking measure of one seed's inherited accuracies against the stand-alone ones."""
    return {
        "kendall_tau": kendall_tau(predicted, truth),
        "spearman_rho": spearman_rho(predicted, truth),
        "pearson_r": pearson_r(predicted, truth),
        "precision_at_k": precision_at_k(predicted, truth, top_k_of(len(truth))),
        "top_pick_rank": top_pick_rank(predicted, truth),
    }


def _with_intervals(predicted: list[float], truth: list[float], bootstrap: Bootstrap | None) -> dict[str, Any]:
    measures: dict[str, Any] = seed_measures(predicted, truth)
    if bootstrap is None:
        return measures
    for name, statistic in INTERVAL_MEASURES.items():
        if math.isfinite(measures[name]) and len(truth) >= 3:
            measures[f"{name}_ci"] = ranking_ci(predicted, truth, statistic, **bootstrap.kwargs()).to_dict()
        else:
            measures[f"{name}_ci"] = None
    return measures


def _scopes(references: dict[str, dict[str, Any]], labels: list[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(scope, [(bucket label, encoding)...]): every bucket's references, then all of them (each subnet once)."""
    scopes = []
    for label in labels:
        members = [(label, encoding) for encoding, ref in references.items() if label in ref["buckets"]]
        if members:
            scopes.append((label, members))
    seen: dict[str, tuple[str, str]] = {}
    for _, members in scopes:
        for label, encoding in members:
            seen.setdefault(encoding, (label, encoding))
    if seen:
        scopes.append((SCOPE_ALL, list(seen.values())))
    return scopes


def run_ranking(
    references: dict[str, dict[str, Any]], population: Population, labels: list[str], bootstrap: Bootstrap | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(scopes, points) of one (arch, dataset, run): the measures per scope, and every reference's accuracies.

    Without ``bootstrap`` only the per-seed measures (what claims test), no intervals or summaries.
    """
    by_seed = {seed: inherited(population[seed]) for seed in sorted(population)}
    scopes = _scopes(references, labels)
    scopes_out = []
    for scope, members in scopes:
        per_seed = []
        for seed, accuracies in by_seed.items():
            present = [m for m in members if m in accuracies]
            if len(present) < 2:
                continue
            predicted = [accuracies[m] for m in present]
            truth = [references[encoding]["accuracy"] for _, encoding in present]
            per_seed.append({"seed": seed, "n": len(present), **_with_intervals(predicted, truth, bootstrap)})
        if not per_seed:
            continue
        if bootstrap is None:
            scopes_out.append({"scope": scope, "n": len(members), "seeds": [e["seed"] for e in per_seed], "per_seed": per_seed})
            continue
        everywhere = [m for m in members if all(m in accuracies for accuracies in by_seed.values())]
        seed_mean = None
        if len(everywhere) >= 2:
            predicted = [float(np.mean([accuracies[m] for accuracies in by_seed.values()])) for m in everywhere]
            truth = [references[encoding]["accuracy"] for _, encoding in everywhere]
            seed_mean = {"n": len(everywhere), **_with_intervals(predicted, truth, bootstrap)}
        across = {}
        for name in MEASURES:
            values = [entry[name] for entry in per_seed if math.isfinite(entry[name])]
            across[name] = mean_ci(values, **bootstrap.kwargs()).to_dict() if values else None
        scopes_out.append(
            {
                "scope": scope,
                "n": len(members),
                "k": top_k_of(len(members)),
                "seeds": [entry["seed"] for entry in per_seed],
                "per_seed": per_seed,
                "across_seeds": across,
                "seed_mean": seed_mean,
            }
        )
    points = []
    for label, encoding in next((m for s, m in scopes if s == SCOPE_ALL), []):
        values = {seed: accuracies[(label, encoding)] for seed, accuracies in by_seed.items() if (label, encoding) in accuracies}
        if values:
            ref = references[encoding]
            points.append(
                {
                    "encoding": encoding,
                    "bucket": label,
                    "mflops": ref["mflops"],
                    "stand_alone": ref["accuracy"],
                    "inherited": float(np.mean(list(values.values()))),
                    "per_seed": {str(seed): value for seed, value in values.items()},
                }
            )
    return scopes_out, points


def ranking(
    reference_cells: list[CellRecord],
    pops: dict[tuple[str, str, str], Population],
    groups: list[Group],
    runs: list[str],
    facts: list[dict[str, Any]],
    bootstrap: Bootstrap | None,
) -> dict[str, Any]:
    """The ranking section: ``top_share``, ``references`` and ``runs`` (per group with evaluated references) and
    ``agreement`` (every pair of runs, with or without references).  Keys in the module docstring.

    ``bootstrap`` None: the per-seed measures only, no intervals, summaries or agreement (what
    the claims need, ``report.claims.run_claims``)."""
    refs = reference_accuracies(reference_cells)
    labels_of = {(f["arch"], f["dataset"]): [b["label"] for b in f["buckets"] if b.get("status") == "evaluated"] for f in facts}
    section: dict[str, Any] = {"top_share": TOP_SHARE, "references": [], "runs": [], "agreement": []}
    for arch, dataset in groups:
        labels = labels_of.get((arch, dataset), [])
        planned = [c for c in reference_cells if (c.arch, c.dataset) == (arch, dataset)]
        group_refs = refs.get((arch, dataset), {})
        if planned:
            section["references"].append(
                {
                    "arch": arch,
                    "dataset": dataset,
                    "planned_cells": len(planned),
                    "evaluated_cells": sum(1 for c in planned if (c.population or {}).get("stand_alone") is not None),
                    "epochs": sorted({c.epochs for c in planned}),
                    "seeds": sorted({c.seed for c in planned}),
                    "subnets": [{"encoding": e, **{k: v for k, v in r.items() if k != "per_seed"}, "per_seed": {str(s): a for s, a in r["per_seed"].items()}} for e, r in group_refs.items()],
                }
            )
        for run in runs:
            population = pops.get((arch, dataset, run))
            if not population or not group_refs:
                continue
            scopes, points = run_ranking(group_refs, population, labels, bootstrap)
            if scopes:
                section["runs"].append({"arch": arch, "dataset": dataset, "run": run, "scopes": scopes, "points": points})
        if bootstrap is not None:
            section["agreement"] += _agreement(arch, dataset, runs, pops, labels, bootstrap)
    return section


def _agreement(
    arch: str, dataset: str, runs: list[str], pops: dict[tuple[str, str, str], Population], labels: list[str], bootstrap: Bootstrap
) -> list[dict[str, Any]]:
    """Kendall's tau between two runs' inherited accuracies on the subnets both evaluated, per seed and scope."""
    out = []
    present = [run for run in runs if pops.get((arch, dataset, run))]
    for first, second in combinations(present, 2):
        a, b = pops[(arch, dataset, first)], pops[(arch, dataset, second)]
        seeds = sorted(set(a) & set(b))
        scopes = []
        for scope, scope_labels in [*((label, [label]) for label in labels), (SCOPE_ALL, labels)]:
            per_seed = {}
            for seed in seeds:
                rows = aligned([a, b], seed, scope_labels)
                if rows and len(rows[0]) >= 2:
                    tau = kendall_tau([s.accuracy for s in rows[0]], [s.accuracy for s in rows[1]])
                    per_seed[str(seed)] = {"n": len(rows[0]), "kendall_tau": tau}
            values = [v["kendall_tau"] for v in per_seed.values() if math.isfinite(v["kendall_tau"])]
            if per_seed:
                across = mean_ci(values, **bootstrap.kwargs()).to_dict() if values else None
                scopes.append({"scope": scope, "per_seed": per_seed, "across_seeds": across})
        if scopes:
            out.append({"arch": arch, "dataset": dataset, "runs": [first, second], "seeds": seeds, "scopes": scopes})
    return out


def ranking_evidence(section: dict[str, Any], arch: str, dataset: str) -> dict[str, dict[int, dict[str, dict[str, float]]]]:
    """run -> seed -> scope -> measure -> value, for the claims of one group."""
    out: dict[str, dict[int, dict[str, dict[str, float]]]] = {}
    for entry in section.get("runs", []):
        if (entry["arch"], entry["dataset"]) != (arch, dataset):
            continue
        for scope in entry["scopes"]:
            for seed_entry in scope["per_seed"]:
                measures = {name: seed_entry[name] for name in MEASURES}
                out.setdefault(entry["run"], {}).setdefault(int(seed_entry["seed"]), {})[scope["scope"]] = measures
    return out
