"""Random Subnet Sampling (the paper's Algorithm 1): one random subnet per epoch.

The subnet is drawn at the epoch's first step and trained for the whole epoch, so every
subnet it picks sees the full training set; the paper found this better than drawing per
batch (Fig. 5; see :mod:`nasbench_rss.samplers.per_batch`).  It is cached in the state
(:mod:`nasbench_rss.samplers.per_epoch`), so a run resumed inside an epoch keeps training
that epoch's subnet.
"""

from __future__ import annotations

from typing import Literal

import pydantic

from nasbench_rss.samplers.base import Phase, SamplerConfig, SamplerContext
from nasbench_rss.samplers.draw import draw_subnets
from nasbench_rss.samplers.options import Distribution
from nasbench_rss.samplers.per_epoch import PerEpochSampler
from nasbench_rss.space.subnet import Subnet


class RandomSubnetSampling(PerEpochSampler):
    """``rss``: one subnet per epoch, drawn from the whole space."""

    class Config(SamplerConfig):
        name: Literal["rss"] = pydantic.Field("rss", description="the sampler: random subnet sampling, one subnet per epoch")
        distribution: Distribution = "per-dimension"

    config: Config

    def __init__(self, config: Config, context: SamplerContext) -> None:
        super().__init__(config, context)
        self._phases = (Phase("train", context.epochs, context.space),)

    @property
    def phases(self) -> tuple[Phase, ...]:
        return self._phases

    def draw_epoch(self, epoch: int) -> Subnet:
        return draw_subnets(self.space, 1, self.rng, self.config.distribution)[0]
