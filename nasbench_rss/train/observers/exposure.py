"""Sampling exposure: how many optimizer steps each subnet, and each MFLOP bucket, got.

The paper argues that exposure, not interference, decides which subnets end up good; so
every cell counts it.  A step that trains k subnets counts one step for each of them.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable, Sequence

from nasbench_rss.space.buckets import PAPER_BUCKETS, PAPER_TOLERANCE

OUTSIDE = "outside"
"""Bucket label of subnets in none of the buckets."""


def bucket_label(mflops: float, targets: Sequence[float] = PAPER_BUCKETS, tolerance: float = PAPER_TOLERANCE) -> str:
    """Label (e.g. ``"8"``) of the bucket ``mflops`` falls in, or ``"outside"``."""
    for target in targets:
        if abs(mflops - target) <= tolerance:
            return f"{target:g}"
    return OUTSIDE


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
        out = {f"{t:g}": 0 for t in self.targets}
        out[OUTSIDE] = 0
        for encoding, steps in self.steps.items():
            out[bucket_label(self.mflops[encoding], self.targets, self.tolerance)] += steps
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
