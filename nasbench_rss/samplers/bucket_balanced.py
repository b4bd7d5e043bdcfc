"""Bucket-balanced RSS: each epoch's one subnet drawn from a FLOPs bin chosen uniformly first.

The paper blames sampling bias for the accuracy gaps between buckets, yet per-dimension RSS
spends about half its epochs near 8 MFLOPs (reports/quick, exposure): the FLOPs of a
random subnet are a sum over many layers, so they pile up in the middle of the range.
This sampler tests the paper's own argument: as RSS (one subnet per epoch, the paper's
Algorithm 1) but the epoch's FLOPs bin is drawn uniformly over the bins, then the subnet
from ``distribution`` conditioned on that bin (exactly, :mod:`nasbench_rss.samplers.flops_bins`).
By default the bins cover the whole range (every reachable 1-MFLOP bin); ``buckets`` limits
them to a list of targets (e.g. the evaluation's 4, 6, ..., 14, each +- ``tolerance``).
It is this project's, not a published method.
"""

from __future__ import annotations

from typing import Any, Literal

import pydantic

from nasbench_rss.samplers.base import Phase, SamplerConfig, SamplerContext
from nasbench_rss.samplers.flops_bins import BinCentres, BinTolerance, FlopsBins
from nasbench_rss.samplers.options import Distribution
from nasbench_rss.samplers.per_epoch import PerEpochSampler
from nasbench_rss.space.buckets import PAPER_TOLERANCE
from nasbench_rss.space.subnet import Subnet


class BucketBalancedRSS(PerEpochSampler):
    """``bucket-balanced``: one subnet per epoch, its FLOPs bin uniform over the bins."""

    class Config(SamplerConfig):
        name: Literal["bucket-balanced"] = pydantic.Field(
            "bucket-balanced", description="the sampler: RSS with the epoch's FLOPs bin drawn uniformly first"
        )
        buckets: BinCentres = None
        tolerance: BinTolerance = PAPER_TOLERANCE
        distribution: Distribution = "per-dimension"

    config: Config

    def __init__(self, config: Config, context: SamplerContext) -> None:
        super().__init__(config, context)
        self.bins = FlopsBins.build(context.flops, config.distribution, config.buckets, config.tolerance)
        self._phases = (Phase("train", context.epochs, context.space),)

    @property
    def phases(self) -> tuple[Phase, ...]:
        return self._phases

    def draw_epoch(self, epoch: int) -> Subnet:
        return self.bins.draw(self.bins.pick(self.rng, "uniform"), 1, self.rng)[0]

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "bins": self.bins.describe()}
