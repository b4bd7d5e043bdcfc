"""Samplers that draw from the cell's sampler stream as training goes.

Such a sampler's subnets depend on every draw before them, so the order of calls is part
of the result: a repeated or backward call would silently give a different sequence than
an uninterrupted run.  :class:`StreamSampler` refuses those calls and keeps the position
in its state, so a resumed run continues exactly where the checkpoint left it.
"""

from __future__ import annotations

import abc
from typing import Any

from nasbench_rss.samplers.base import Sampler, SamplerConfig, SamplerContext, SamplerError
from nasbench_rss.space.subnet import Subnet


class StreamSampler(Sampler):
    """A sampler drawing from ``context.rng``; subclasses implement :meth:`draw`."""

    def __init__(self, config: SamplerConfig, context: SamplerContext) -> None:
        super().__init__(config, context)
        self._position: tuple[int, int] | None = None

    def subnets(self, epoch: int, step: int) -> list[Subnet]:
        self._position = self.next_position(epoch, step, "subnets")
        return self.draw(*self._position)

    def next_position(self, epoch: int, step: int, call: str) -> tuple[int, int]:
        """``(epoch, step)`` as ints, when it is a valid position after the last step answered; else SamplerError."""
        self.check_position(epoch, step)
        position = (int(epoch), int(step))
        if self._position is not None and position <= self._position:
            raise SamplerError(
                f"{call}(epoch={position[0]}, step={position[1]}) called after (epoch={self._position[0]}, "
                f"step={self._position[1]}); a random sampler is called once per step, in training order"
            )
        return position

    @abc.abstractmethod
    def draw(self, epoch: int, step: int) -> list[Subnet]:
        """The subnets of this step; called once per step, in order."""

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["position"] = None if self._position is None else list(self._position)
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        position = state.get("position")
        if position is None:
            self._position = None
            return
        if not (isinstance(position, (list, tuple)) and len(position) == 2 and all(isinstance(v, int) for v in position)):
            raise SamplerError(f"sampler state 'position': expected [epoch, step] or null, got {position!r}")
        self._position = (position[0], position[1])
