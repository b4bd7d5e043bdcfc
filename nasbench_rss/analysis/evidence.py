"""A run directory read once into typed evidence: what the claims test and the report's sections show.

:class:`RunEvidence` reads the cells of a run directory once and derives each kind of
evidence on first use, once: the evaluated populations and the evaluation's buckets, each
trained cell's times, what it trained (exposure), what the interference probe saw, and
the runs' rankings against the stand-alone references.  :meth:`RunEvidence.group` gives
one (architecture, dataset) group's :class:`Evidence`, what a claim kind is tested on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Sequence

from nasbench_rss.analysis.curves import Convergence, Curve, convergence, curves
from nasbench_rss.analysis.exposure import Exposure, cell_exposure
from nasbench_rss.analysis.populations import (
    Group,
    NanAccuracies,
    Population,
    Subnet,
    aligned,
    bucket_facts,
    buckets_of,
    nan_accuracies,
    populations,
    unique,
)
from nasbench_rss.analysis.probes import probe_summaries
from nasbench_rss.analysis.ranking import Ranking, rank_runs
from nasbench_rss.analysis.records import Damage, check_cells
from nasbench_rss.analysis.times import CellTime, CellTiming, cell_timings
from nasbench_rss.run.results import CellRecord, RunDirectory
from nasbench_rss.space.buckets import bucket_key


@dataclass(frozen=True)
class Evidence:
    """Everything of one (architecture, dataset) group a claim may be tested on.

    ``populations``: run -> seed -> bucket label -> evaluated subnets (index order);
    ``buckets``: the evaluation's buckets in order, each ``{label, target, status}``;
    ``trained``: run -> seed -> ``(mflops, optimizer steps)`` of every subnet it trained;
    ``times``: run -> seed -> :class:`CellTime`;
    ``interference``: run -> seed -> what the interference probe saw in that cell (the
    per-seed summary of :mod:`nasbench_rss.analysis.probes`), for probed cells only;
    ``ranking``: run -> seed -> scope (a bucket label or ``all``) -> ranking measure ->
    value, against the suite's stand-alone references (:mod:`nasbench_rss.analysis.ranking`);
    ``curves``: run -> seed -> learning curve, for cells evaluated with ``evaluation.during``
    (:mod:`nasbench_rss.analysis.curves`).
    """

    arch: str
    dataset: str
    populations: dict[str, Population]
    buckets: list[dict[str, Any]]
    trained: dict[str, dict[int, list[tuple[float, int]]]] = field(default_factory=dict)
    times: dict[str, dict[int, CellTime]] = field(default_factory=dict)
    interference: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    ranking: dict[str, dict[int, dict[str, dict[str, float]]]] = field(default_factory=dict)
    curves: dict[str, dict[int, Curve]] = field(default_factory=dict)

    def convergence(self, run: str) -> Convergence:
        """Whether ``run``'s population had converged (the rule of :mod:`nasbench_rss.analysis.curves`)."""
        return convergence(run, self.curves.get(run, {}))

    def evaluated_labels(self) -> list[str]:
        """Labels of the evaluated buckets, in the evaluation's order."""
        return [b["label"] for b in self.buckets if b.get("status") == "evaluated"]

    def labels(self, buckets: Any) -> list[str]:
        """The evaluated bucket labels a claim's ``buckets`` option names ('all' or targets), matched by bucket key."""
        evaluated = self.evaluated_labels()
        if buckets == "all":
            return evaluated
        wanted = {bucket_key(float(t)) for t in buckets}
        return [label for label in evaluated if label in wanted]

    def label_of(self, target: float) -> str | None:
        """The label of the evaluation's bucket at ``target`` (its :func:`~nasbench_rss.space.buckets.bucket_key`), None if none."""
        key = bucket_key(float(target))
        return key if any(b["label"] == key for b in self.buckets) else None

    def target_of(self, label: str) -> float:
        return next(float(b["target"]) for b in self.buckets if b["label"] == label)

    def seeds(self, *runs: str) -> list[int]:
        """Seeds at which every one of ``runs`` has an evaluated population."""
        sets = [set(self.populations.get(run, {})) for run in runs]
        return sorted(set.intersection(*sets)) if sets else []

    def subnets(self, run: str, seed: int, labels: Sequence[str]) -> list[Subnet]:
        by_bucket = self.populations.get(run, {}).get(seed, {})
        return [s for label in labels for s in by_bucket.get(label, [])]

    def paired(self, runs: Sequence[str], seed: int, labels: Sequence[str]) -> list[list[float]]:
        """Accuracies of the subnets every one of ``runs`` evaluated at ``seed`` (same bucket, index, encoding).

        One row per run, the columns aligned; subnets evaluated by only some runs are left out.
        """
        rows = aligned([self.populations.get(run, {}) for run in runs], seed, labels)
        return [[s.accuracy for s in row] for row in rows]


