"""The sandwich rule (BigNAS, AttentiveNAS): the largest, ``k`` random and the smallest subnet every step.

What AttentiveNAS's training step does (facebookresearch/AttentiveNAS,
``train_attentive_nas.py:257-310``): the largest subnet first, trained on the labels; then
``num_arch_training - 2`` random subnets (its ``sample_active_subnet``) and, last, the
smallest (``sandwich_rule: True``); with ``inplace_distill: True`` (its
``configs/train_attentive_nas_models.yml:32``) every subnet after the largest learns only
from the largest's detached outputs on the same batch.  Its config trains
``num_arch_training: 4`` subnets per step (``:42``), so ``k = 2``, our default; the
gradients of all of them are summed into one update, as here.

Where we differ: AttentiveNAS applies dropout and drop-connect to the largest subnet only
(``:264-272``); our cell's dropout applies to every subnet it trains.  Its random subnets
come from its own per-dimension draw; ours from ``distribution``.
"""

from __future__ import annotations

from typing import Literal

import pydantic

from nasbench_rss.limits import MAX_SUBNETS_PER_STEP
from nasbench_rss.samplers.base import Phase, SamplerConfig, SamplerContext
from nasbench_rss.samplers.draw import draw_subnets
from nasbench_rss.samplers.options import Distribution
from nasbench_rss.samplers.stream import StreamSampler
from nasbench_rss.space.subnet import Subnet


class SandwichSampler(StreamSampler):
    """``sandwich``: largest, ``k`` random, smallest at every step (in that order)."""

    class Config(SamplerConfig):
        name: Literal["sandwich"] = pydantic.Field("sandwich", description="the sampler: the sandwich rule (largest, k random, smallest)")
        k: int = pydantic.Field(
            2,
            ge=0,
            le=MAX_SUBNETS_PER_STEP - 2,
            description=f"random subnets per step between the largest and the smallest, 0..{MAX_SUBNETS_PER_STEP - 2} "
            "(AttentiveNAS: num_arch_training 4, so 2)",
        )
        inplace_distillation: bool = pydantic.Field(
            True,
            description="every subnet but the largest learns only from the largest's outputs on the same batch "
            "(AttentiveNAS inplace_distill: True); false: all from the labels",
        )
        distribution: Distribution = "per-dimension"

    config: Config

    def __init__(self, config: Config, context: SamplerContext) -> None:
        super().__init__(config, context)
        self._largest, self._smallest = context.space.largest(), context.space.smallest()
        self._phases = (
            Phase("train", context.epochs, context.space, subnets_per_step=config.k + 2, inplace_distillation=config.inplace_distillation),
        )

    @property
    def phases(self) -> tuple[Phase, ...]:
        return self._phases

    def draw(self, epoch: int, step: int) -> list[Subnet]:
        middle = draw_subnets(self.space, self.config.k, self.rng, self.config.distribution) if self.config.k else []
        return [self._largest, *middle, self._smallest]
