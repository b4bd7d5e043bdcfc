"""What each planned cell will cost, in units the progress display can time: for its ETA.

Training is counted in subnet passes (steps per epoch x subnets per step of the epoch's
phase, from the sampler's own plan), evaluation in subnets (per bucket x the buckets the
architecture can reach).  Both come from the suite alone: the sampler is built as
validation builds it (no data, no network), the steps per epoch from the dataset's size.
"""

from __future__ import annotations

import math

import numpy as np

from nasbench_rss.arch.layout import Shape
from nasbench_rss.arch.options import architecture_space
from nasbench_rss.data.registry import dataset_info
from nasbench_rss.plugins import PluginRegistry
from nasbench_rss.run.progress import Workload
from nasbench_rss.samplers.base import SamplerContext
from nasbench_rss.samplers.registry import build_sampler


def cell_workload(cell, registry: PluginRegistry) -> Workload:
    """The :class:`Workload` of a planned cell (``nasbench_rss.suite.PlannedCell``)."""
    config = cell.config
    train = config.train
    info, _ = dataset_info(config.dataset, config.dataset_options, registry)
    images = config.train_subset or info.train_size
    steps = images // train.batch_size if train.drop_last else math.ceil(images / train.batch_size)
    entry = registry.get("architecture", config.arch)
    space, _ = architecture_space(entry, config.arch_options)
    table = entry.factory().flops_table(Shape(info.channels, info.num_classes, train.image_size), space)
    context = SamplerContext(space=space, epochs=config.epochs, rng=np.random.default_rng(0), flops=table)
    sampler = build_sampler(config.sampler, config.sampler_options, context, registry=registry)
    passes = tuple(steps * phase.subnets_per_step for phase in sampler.phases for _ in range(phase.epochs))
    low, high = table.min_macs / 1e6, table.max_macs / 1e6
    evaluation = cell.evaluation
    buckets = sum(1 for b in evaluation.buckets if b + evaluation.tolerance >= low and b - evaluation.tolerance <= high)
    return Workload(passes, buckets * evaluation.per_bucket)

