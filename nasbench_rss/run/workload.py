"""What each planned cell will cost, in units the progress display can time: for its ETA.

Training is counted in subnet passes (steps per epoch x subnets per step of the epoch's
phase), evaluation in subnets (per bucket x the buckets the architecture can reach, plus the
learning curve's panel at each of its points).
Both come from the suite's plan (:meth:`nasbench_rss.suite.Suite.plan`): the phases its
validation built (no sampler is built again here), the FLOPs table of the cell's space
and its dataset's size.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from nasbench_rss.run.progress import Workload

if TYPE_CHECKING:
    from nasbench_rss.suite import PlannedCell
    from nasbench_rss.suite.plans import CellPlan


def cell_workload(cell: "PlannedCell", plan: "CellPlan") -> Workload:
    """The :class:`Workload` of a planned cell, from what the suite planned for it (``suite.plan(cell)``)."""
    config = cell.config
    train = config.train
    images = config.train_subset or plan.info.train_size - config.valid_size
    steps = images // train.batch_size if train.drop_last else math.ceil(images / train.batch_size)
    passes = tuple(pass_ for phase in plan.phases for pass_ in (steps * phase.subnets_per_step,) * phase.epochs)
    low, high = plan.flops.min_macs / 1e6, plan.flops.max_macs / 1e6
    evaluation = cell.evaluation
    buckets = sum(1 for b in evaluation.buckets if b + evaluation.tolerance >= low and b - evaluation.tolerance <= high)
    curve = len(evaluation.during.epochs(config.epochs)) * evaluation.during.per_bucket if evaluation.during is not None else 0
    return Workload(passes, buckets * (evaluation.per_bucket + curve))
