"""Cycling through a fixed list of subnets, one per epoch (the paper's "Alternating", Fig. 7).

By default smallest and largest take turns: epoch ``e`` trains ``subnets[e % len(subnets)]``.
"""

from __future__ import annotations

from typing import Any, Literal

import pydantic

from nasbench_rss.samplers.base import Phase, Sampler, SamplerConfig, SamplerContext, resolve_subnet
from nasbench_rss.samplers.options import comma_list
from nasbench_rss.samplers.single import SUBNET_HELP
from nasbench_rss.space.subnet import Subnet


class AlternatingSampler(Sampler):
    """``alternating``: a fixed cycle of subnets, epoch by epoch; draws nothing from the rng."""

    class Config(SamplerConfig):
        name: Literal["alternating"] = pydantic.Field(
            "alternating", description="the sampler: a fixed cycle of subnets, one per epoch"
        )
        subnets: list[str] = pydantic.Field(
            default_factory=lambda: ["smallest", "largest"],
            min_length=2,
            description=f"the cycle, at least 2 entries (a list, or comma-separated); each is {SUBNET_HELP}",
        )

        @pydantic.field_validator("subnets", mode="before")
        @classmethod
        def _split_commas(cls, value: Any) -> Any:
            return comma_list(value)

    config: Config

    def __init__(self, config: Config, context: SamplerContext) -> None:
        super().__init__(config, context)
        self.cycle = tuple(resolve_subnet(context.space, text, f"subnets[{i}]", ("subnets", i)) for i, text in enumerate(config.subnets))
        self._phases = (Phase("train", context.epochs, context.space),)

    @property
    def phases(self) -> tuple[Phase, ...]:
        return self._phases

    def subnets(self, epoch: int, step: int) -> list[Subnet]:
        self.check_position(epoch, step)
        return [self.cycle[epoch % len(self.cycle)]]

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "subnets": [subnet.encode() for subnet in self.cycle]}
