"""A third-party sampler written from docs/writing-plugins.md alone, as a plugin author would.

Sections 3 and 4 of the guide: a ``StreamSampler`` with its own ``Config`` (a
``SamplerConfig`` with ``name: Literal[...]``), a check in ``__init__`` that raises
``SamplerError(..., option=...)``, one phase; registered by a ``register_samplers`` hook.
"""

from __future__ import annotations

from typing import Literal

import pydantic

from nasbench_rss import hookimpl
from nasbench_rss.plugins import Registration
from nasbench_rss.samplers.base import Phase, SamplerConfig, SamplerContext, SamplerError
from nasbench_rss.samplers.stream import StreamSampler
from nasbench_rss.space.population import sample
from nasbench_rss.space.subnet import Subnet

NAME = "contract-sandwich"


class ContractSandwich(StreamSampler):
    """Largest, smallest and ``random_subnets`` random subnets every step."""

    class Config(SamplerConfig):
        name: Literal["contract-sandwich"] = pydantic.Field(NAME, description="the sampler")
        random_subnets: int = pydantic.Field(2, ge=0, le=16, description="random subnets per step besides the two")
        min_epochs: int = pydantic.Field(1, ge=1, description="refuse runs shorter than this")

    def __init__(self, config: Config, context: SamplerContext) -> None:
        super().__init__(config, context)
        if context.epochs < config.min_epochs:
            raise SamplerError(f"min_epochs: {config.min_epochs} not allowed; allowed: at most the run's {context.epochs} epochs", option="min_epochs")
        self.largest, self.smallest = self.space.largest(), self.space.smallest()
        self._phases = (Phase("sandwich", context.epochs, context.space, subnets_per_step=2 + config.random_subnets),)

    @property
    def phases(self) -> tuple[Phase, ...]:
        return self._phases

    def draw(self, epoch: int, step: int) -> list[Subnet]:
        drawn = sample(self.space, self.config.random_subnets, self.rng, "per-dimension") if self.config.random_subnets else []
        return [self.largest, self.smallest, *drawn]


class NotASampler:
    def __init__(self, config, context) -> None:
        pass


@hookimpl
def register_samplers(register) -> None:
    register(Registration(NAME, "largest, smallest and k random subnets (a plugin written from the guide)", ContractSandwich, ContractSandwich.Config))
    register(Registration("contract-not-a-sampler", "a factory that returns something else", NotASampler))
