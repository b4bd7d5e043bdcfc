"""Samplers that train one subnet for a whole epoch (RSS and its variants).

The subnet is drawn at the epoch's first step and trained for the whole epoch, so every
subnet picked sees the full training set.  It is cached in the state, so a run resumed
inside an epoch keeps training that epoch's subnet.
"""

from __future__ import annotations

import abc
from typing import Any

from nasbench_rss.samplers.base import SamplerConfig, SamplerContext, SamplerError
from nasbench_rss.samplers.stream import StreamSampler
from nasbench_rss.space.subnet import Subnet


class PerEpochSampler(StreamSampler):
    """A stream sampler with one subnet per epoch; subclasses implement :meth:`draw_epoch`."""

    def __init__(self, config: SamplerConfig, context: SamplerContext) -> None:
        super().__init__(config, context)
        self._current: tuple[int, Subnet] | None = None

    @abc.abstractmethod
    def draw_epoch(self, epoch: int) -> Subnet:
        """The subnet of ``epoch``; called once, at its first step."""

    def draw(self, epoch: int, step: int) -> list[Subnet]:
        if self._current is None or self._current[0] != epoch:
            self._current = (epoch, self.draw_epoch(epoch))
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
