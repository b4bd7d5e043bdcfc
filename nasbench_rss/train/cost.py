"""Training cost counted in work done: multiply-accumulates (MACs), the same on every machine.

Seconds move with the machine and with what else runs on it; the work a training run did
can be counted exactly from what it trained. The rule, stated once here and recorded with
every result (``train_macs_definition``):

- each subnet trained in an optimizer step costs its forward MACs per image at the training
  shape (the FLOPs table the buckets use: ``FlopsTable.macs``) x the images of the batch x
  ``1 + BACKWARD_FACTOR``: the backward pass is counted as twice the forward (one product
  for the gradient of the activations, one for the weights' gradient), the usual rule;
- a distilling step adds one forward of the teacher (the largest subnet) on the batch;
- a sampler that scores candidates by their loss adds one forward of each on the batch.

Not counted: the interference probe's passes and the population evaluation (their own
work, kept apart), BN recalibration, data augmentation and the optimizer's update.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nasbench_rss.space.flops import FlopsTable
    from nasbench_rss.space.subnet import Subnet

BACKWARD_FACTOR = 2
"""A trained subnet's backward pass is counted as this many forwards."""

KINDS = ("subnets", "teacher", "candidates")
"""The parts of a training run's MACs, as epoch records and results give them."""

DEFINITION = (
    "multiply-accumulates of training: per optimizer step, each trained subnet's forward MACs per image at the training "
    f"shape x the batch's images x {1 + BACKWARD_FACTOR} (the backward pass counted as {BACKWARD_FACTOR}x the forward), "
    "plus one teacher forward per distilling step and one forward per candidate a sampler scores; not counted: the "
    "interference probe, evaluation, BN recalibration, augmentation and the optimizer's update"
)


@dataclass
class TrainingCost:
    """The MACs of one epoch, by kind.

    A step only tallies images per subnet (a dict update); the FLOPs table is read once per
    distinct subnet when the epoch's record is made, off the training loop's hot path.
    """

    table: FlopsTable
    teacher_macs: int
    """Forward MACs per image of the teacher network (the largest subnet)."""
    trained: Counter[Subnet] = field(default_factory=Counter)
    """Images each subnet was trained on (forward and backward)."""
    scored: Counter[Subnet] = field(default_factory=Counter)
    """Images each candidate was scored on (forward only)."""
    teacher_images: int = 0

    def add_step(self, subnets: Sequence[Subnet], images: int, *, teacher: bool, candidates: Sequence[Subnet] = ()) -> None:
        """Count one optimizer step over ``images`` images."""
        for subnet in subnets:
            self.trained[subnet] += images
        for candidate in candidates:
            self.scored[candidate] += images
        if teacher:
            self.teacher_images += images

    def record(self) -> dict[str, int]:
        """``{"subnets": ..., "teacher": ..., "candidates": ..., "total": ...}``, integers."""
        macs = {
            "subnets": sum(self.table.macs(s) * n for s, n in self.trained.items()) * (1 + BACKWARD_FACTOR),
            "teacher": self.teacher_macs * self.teacher_images,
            "candidates": sum(self.table.macs(c) * n for c, n in self.scored.items()),
        }
        return {**{kind: int(macs[kind]) for kind in KINDS}, "total": int(sum(macs.values()))}


def total_of(epochs: Sequence[dict[str, Any]]) -> dict[str, int] | None:
    """The run's MACs from its epoch records' ``train_macs``; None when an epoch did not record them
    (trained before nasbench-rss counted them)."""
    counted = [e.get("train_macs") for e in epochs]
    if not counted or any(not isinstance(c, dict) for c in counted):
        return None
    out = {kind: sum(int(c.get(kind, 0)) for c in counted) for kind in KINDS}
    return {**out, "total": sum(out.values())}
