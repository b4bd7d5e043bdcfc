"""How each run's inherited accuracies rank the stand-alone references, per seed: the ranking evidence.

The suite's stand-alone references (cells of ``references:``: subnets of the evaluation
list, each trained alone from scratch) give each reference subnet its *stand-alone*
accuracy (the mean over the references' seeds); each run's evaluation gives the same
subnet its *inherited* accuracy, per training seed.  Per (architecture, dataset, run),
scope (every bucket's references, and ``all`` of them together) and training seed, the
measures of :func:`seed_measures` (Kendall's tau-b, Spearman's rho, Pearson's r,
precision at the top ``TOP_SHARE``, the stand-alone rank of the supernet's top pick).

The ``ranking`` claims test these per-seed measures; the report's ranking section adds
intervals, means over seeds and the seed-mean ranking from the same :class:`RunRanking`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from nasbench_rss.analysis.populations import Group, Population
from nasbench_rss.run.results import CellRecord
from nasbench_rss.stats.ranking import (
    MEASURES,
    kendall_tau,
    pearson_r,
    precision_at_k,
    spearman_rho,
    top_pick_rank,
)

SCOPE_ALL = "all"
TOP_SHARE = 0.2
"""Precision at k looks at the top ``ceil(TOP_SHARE * n)`` subnets of a scope (at least one)."""

Member = tuple[str, str]
"""(bucket label, encoding): one reference subnet in one bucket's evaluation list."""

References = dict[str, dict[str, Any]]
"""encoding -> ``{mflops, buckets, per_seed, accuracy}`` of one group's evaluated references."""


def top_k_of(n: int) -> int:
    return max(1, math.ceil(TOP_SHARE * n))


@dataclass(frozen=True)
class SeedRanking:
    """One seed's ranking of one scope: the subnets it evaluated, both accuracies, the measures."""

    seed: int
    predicted: list[float]
    """Inherited accuracies of the scope's subnets this seed evaluated."""
    truth: list[float]
    """Their stand-alone accuracies, in the same order."""
    measures: dict[str, float]


@dataclass(frozen=True)
class ScopeRanking:
    """One scope (a bucket's references, or ``all``) of one run: its subnets and every seed's ranking."""

    scope: str
    members: list[Member]
    per_seed: list[SeedRanking]


@dataclass(frozen=True)
class RunRanking:
    """One (architecture, dataset, run) ranked against the group's references."""

    arch: str
    dataset: str
    run: str
    scopes: list[ScopeRanking]
    inherited: dict[int, dict[Member, float]]
    """seed -> (bucket label, encoding) -> inherited accuracy, for every evaluated seed."""


@dataclass(frozen=True)
class Ranking:
    """The references of every group and every run ranked against them (runs without references: none)."""

    references: dict[Group, References]
    runs: list[RunRanking]

    def measures(self, arch: str, dataset: str) -> dict[str, dict[int, dict[str, dict[str, float]]]]:
        """run -> seed -> scope -> measure -> value, for the claims of one group."""
        out: dict[str, dict[int, dict[str, dict[str, float]]]] = {}
        for entry in self.runs:
            if (entry.arch, entry.dataset) != (arch, dataset):
                continue
            for scope in entry.scopes:
                for seed in scope.per_seed:
                    measures = {name: seed.measures[name] for name in MEASURES}
                    out.setdefault(entry.run, {}).setdefault(seed.seed, {})[scope.scope] = measures
        return out


def reference_accuracies(references: list[CellRecord]) -> dict[Group, References]:
    """(arch, dataset) -> encoding -> ``{mflops, buckets, per_seed, accuracy}`` of every evaluated reference."""
    out: dict[Group, References] = {}
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


def inherited(population: dict[str, list[Any]]) -> dict[Member, float]:
    """(bucket label, encoding) -> accuracy in one seed's population (a subnet drawn twice in a bucket: its first draw)."""
    out: dict[Member, float] = {}
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


def scopes_of(references: References, labels: list[str]) -> list[tuple[str, list[Member]]]:
    """(scope, members): every bucket's references, then all of them (each subnet once)."""
    scopes = []
    for label in labels:
        members = [(label, encoding) for encoding, ref in references.items() if label in ref["buckets"]]
        if members:
            scopes.append((label, members))
    seen: dict[str, Member] = {}
    for _, members in scopes:
        for label, encoding in members:
            seen.setdefault(encoding, (label, encoding))
    if seen:
        scopes.append((SCOPE_ALL, list(seen.values())))
    return scopes


def rank_run(arch: str, dataset: str, run: str, references: References, population: Population, labels: list[str]) -> RunRanking:
    """One run's per-seed rankings of every scope with at least two of its references evaluated at a seed."""
    by_seed = {seed: inherited(population[seed]) for seed in sorted(population)}
    scopes = []
    for scope, members in scopes_of(references, labels):
        per_seed = []
        for seed, accuracies in by_seed.items():
            present = [m for m in members if m in accuracies]
            if len(present) < 2:
                continue
            predicted = [accuracies[m] for m in present]
            truth = [references[encoding]["accuracy"] for _, encoding in present]
            per_seed.append(SeedRanking(seed, predicted, truth, seed_measures(predicted, truth)))
        if per_seed:
            scopes.append(ScopeRanking(scope, members, per_seed))
    return RunRanking(arch, dataset, run, scopes, by_seed)


def rank_runs(
    reference_cells: list[CellRecord],
    pops: dict[tuple[str, str, str], Population],
    groups: list[Group],
    runs: list[str],
    facts: list[dict[str, Any]],
) -> Ranking:
    """Every run of every group with evaluated references, ranked against them (in group, then run order)."""
    refs = reference_accuracies(reference_cells)
    labels_of = {(f["arch"], f["dataset"]): [b["label"] for b in f["buckets"] if b.get("status") == "evaluated"] for f in facts}
    ranked = []
    for arch, dataset in groups:
        group_refs = refs.get((arch, dataset), {})
        for run in runs:
            population = pops.get((arch, dataset, run))
            if not population or not group_refs:
                continue
            entry = rank_run(arch, dataset, run, group_refs, population, labels_of.get((arch, dataset), []))
            if entry.scopes:
                ranked.append(entry)
    return Ranking(refs, ranked)
