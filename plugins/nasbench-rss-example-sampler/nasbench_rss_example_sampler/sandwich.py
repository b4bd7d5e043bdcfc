"""The sandwich rule (Yu & Huang 2019, *Universally Slimmable Networks*; BigNAS, 2020).

At every step the largest subnet, the smallest subnet and ``random_subnets`` random ones
are trained, their gradients summed into one update.  The two extremes bound the
population, so every step moves both ends of it; the random ones cover the middle.  It is
the sampling of BigNAS and AttentiveNAS, and a natural third contender to the paper's
progressive shrinking and random subnet sampling.

Unlike BigNAS this sampler does not add in-place distillation from the largest subnet: a
nasbench-rss phase distils only from a teacher snapshotted by an earlier phase.

The random subnets are drawn from ``context.rng`` only (the cell's seeded ``sampler``
stream), and :class:`~nasbench_rss.samplers.stream.StreamSampler` keeps the position in
the state and refuses calls out of order, so runs are reproducible and resume exactly.
"""

from __future__ import annotations

from typing import Literal

import pydantic
from nasbench_rss.samplers.base import Phase, SamplerConfig, SamplerContext
from nasbench_rss.samplers.stream import StreamSampler
from nasbench_rss.space.population import sample
from nasbench_rss.space.subnet import Subnet


class SandwichSampler(StreamSampler):
    """``mini-sandwich``: ``[largest, smallest, *random]`` at every step, in one phase."""

    class Config(SamplerConfig):
        """The options; ``SamplerConfig`` forbids unknown keys, so a misspelt option is an error."""

        name: Literal["mini-sandwich"] = pydantic.Field("mini-sandwich", description="the sampler: the sandwich rule")
        random_subnets: int = pydantic.Field(
            2, ge=0, le=16, description="random subnets per step besides the largest and the smallest (BigNAS: 2)"
        )
        distribution: Literal["per-dimension", "uniform"] = pydantic.Field(
            "per-dimension",
            description="how random subnets are drawn: 'per-dimension' (each depth, kernel and expand uniformly, "
            "as OFA) or 'uniform' (every distinct network equally likely)",
        )

    config: Config

    def __init__(self, config: Config, context: SamplerContext) -> None:
        super().__init__(config, context)
        self.largest = context.space.largest()
        self.smallest = context.space.smallest()
        per_step = 2 + config.random_subnets
        self._phases = (Phase("sandwich", context.epochs, context.space, subnets_per_step=per_step),)

    @property
    def phases(self) -> tuple[Phase, ...]:
        return self._phases

    def draw(self, epoch: int, step: int) -> list[Subnet]:
        # With no random subnets, draw nothing at all: the generator is left as it was.
        drawn = sample(self.space, self.config.random_subnets, self.rng, self.config.distribution) if self.config.random_subnets else []
        return [self.largest, self.smallest, *drawn]
