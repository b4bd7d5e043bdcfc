"""The evaluated subnet populations of a run directory, and the evaluation's buckets.

Every other part of the analysis reads accuracies through here: per (architecture,
dataset, run), per training seed, per bucket, the evaluated subnets in index order.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from nasbench_rss.run.results import CellRecord
from nasbench_rss.space.buckets import bucket_key

Group = tuple[str, str]
"""(architecture, dataset): one panel of the paper's Fig. 3."""

Population = dict[int, dict[str, list["Subnet"]]]
"""Training seed -> bucket label -> evaluated subnets of one (arch, dataset, run)."""


@dataclass(frozen=True)
class Subnet:
    """One evaluated subnet of one cell: its place in the evaluation list and its accuracy."""

    bucket: str
    index: int
    encoding: str
    mflops: float
    accuracy: float


@dataclass(frozen=True)
class Bootstrap:
    """Settings of every bootstrap interval of one report (same settings, same intervals)."""

    seed: int = 0
    resamples: int = 10_000
    level: float = 0.95

    def kwargs(self) -> dict[str, Any]:
        return {"seed": self.seed, "resamples": self.resamples, "level": self.level}


def unique(items: Iterable[Any]) -> list[Any]:
    """Items in first-seen order, each once (suite order of runs, architectures, datasets)."""
    return list(dict.fromkeys(items))


def populations(cells: list[CellRecord]) -> dict[tuple[str, str, str], Population]:
    """(arch, dataset, run) -> seed -> bucket label -> evaluated subnets, by index.

    Only evaluated buckets count, and only subnets with a finite accuracy (a subnet whose
    accuracy is NaN is not averaged in; :func:`nan_accuracies` counts those).
    """
    out: dict[tuple[str, str, str], Population] = defaultdict(dict)
    for cell in cells:
        if cell.population is None:
            continue
        by_bucket: dict[str, list[Subnet]] = {}
        for bucket in cell.population.get("buckets", []):
            if bucket.get("status") != "evaluated":
                continue
            subnets = [
                Subnet(bucket["label"], int(s["index"]), s["encoding"], float(s["mflops"]), float(s["accuracy"]))
                for s in bucket.get("subnets") or []
                if _finite(s.get("accuracy"))
            ]
            if subnets:
                by_bucket[bucket["label"]] = sorted(subnets, key=lambda s: s.index)
        out[(cell.arch, cell.dataset, cell.run)][cell.seed] = by_bucket
    return out


@dataclass(frozen=True)
class NanAccuracies:
    """How many of one cell's evaluated subnets have no finite accuracy (NaN or null), in all and per bucket."""

    cell: str
    arch: str
    dataset: str
    run: str
    seed: int
    nan: int
    subnets: int
    buckets: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.cell, "arch": self.arch, "dataset": self.dataset, "run": self.run, "seed": self.seed,
            "nan": self.nan, "subnets": self.subnets, "buckets": dict(self.buckets),
        }  # fmt: skip


def nan_accuracies(cells: list[CellRecord]) -> list[NanAccuracies]:
    """The cells with evaluated subnets whose accuracy is NaN (or null), in the cells' order.

    :func:`populations` leaves those subnets out (no statistic takes a NaN); this is what
    says so, so that a report counts them instead of dropping them in silence.
    """
    out = []
    for cell in cells:
        if cell.population is None:
            continue
        counts: dict[str, int] = {}
        total = 0
        for bucket in cell.population.get("buckets", []):
            if bucket.get("status") != "evaluated":
                continue
            subnets = bucket.get("subnets") or []
            total += len(subnets)
            missing = sum(1 for s in subnets if not _finite(s.get("accuracy")))
            if missing:
                counts[bucket["label"]] = missing
        if counts:
            out.append(NanAccuracies(cell.id, cell.arch, cell.dataset, cell.run, cell.seed, sum(counts.values()), total, counts))
    return out


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def aligned(pops: Sequence[Population], seed: int, labels: Sequence[str]) -> list[list[Subnet]]:
    """The subnets every one of ``pops`` evaluated at ``seed`` in buckets ``labels``, columns aligned.

    One row per population; a column is one subnet (same bucket, index and encoding in
    every population), in bucket then index order.  Subnets some population did not
    evaluate, or evaluated with another encoding, are left out: comparisons of several
    runs (claims, interactions) use exactly the subnets all of them measured.
    """
    tables = [{(s.bucket, s.index): s for label in labels for s in pop.get(seed, {}).get(label, [])} for pop in pops]
    if not tables:
        return []
    order = {label: i for i, label in enumerate(labels)}
    keys = sorted(set.intersection(*(set(t) for t in tables)), key=lambda key: (order[key[0]], key[1]))
    keys = [key for key in keys if len({t[key].encoding for t in tables}) == 1]
    return [[t[key] for key in keys] for t in tables]


def bucket_facts(cells: list[CellRecord], groups: list[Group]) -> list[dict[str, Any]]:
    """Per (arch, dataset): the evaluation's buckets with status, reason and population facts.

    Taken from the group's first evaluated cell (the bucket list depends on the
    architecture, the shape and the evaluation settings only); before any cell is
    evaluated, from the evaluation settings, with status ``not evaluated``.
    """
    out = []
    for arch, dataset in groups:
        group_cells = [c for c in cells if (c.arch, c.dataset) == (arch, dataset)]
        evaluated = [c for c in group_cells if c.population is not None]
        hashes = sorted({c.population["subnets_hash"] for c in evaluated if c.population.get("subnets_hash")})
        if evaluated:
            population = evaluated[0].population
            buckets = [
                {
                    "label": b["label"],
                    "target": b.get("target"),
                    "tolerance": b.get("tolerance"),
                    "status": b.get("status"),
                    "reason": b.get("reason"),
                    "networks": b.get("networks"),
                    "probability": b.get("probability"),
                    "subnets": len(b.get("subnets") or []),
                }
                for b in population.get("buckets", [])
            ]
            flops = population.get("flops", {})
        else:
            settings = group_cells[0].evaluation if group_cells else {}
            buckets = [
                {
                    "label": bucket_key(t),
                    "target": t,
                    "tolerance": settings.get("tolerance"),
                    "status": "not evaluated",
                    "reason": "no cell of this architecture and dataset is evaluated yet",
                    "networks": None,
                    "probability": None,
                    "subnets": 0,
                }
                for t in settings.get("buckets", [])
            ]
            flops = {}
        out.append(
            {
                "arch": arch,
                "dataset": dataset,
                "flops": flops,
                "subnets_hashes": hashes,
                "same_subnets": len(hashes) <= 1,
                "buckets": buckets,
            }
        )
    return out


def buckets_of(facts: list[dict[str, Any]], arch: str, dataset: str) -> list[dict[str, Any]]:
    """The bucket entries of one (arch, dataset), in the evaluation's order."""
    for entry in facts:
        if (entry["arch"], entry["dataset"]) == (arch, dataset):
            return entry["buckets"]
    return []