class RunEvidence:
    """A run directory's cells, read once, and every kind of evidence derived from them (each once, on first use).

    ``cells`` are the runs' cells (supernets and whatever else a run trains) in suite order,
    ``references`` the stand-alone reference cells; ``runs`` and ``groups`` are in suite order.
    Every cell's records are checked as they are read (:mod:`nasbench_rss.analysis.records`):
    a damaged one is left out and listed in :attr:`damaged`.
    """

    def __init__(self, run: RunDirectory) -> None:
        self.run = run
        self.every_cell: list[CellRecord]
        self.every_cell, self._damaged_records = check_cells(run.cells())  # the records checked once, here
        self.cells = [cell for cell in self.every_cell if cell.kind == "run"]
        self.references = [cell for cell in self.every_cell if cell.kind == "reference"]
        self.runs: list[str] = unique(cell.run for cell in self.cells)
        self.groups: list[Group] = unique((cell.arch, cell.dataset) for cell in self.cells)

    @property
    def suite(self) -> dict[str, Any]:
        """The suite as the manifest records it (name, seeds, baseline, comparisons, claims, ...)."""
        return self.run.manifest.get("suite") or {}

    @cached_property
    def populations(self) -> dict[tuple[str, str, str], Population]:
        """(arch, dataset, run) -> seed -> bucket label -> evaluated subnets."""
        return populations(self.cells)

    @cached_property
    def buckets(self) -> list[dict[str, Any]]:
        """Per group: the evaluation's buckets with status, reason and population facts."""
        return bucket_facts(self.cells, self.groups)

    @cached_property
    def curves(self) -> dict[tuple[str, str, str], dict[int, Curve]]:
        """(arch, dataset, run) -> seed -> learning curve, for the cells that measured one."""
        return curves(self.cells)

    @cached_property
    def timings(self) -> list[CellTiming]:
        """Every trained cell's times, in suite order."""
        return cell_timings(self.cells)

    @cached_property
    def exposure(self) -> dict[str, Exposure]:
        """Cell id -> what it trained, for the trained cells that record it."""
        return cell_exposure(self.cells)

    @cached_property
    def _probed(self) -> tuple[dict[str, dict[str, Any]], list[Damage]]:
        return probe_summaries(self.cells)

    @property
    def probes(self) -> dict[str, dict[str, Any]]:
        """Cell id -> the summary of what its interference probe saw, for the probed cells."""
        return self._probed[0]

    @property
    def damaged(self) -> list[Damage]:
        """Every damaged cell file: its records (result, evaluation) and its probe records."""
        return self._damaged_records + self._probed[1]

    @cached_property
    def nan_accuracies(self) -> list[NanAccuracies]:
        """The cells (references too) with evaluated subnets whose accuracy is NaN, counted."""
        return nan_accuracies(self.every_cell)

    @cached_property
    def ranking(self) -> Ranking:
        """The runs' per-seed rankings against the stand-alone references."""
        return rank_runs(self.references, self.populations, self.groups, self.runs, self.buckets)

    def group(self, arch: str, dataset: str) -> Evidence:
        """What a claim kind is tested on for one (architecture, dataset) group."""
        trained: dict[str, dict[int, list[tuple[float, int]]]] = {}
        times: dict[str, dict[int, CellTime]] = {}
        interference: dict[str, dict[int, dict[str, Any]]] = {}
        timing = {t.id: t.time for t in self.timings}
        for cell in self.cells:
            if (cell.arch, cell.dataset) != (arch, dataset):
                continue
            if cell.id in self.probes:
                interference.setdefault(cell.run, {})[cell.seed] = self.probes[cell.id]
            exposure = self.exposure.get(cell.id)
            if exposure is not None and exposure.subnets:
                trained.setdefault(cell.run, {})[cell.seed] = [(float(m), int(n)) for m, n in exposure.subnets]
            if cell.id in timing:
                times.setdefault(cell.run, {})[cell.seed] = timing[cell.id]
        return Evidence(
            arch=arch,
            dataset=dataset,
            populations={run: pop for (a, d, run), pop in self.populations.items() if (a, d) == (arch, dataset)},
            buckets=buckets_of(self.buckets, arch, dataset),
            trained=trained,
            times=times,
            interference=interference,
            ranking=self.ranking.measures(arch, dataset),
            curves={run: by_seed for (a, d, run), by_seed in self.curves.items() if (a, d) == (arch, dataset)},
        )
