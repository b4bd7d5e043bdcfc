"""Per-batch random sampling: ``k`` fresh random subnets every step (the paper's Fig. 5).

The paper's ablation of RSS: "1 per batch" and "2 per batch", the latter summing the two
subnets' gradients into one update, as OFA does within a progressive-shrinking phase.
"""

from __future__ import annotations

from typing import Literal

import pydantic

from nasbench_rss.limits import MAX_SUBNETS_PER_STEP, SubnetsPerStep
from nasbench_rss.samplers.base import Phase, SamplerConfig, SamplerContext
from nasbench_rss.samplers.draw import draw_subnets
from nasbench_rss.samplers.options import Distribution
from nasbench_rss.samplers.stream import StreamSampler
from nasbench_rss.space.subnet import Subnet


class PerBatchSampler(StreamSampler):
    """``per-batch``: ``k`` subnets drawn afresh at every step."""

    class Config(SamplerConfig):
        name: Literal["per-batch"] = pydantic.Field("per-batch", description="the sampler: k random subnets per step")
        k: SubnetsPerStep = pydantic.Field(
            1,
            description=f"subnets drawn per step, 1..{MAX_SUBNETS_PER_STEP}; their gradients are summed into one update (paper: 1 or 2)",
        )
        distribution: Distribution = "per-dimension"

    config: Config

    def __init__(self, config: Config, context: SamplerContext) -> None:
        super().__init__(config, context)
        self._phases = (Phase("train", context.epochs, context.space, subnets_per_step=config.k),)

    @property
    def phases(self) -> tuple[Phase, ...]:
        return self._phases

    def draw(self, epoch: int, step: int) -> list[Subnet]:
        return draw_subnets(self.space, self.config.k, self.rng, self.config.distribution)
