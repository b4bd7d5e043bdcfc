"""Each trained cell's training time: wall and CPU seconds, per epoch, and its contended epochs.

Read once per run directory: the report's training-time section, its ratios and the
``faster`` claims all take their times from here.  A cell that ran the interference probe
has the probe's own wall and CPU time (its result's ``interference``) taken out of its
training time; ``probe_seconds`` says how much.  Contention is decided by the rule of
:mod:`nasbench_rss.analysis.contention`, from the result's per-epoch times and the load
averages and subnets of its ``events.jsonl``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from nasbench_rss.analysis.contention import EpochTime, contention
from nasbench_rss.cell.directory import EVENTS_FILE, CellDirectory
from nasbench_rss.errors import StorageError
from nasbench_rss.run.results import CellRecord


@dataclass(frozen=True)
class CellTime:
    """One trained cell's training time: wall and CPU seconds and whether any epoch was contended."""

    wall_seconds: float
    cpu_seconds: float | None
    contended_epochs: int = 0
    epochs: int = 0
    macs: int | None = None
    """Training MACs (``result.json``'s ``train_macs.total``); None for a cell trained before they were counted."""


@dataclass(frozen=True)
class CellTiming:
    """One trained cell's times as the report lists them (``to_dict`` is its row in ``report.json``).

    ``train_cpu_seconds`` is None when any epoch's CPU time is unknown, and
    ``contention["recorded"]`` says whether the contention check could run.
    """

    id: str
    arch: str
    dataset: str
    run: str
    seed: int
    epochs: int
    train_seconds: float
    seconds_per_epoch: float
    train_cpu_seconds: float | None
    cpu_seconds_per_epoch: float | None
    cpu_count: int | None
    contention: dict[str, Any]
    probe_seconds: float
    images_per_second: float | None
    device: str | None
    train_macs: int | None = None
    """Multiply-accumulates of training (:mod:`nasbench_rss.train.cost`), the same on every machine; None: not counted."""
    macs_per_epoch: float | None = None

    @property
    def time(self) -> CellTime:
        """What a timing claim is tested on."""
        return CellTime(self.train_seconds, self.train_cpu_seconds, len(self.contention["contended"]), self.epochs, self.train_macs)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def cell_timings(cells: list[CellRecord]) -> list[CellTiming]:
    """One entry per trained cell, in the cells' order."""
    return [_timing(cell) for cell in cells if cell.result is not None]


def epoch_times(cell: CellRecord) -> tuple[list[EpochTime], str | None]:
    """The cell's epochs (wall and CPU time from its result, load and subnets from its events), and any problem reading them.

    The result's per-epoch lists are the ones its totals sum; the events add what the
    result does not hold.  Unreadable events cost the load rule, not the cell: the problem
    is returned to be shown.
    """
    result = cell.result or {}
    walls = list(result.get("epoch_seconds") or [])
    cpus = list(result.get("epoch_cpu_seconds") or [])
    cpus += [None] * (len(walls) - len(cpus))
    problem = None
    try:
        events = CellDirectory(cell.directory).read_jsonl(EVENTS_FILE).records
    except StorageError as error:
        events, problem = [], f"events not read ({error}): load averages unknown"
    by_epoch = {e["epoch"]: e for e in events if e.get("event") == "epoch" and isinstance(e.get("epoch"), int)}
    epochs = []
    for index, (wall, cpu) in enumerate(zip(walls, cpus)):
        event = by_epoch.get(index, {})
        load = event.get("load_average")
        threads = event.get("threads")
        epochs.append(
            EpochTime(
                index=index,
                seconds=float(wall),
                cpu_seconds=None if cpu is None else float(cpu),
                load_average=float(load) if _number(load) else None,
                mflops=_mean_mflops(event.get("subnets")),
                threads=int(threads) if isinstance(threads, int) and not isinstance(threads, bool) else None,
            )
        )
    return epochs, problem


def _timing(cell: CellRecord) -> CellTiming:
    result = cell.result or {}
    probe = result.get("interference") or {}
    probe_seconds = float(probe.get("seconds", 0.0))
    seconds = float(result["train_seconds"]) - probe_seconds
    epochs = len(result.get("epoch_seconds") or []) or cell.epochs
    cpu = result.get("train_cpu_seconds")
    if cpu is not None:
        cpu = float(cpu) - float(probe.get("cpu_seconds", 0.0))
    macs = (result.get("train_macs") or {}).get("total")
    times, problem = epoch_times(cell)
    provenance = result.get("provenance") or {}
    checked = contention(times, result.get("cpu_count"), provenance.get("device_type"))
    checked["problem"] = problem
    return CellTiming(
        id=cell.id,
        arch=cell.arch,
        dataset=cell.dataset,
        run=cell.run,
        seed=cell.seed,
        epochs=epochs,
        train_seconds=seconds,
        seconds_per_epoch=seconds / epochs,
        train_cpu_seconds=None if cpu is None else float(cpu),
        cpu_seconds_per_epoch=None if cpu is None else float(cpu) / epochs,
        cpu_count=result.get("cpu_count"),
        contention=checked,
        probe_seconds=probe_seconds,
        images_per_second=result.get("images_per_second"),
        device=provenance.get("device_name"),
        train_macs=None if macs is None else int(macs),
        macs_per_epoch=None if macs is None else int(macs) / epochs,
    )


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _mean_mflops(subnets: Any) -> float | None:
    """Step-weighted mean MFLOPs of an epoch's trained subnets (None when not listed or unreadable)."""
    if not isinstance(subnets, list):
        return None
    rows = [(s.get("mflops"), s.get("steps", 0)) for s in subnets if isinstance(s, dict)]
    rows = [(m, n) for m, n in rows if _number(m) and _number(n)]
    steps = sum(n for _, n in rows)
    return sum(m * n for m, n in rows) / steps if steps else None
