"""Training time as the paper measures it: per-epoch wall clock, device synchronised.

An epoch's time runs from the start of its first step to the end of its last (the device
is synchronised before each clock read, so queued GPU work is counted where it ran); the
cell's training time is the sum of its epochs'.  What happens between epochs (writing the
checkpoint and the events, other observers' work) is the tool's overhead, not training,
and is excluded: the loop starts this observer last and ends it first.
"""

from __future__ import annotations

import time
from typing import Any

from nasbench_rss.train.device import synchronize
from nasbench_rss.train.observers.base import TrainingRun, TrainObserver

DEFINITION = (
    "sum of per-epoch wall times (start of an epoch's first step to end of its last, device synchronised); "
    "checkpoint writing and other work between epochs excluded"
)


class TimingObserver(TrainObserver):
    """Adds ``seconds`` and ``images_per_second`` to every epoch and the totals to the result."""

    state_key = "timing"

    def __init__(self) -> None:
        self.epoch_seconds: list[float] = []
        self.images = 0
        self._device = None
        self._started = 0.0

    def on_train_start(self, run: TrainingRun) -> None:
        self._device = run.cell.device

    def on_epoch_start(self, epoch, phase) -> None:
        synchronize(self._device)
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, record: dict[str, Any]) -> None:
        synchronize(self._device)
        seconds = time.perf_counter() - self._started
        self.epoch_seconds.append(seconds)
        self.images += record["images"]
        record["seconds"] = seconds
        record["images_per_second"] = record["images"] / seconds

    def on_train_end(self, result: dict[str, Any]) -> None:
        train_seconds = sum(self.epoch_seconds)
        result["train_seconds"] = train_seconds
        result["train_seconds_definition"] = DEFINITION
        result["epoch_seconds"] = list(self.epoch_seconds)
        result["images_per_second"] = self.images / train_seconds

    def state_dict(self) -> dict[str, Any]:
        return {"epoch_seconds": list(self.epoch_seconds), "images": self.images}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.epoch_seconds = list(state["epoch_seconds"])
        self.images = int(state["images"])
