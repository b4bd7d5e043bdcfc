"""OFA's Progressive Shrinking, as the paper ran it: a supernet, then five shrinking phases.

Phases (OFA's ``train_ofa_net.py``; dimensions kernel / depth / expand)::

    phase     space                          epochs    lr scale   per step   re-organise before
    supernet  max / max / max (largest)      S         1          1          -
    kernel    all / max / max                S / 1.5   1 / 2.7    1          -
    depth-1   all / two largest / max        S / 7.2   1 / 32.5   2          -
    depth-2   all / all / max                S / 1.5   1 / 10.8   2          -
    expand-1  all / all / two largest        S / 7.2   1 / 32.5   4          stage 0
    expand-2  all / all / all                S / 1.5   1 / 10.8   4          stage 1

Epochs round half up, at least 1: Fashion-MNIST's S = 25 gives 25 + 17 + 3 + 17 + 3 + 17 =
82 epochs, CIFAR's S = 180 gives 180 + 410 = 590 (the paper's Table 1).  A teacher is
snapshotted after the supernet phase and distilled from in the five later phases.

Where this differs from the paper's code, and why:

* Its teacher was never loaded with weights (the distillation target was an untrained
  network).  We distil from the trained full network: a frozen copy taken at the end of
  the supernet phase, which is what OFA describes and what distillation is for.
* Its shrinking phases saw only the tail of one cosine schedule set up for the whole run.
  Each of our phases runs its own optimizer and cosine schedule from its own start, at
  the phase's learning-rate scale, as OFA's separate ``train_ofa_net`` runs do.
* OFA reseeded Python's global RNG before every draw from the global step index
  (``epoch * batches + step``), so every run drew the same subnet sequence whatever its
  seed, and the reseeding leaked into anything else using that RNG.  We draw from the
  cell's ``sampler`` stream: the sequence follows the cell's seed, and no global RNG is
  touched.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import pydantic

from nasbench_rss.limits import MAX_SUBNETS_PER_STEP, SubnetsPerStep
from nasbench_rss.samplers.base import Phase, SamplerConfig, SamplerContext, SamplerError
from nasbench_rss.samplers.draw import draw_subnets
from nasbench_rss.samplers.options import Distribution, comma_list
from nasbench_rss.samplers.stream import StreamSampler
from nasbench_rss.space.search_space import SearchSpace
from nasbench_rss.space.subnet import Subnet

PHASE_NAMES: tuple[str, ...] = ("supernet", "kernel", "depth-1", "depth-2", "expand-1", "expand-2")
EPOCH_DIVISORS: tuple[float, ...] = (1.5, 7.2, 1.5, 7.2, 1.5)
"""Epochs of the five later phases are ``S / divisor`` (OFA: 120, 25, 120, 25, 120 for S = 180)."""
DEFAULT_LR_DIVISORS: tuple[float, ...] = (2.7, 32.5, 10.8, 32.5, 10.8)
DEFAULT_SUBNETS_PER_STEP: tuple[int, ...] = (1, 2, 2, 4, 4)
REORGANIZE_STAGES: tuple[int | None, ...] = (None, None, None, 0, 1)
"""OFA's ``expand_ratio_stage`` of the later phases: channels are sorted before the expand phases."""


def round_half_up(value: float) -> int:
    """Round as people do (2.5 -> 3), not as Python's banker's ``round`` (2.5 -> 2)."""
    return math.floor(value + 0.5)


def later_phase_epochs(supernet_epochs: int) -> tuple[int, ...]:
    """Epochs of the five shrinking phases after a supernet phase of ``supernet_epochs``."""
    return tuple(max(1, round_half_up(supernet_epochs / divisor)) for divisor in EPOCH_DIVISORS)


def _default_split(epochs: int) -> tuple[int, ...]:
    """Six phase lengths totalling ``epochs``; the supernet phase takes what is left (may be < 1)."""
    supernet = round_half_up(epochs / (1 + sum(1 / divisor for divisor in EPOCH_DIVISORS)))
    later = later_phase_epochs(supernet)
    return (epochs - sum(later), *later)


MIN_EPOCHS: int = next(e for e in range(1, 100) if _default_split(e)[0] >= 1)
"""Fewest epochs that give all six phases at least one epoch (6; every larger count works too)."""


