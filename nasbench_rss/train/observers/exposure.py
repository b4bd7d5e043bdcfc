"""Sampling exposure: how many optimizer steps each subnet, and each MFLOP bucket, got.

The paper argues that exposure, not interference, decides which subnets end up good; so
every cell counts it.  A step that trains k subnets counts one step for each of them.
Each epoch's record gets the subnets it trained (with their MFLOPs and steps) and the
cumulative steps per bucket; the result gets the whole count.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable, Sequence

from nasbench_rss.space.buckets import OUTSIDE, PAPER_BUCKETS, PAPER_TOLERANCE, bucket_key, bucket_of
from nasbench_rss.space.subnet import Subnet
from nasbench_rss.train.observers.base import StepInfo, TrainingRun, TrainObserver


class Exposure:
    """Cumulative optimizer steps per subnet encoding (with its MFLOPs) and per bucket."""

    def __init__(self, targets: Sequence[float] = PAPER_BUCKETS, tolerance: float = PAPER_TOLERANCE) -> None:
        self.targets = tuple(targets)
        self.tolerance = tolerance
        self.steps: Counter[str] = Counter()
        self.mflops: dict[str, float] = {}

    def add(self, counts: Iterable[tuple[str, float, int]]) -> None:
        """Add ``(encoding, mflops, steps)`` rows, e.g. one epoch's."""
        for encoding, mflops, steps in counts:
            self.steps[encoding] += steps
            self.mflops[encoding] = mflops

    def buckets(self) -> dict[str, int]:
        out = {bucket_key(t): 0 for t in self.targets}
        out[OUTSIDE] = 0
        for encoding, steps in self.steps.items():
            out[bucket_of(self.mflops[encoding], self.targets, self.tolerance)] += steps
        return out

    def state_dict(self) -> dict[str, Any]:
        return {"steps": dict(self.steps), "mflops": dict(self.mflops)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.steps = Counter(state["steps"])
        self.mflops = dict(state["mflops"])

    def to_dict(self) -> dict[str, Any]:
        """JSON for result files: buckets, and subnets sorted by steps (most first)."""
        subnets = [
            {"encoding": enc, "mflops": self.mflops[enc], "steps": steps}
            for enc, steps in sorted(self.steps.items(), key=lambda item: (-item[1], item[0]))
        ]
        return {
            "bucket_tolerance": self.tolerance,
            "buckets": self.buckets(),
            "total_subnet_steps": sum(self.steps.values()),
            "distinct_subnets": len(self.steps),
            "subnets": subnets,
        }


class ExposureObserver(TrainObserver):
    """Counts the subnets of every step; adds ``subnets`` and ``exposure_buckets`` to each epoch."""

    state_key = "exposure"

    def __init__(self) -> None:
        self.exposure = Exposure()
        self._epoch: Counter[Subnet] = Counter()
        self._flops = None

    def on_train_start(self, run: TrainingRun) -> None:
        self._flops = run.cell.sampler.context.flops

    def on_epoch_start(self, epoch, phase) -> None:
        self._epoch = Counter()

    def on_step(self, step: StepInfo) -> None:
        self._epoch.update(step.subnets)

    def on_epoch_end(self, epoch: int, record: dict[str, Any]) -> None:
        rows = [(subnet.encode(), self._flops.mflops(subnet), n) for subnet, n in self._epoch.items()]
        self.exposure.add(rows)
        record["subnets"] = [{"encoding": enc, "mflops": mflops, "steps": n} for enc, mflops, n in rows]
        record["exposure_buckets"] = self.exposure.buckets()

    def on_train_end(self, result: dict[str, Any]) -> None:
        result["exposure"] = self.exposure.to_dict()

    def state_dict(self) -> dict[str, Any]:
        return self.exposure.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.exposure.load_state_dict(state)
