"""One fixed subnet for the whole run (the paper's "smallest/middle/largest only", Fig. 6).

The subnet is resolved and checked against the space when the sampler is built, so a bad
option fails before any training starts.
"""

from __future__ import annotations

from typing import Any, Literal

import pydantic

from nasbench_rss.samplers.base import Phase, Sampler, SamplerConfig, SamplerContext, resolve_subnet
from nasbench_rss.space.subnet import Subnet

SUBNET_HELP = (
    "'smallest', 'middle' (the middle choice of every dimension: kernel 5, expand 4, depth 3), "
    "'largest', or an encoding such as 3333-3333-3333-3333-3333 (stages joined by '-', "
    "two digits kernel+expand per active layer)"
)


class SingleSubnetSampler(Sampler):
    """``single``: the same subnet at every step; draws nothing from the rng."""

    class Config(SamplerConfig):
        name: Literal["single"] = pydantic.Field("single", description="the sampler: one fixed subnet")
        subnet: str = pydantic.Field("largest", min_length=1, description=f"the subnet trained: {SUBNET_HELP}")

    config: Config

    def __init__(self, config: Config, context: SamplerContext) -> None:
        super().__init__(config, context)
        self.subnet = resolve_subnet(context.space, config.subnet, "subnet")
        self._phases = (Phase("train", context.epochs, context.space),)

    @property
    def phases(self) -> tuple[Phase, ...]:
        return self._phases

    def subnets(self, epoch: int, step: int) -> list[Subnet]:
        self.check_position(epoch, step)
        return [self.subnet]

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "subnets": [self.subnet.encode()]}
