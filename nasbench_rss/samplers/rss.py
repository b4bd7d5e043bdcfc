"""Random Subnet Sampling (the paper's Algorithm 1): one random subnet per epoch.

The subnet is drawn at the epoch's first step and trained for the whole epoch, so every
subnet it picks sees the full training set; the paper found this better than drawing per
batch (Fig. 5; see :mod:`nasbench_rss.samplers.per_batch`).  It is cached in the state,
so a run resumed inside an epoch keeps training that epoch's subnet.
"""

from __future__ import annotations

from typing import Any, Literal

import pydantic

from nasbench_rss.samplers.base import Phase, SamplerConfig, SamplerContext, SamplerError
from nasbench_rss.samplers.draw import draw_subnets
from nasbench_rss.samplers.options import Distribution
from nasbench_rss.samplers.stream import StreamSampler
from nasbench_rss.space.subnet import Subnet


class RandomSubnetSampling(StreamSampler):
    """``rss``: one subnet per epoch, drawn from the whole space."""

    class Config(SamplerConfig):
        name: Literal["rss"] = pydantic.Field("rss", description="the sampler: random subnet sampling, one subnet per epoch")
        distribution: Distribution = "per-dimension"

    config: Config

    def __init__(self, config: Config, context: SamplerContext) -> None:
        super().__init__(config, context)
        self._phases = (Phase("train", context.epochs, context.space),)
        self._current: tuple[int, Subnet] | None = None

    @property
    def phases(self) -> tuple[Phase, ...]:
        return self._phases

    def draw(self, epoch: int, step: int) -> list[Subnet]:
        if self._current is None or self._current[0] != epoch:
            subnet = draw_subnets(self.space, 1, self.rng, self.config.distribution)[0]
            self._current = (epoch, subnet)
        return [self._current[1]]

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["current"] = None if self._current is None else {"epoch": self._current[0], "subnet": self._current[1].encode()}
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        current = state.get("current")
        if current is None:
            self._current = None
            return
        try:
            self._current = (int(current["epoch"]), Subnet.decode(self.space, current["subnet"]))
        except (TypeError, KeyError, ValueError) as error:
            raise SamplerError(
                f"sampler state 'current': expected {{'epoch': int, 'subnet': encoding}}, got {current!r} ({error})"
            ) from None
