"""Training time as the paper measures it (per-epoch wall clock, device synchronised), and what it cost the CPU.

An epoch's time runs from the start of its first step to the end of its last (the device
is synchronised before each clock read, so queued GPU work is counted where it ran); the
cell's training time is the sum of its epochs'.  What happens between epochs (writing the
checkpoint and the events, other observers' work) is the tool's overhead, not training,
and is excluded: the loop starts this observer last and ends it first.

Wall time alone cannot be trusted on a shared machine: another job on the same cores
stretches an epoch without any change in the work.  So each epoch also records the
process's CPU time over the same interval (``time.process_time``: every thread of this
process, not the machine's other jobs), the machine's 1-minute load average at its end and
the thread count; the report compares CPU-time ratios with wall-clock ones and flags epochs
whose wall time per CPU second moved far from the cell's own typical value.
"""

from __future__ import annotations

import os
import time
from typing import Any

import torch

from nasbench_rss.runtime.device import synchronize
from nasbench_rss.train.observers.base import TrainingRun, TrainObserver

CPU_DEFINITION = (
    "sum of per-epoch process CPU times (time.process_time over the same interval as the wall time: every thread of the "
    "training process, not other processes)"
)
DEFINITION = (
    "sum of per-epoch wall times (start of an epoch's first step to end of its last, device synchronised); "
    "checkpoint writing and other work between epochs excluded"
)


class TimingObserver(TrainObserver):
    """Adds ``seconds``, ``cpu_seconds``, ``load_average``, ``threads`` and ``images_per_second`` to every epoch, totals to the result."""

    state_key = "timing"

    def __init__(self) -> None:
        self.epoch_seconds: list[float] = []
        self.epoch_cpu_seconds: list[float | None] = []
        self.images = 0
        self._device = None
        self._started = 0.0
        self._cpu_started = 0.0

    def on_train_start(self, run: TrainingRun) -> None:
        self._device = run.cell.device

    def on_epoch_start(self, epoch, phase) -> None:
        synchronize(self._device)
        self._started = time.perf_counter()
        self._cpu_started = time.process_time()

    def on_epoch_end(self, epoch: int, record: dict[str, Any]) -> None:
        synchronize(self._device)
        seconds = time.perf_counter() - self._started
        cpu_seconds = time.process_time() - self._cpu_started
        self.epoch_seconds.append(seconds)
        self.epoch_cpu_seconds.append(cpu_seconds)
        self.images += record["images"]
        record["seconds"] = seconds
        record["cpu_seconds"] = cpu_seconds
        record["load_average"] = load_average()
        record["threads"] = torch.get_num_threads()
        record["images_per_second"] = record["images"] / seconds

    def on_train_end(self, result: dict[str, Any]) -> None:
        train_seconds = sum(self.epoch_seconds)
        result["train_seconds"] = train_seconds
        result["train_seconds_definition"] = DEFINITION
        result["epoch_seconds"] = list(self.epoch_seconds)
        known = None not in self.epoch_cpu_seconds
        result["train_cpu_seconds"] = sum(self.epoch_cpu_seconds) if known else None  # type: ignore[arg-type]
        result["train_cpu_seconds_definition"] = CPU_DEFINITION
        result["epoch_cpu_seconds"] = list(self.epoch_cpu_seconds)
        result["cpu_count"] = usable_cpus()
        result["images_per_second"] = self.images / train_seconds

    def state_dict(self) -> dict[str, Any]:
        return {"epoch_seconds": list(self.epoch_seconds), "epoch_cpu_seconds": list(self.epoch_cpu_seconds), "images": self.images}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.epoch_seconds = list(state["epoch_seconds"])
        # A checkpoint written before CPU time was recorded: its epochs' CPU time is unknown (None, never zero).
        self.epoch_cpu_seconds = list(state.get("epoch_cpu_seconds", [None] * len(self.epoch_seconds)))
        self.images = int(state["images"])


def load_average() -> float | None:
    """The machine's 1-minute load average (runnable processes, all users); None where the OS has none."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask where the OS has one, else all)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1
