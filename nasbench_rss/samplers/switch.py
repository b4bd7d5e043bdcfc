"""One switch between the smallest and the largest subnet (the paper's Fig. 7).

``min-then-max`` trains the smallest subnet for epochs ``0..switch_epoch-1`` and the largest
for the rest; ``max-then-min`` the reverse.  By default the switch is at half the run
(``epochs // 2``: 90 of 180 epochs, as in the paper).  It is one phase, not two: the paper
kept one learning-rate schedule across the switch.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import pydantic

from nasbench_rss.samplers.base import Phase, Sampler, SamplerConfig, SamplerContext, SamplerError, resolve_subnet
from nasbench_rss.space.subnet import Subnet

SWITCH_HELP = (
    "first epoch (0-based) of the second subnet; allowed: 1..epochs-1; default (unset): epochs // 2"
)


class SwitchSampler(Sampler):
    """Subnet ``first`` before ``switch_epoch``, subnet ``second`` from it on; draws nothing from the rng."""

    first: ClassVar[str]
    second: ClassVar[str]

    class Config(SamplerConfig):
        name: str = pydantic.Field(description="the sampler (set by the subclasses)")
        switch_epoch: int | None = pydantic.Field(None, ge=1, description=SWITCH_HELP)

    config: Config

    def __init__(self, config: Config, context: SamplerContext) -> None:
        super().__init__(config, context)
        epochs = context.epochs
        if epochs < 2:
            raise SamplerError(
                f"epochs: {epochs} too few for {config.name}, which trains two subnets one after the other; "
                "allowed: >= 2"
            )
        switch = epochs // 2 if config.switch_epoch is None else config.switch_epoch
        if not 1 <= switch <= epochs - 1:
            raise SamplerError(
                f"switch_epoch: {switch} not allowed for a {epochs}-epoch run; allowed: 1..{epochs - 1}",
                option="switch_epoch",
            )
        self.switch_epoch = switch
        self.before = resolve_subnet(context.space, self.first)
        self.after = resolve_subnet(context.space, self.second)
        self._phases = (Phase("train", epochs, context.space),)

    @property
    def phases(self) -> tuple[Phase, ...]:
        return self._phases

    def subnets(self, epoch: int, step: int) -> list[Subnet]:
        self.check_position(epoch, step)
        return [self.before if epoch < self.switch_epoch else self.after]

    def describe(self) -> dict[str, Any]:
        return {
            **super().describe(),
            "switch_epoch": self.switch_epoch,
            "subnets": [self.before.encode(), self.after.encode()],
        }


class MinThenMax(SwitchSampler):
    """``min-then-max``: the smallest subnet, then the largest."""

    first, second = "smallest", "largest"

    class Config(SwitchSampler.Config):
        name: Literal["min-then-max"] = pydantic.Field(
            "min-then-max", description="the sampler: the smallest subnet, then the largest"
        )


class MaxThenMin(SwitchSampler):
    """``max-then-min``: the largest subnet, then the smallest."""

    first, second = "largest", "smallest"

    class Config(SwitchSampler.Config):
        name: Literal["max-then-min"] = pydantic.Field(
            "max-then-min", description="the sampler: the largest subnet, then the smallest"
        )