def phase_epochs(epochs: int, supernet_epochs: int | None = None) -> tuple[int, ...]:
    """Epochs of the six phases of a run of ``epochs``; errors say what is allowed.

    Without ``supernet_epochs`` the supernet gets S = round(epochs / (1 + 3/1.5 + 2/7.2)),
    the later phases their share of S, and the supernet phase absorbs the rounding so the
    total is exactly ``epochs`` (82 -> S = 25, 590 -> S = 180).
    """
    if supernet_epochs is None:
        if epochs < MIN_EPOCHS:
            raise SamplerError(
                f"epochs: {epochs} too few for progressive shrinking's six phases of at least one epoch; "
                f"allowed: >= {MIN_EPOCHS}"
            )
        return _default_split(epochs)
    split = (supernet_epochs, *later_phase_epochs(supernet_epochs))
    if sum(split) != epochs:
        breakdown = " + ".join(f"{n} ({name})" for n, name in zip(split, PHASE_NAMES))
        raise SamplerError(
            f"supernet_epochs: {supernet_epochs} implies {breakdown} = {sum(split)} epochs, but the run has "
            f"epochs {epochs}; set epochs to {sum(split)} or leave supernet_epochs unset to derive it from epochs",
            option="supernet_epochs",
        )
    return split


def phase_spaces(space: SearchSpace) -> tuple[SearchSpace, ...]:
    """The six phases' spaces: each later phase keeps the earlier dimensions fully elastic."""
    kernel_max = [max(space.kernel_choices)]
    expand_max = [max(space.expand_choices)]
    depth_max = [max(space.depth_choices)]
    return (
        space.restrict(kernel=kernel_max, expand=expand_max, depth=depth_max),
        space.restrict(expand=expand_max, depth=depth_max),
        space.restrict(expand=expand_max, depth=space.depth_choices[-2:]),
        space.restrict(expand=expand_max),
        space.restrict(expand=space.expand_choices[-2:]),
        space,
    )


PositiveFloat = Annotated[float, pydantic.Field(gt=0, allow_inf_nan=False)]


class ProgressiveShrinking(StreamSampler):
    """``progressive-shrinking``: OFA's six phases; see the module docstring."""

    class Config(SamplerConfig):
        name: Literal["progressive-shrinking"] = pydantic.Field(
            "progressive-shrinking", description="the sampler: OFA's progressive shrinking (supernet + 5 phases)"
        )
        supernet_epochs: int | None = pydantic.Field(
            None,
            ge=1,
            description=(
                "epochs of the supernet phase (S); the later phases get S/1.5, S/7.2, S/1.5, S/7.2, S/1.5 "
                "and the total must equal the run's epochs; unset: derived from epochs (82 -> 25, 590 -> 180)"
            ),
        )
        lr_divisors: tuple[PositiveFloat, ...] = pydantic.Field(
            DEFAULT_LR_DIVISORS,
            min_length=5,
            max_length=5,
            description=(
                "learning rate of the kernel, depth-1, depth-2, expand-1 and expand-2 phases is the base rate "
                "divided by these (5 positive numbers, a list or comma-separated; OFA: 2.7, 32.5, 10.8, 32.5, 10.8)"
            ),
        )
        subnets_per_step: tuple[SubnetsPerStep, ...] = pydantic.Field(
            DEFAULT_SUBNETS_PER_STEP,
            min_length=5,
            max_length=5,
            description=(
                "subnets drawn per step in the five later phases, gradients summed "
                f"(5 integers, 1..{MAX_SUBNETS_PER_STEP}, a list or comma-separated; OFA: 1, 2, 2, 4, 4)"
            ),
        )
        kd_ratio: float = pydantic.Field(
            1.0,
            ge=0,
            allow_inf_nan=False,
            description="weight of distillation from the teacher (the trained supernet) in the five later phases; 0 turns it off",
        )
        distribution: Distribution = "per-dimension"

        @pydantic.field_validator("lr_divisors", "subnets_per_step", mode="before")
        @classmethod
        def _split_commas(cls, value: Any) -> Any:
            return comma_list(value)

    config: Config

    def __init__(self, config: Config, context: SamplerContext) -> None:
        super().__init__(config, context)
        epochs = phase_epochs(context.epochs, config.supernet_epochs)
        spaces = phase_spaces(context.space)
        supernet = Phase(
            PHASE_NAMES[0], epochs[0], spaces[0], lr_scale=1.0, subnets_per_step=1, kd_ratio=0.0, snapshot_teacher=True
        )
        later = tuple(
            Phase(
                name,
                n_epochs,
                phase_space,
                lr_scale=1.0 / lr_divisor,
                subnets_per_step=per_step,
                kd_ratio=config.kd_ratio,
                reorganize_expand_stage=stage,
            )
            for name, n_epochs, phase_space, lr_divisor, per_step, stage in zip(
                PHASE_NAMES[1:], epochs[1:], spaces[1:], config.lr_divisors, config.subnets_per_step, REORGANIZE_STAGES
            )
        )
        self._phases = (supernet, *later)
        self._largest = context.space.largest()

    @property
    def phases(self) -> tuple[Phase, ...]:
        return self._phases

    def draw(self, epoch: int, step: int) -> list[Subnet]:
        index, phase = self.phase_at(epoch)
        if index == 0:
            return [self._largest]
        return draw_subnets(phase.space, phase.subnets_per_step, self.rng, self.config.distribution, home=self.space)
