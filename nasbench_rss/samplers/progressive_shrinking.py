"""OFA's Progressive Shrinking: a supernet phase, then five shrinking phases.

Phases (OFA's ``train_ofa_net.py``; dimensions kernel / depth / expand)::

    phase     space                          epochs (S=180)   warm-up   lr = base /   per step   sorts channels
    supernet  max / max / max (largest)      S                0         1             1          -
    kernel    all / max / max                S/1.5 = 120      5         2.71          1          -
    depth-1   all / two largest / max        S/7.2 = 25       0         32.5          2          -
    depth-2   all / all / max                S/1.5 = 120      5         10.8          2          -
    expand-1  all / all / two largest        S/7.2 = 25       0         32.5          4          stage 0
    expand-2  all / all / all                S/1.5 = 120      5         10.8          4          stage 1

What OFA and the paper's code did differently is an option each (``lr_schedule``,
``lr_divisors``, ``warmup_epochs``, ``sort_channels``, ``teacher``, ``epoch_rounding``,
explicit ``phase_epochs``), and the protocols (:mod:`nasbench_rss.protocols`) set them
together: ``ofa`` as OFA's ``train_ofa_net.py``, ``paper-code`` as the paper's ``main.py``
ran (one global cosine's tail per task, no sorting, an untrained teacher).  The defaults
are the ``project`` protocol's, which follows OFA here.  docs/fidelity.md has the table.

Epoch counts are OFA's, written for S = 180 (120 = S/1.5 and 25 = S/7.2 for the later
phases, 5 warm-up epochs in three of them); a run with another S scales every count by
S/180, rounded (half up by default; ``half-even`` is Python's ``round``, as the paper's
code), phases at least one epoch, warm-ups possibly none.  A warm-up runs at the phase's
rate, rising linearly from 1/32 of it (OFA's ``warmup_lr = base_lr`` against
``init_lr = 32 x base_lr`` on its 32 GPUs, ``train_ofa_net.py:164-166``,
``run_config.py:76-83``), and comes before the phase's cosine, which keeps its full length,
as OFA's loop runs ``n_epochs + warmup_epochs`` (``progressive_shrinking.py:239-241``).  So S = 180 gives
180 + 125 + 25 + 125 + 25 + 125 = 605 epochs with OFA's warm-ups, and the 590 of the
paper's Table 1 without them (``warmup_epochs: 0,0,0,0,0``, as its code ran).

The teacher (phases with ``kd_ratio`` > 0) is the largest subnet as trained at the end of
the supernet phase (``snapshot``, OFA's), or an untrained network of that architecture
with torch's default initialisation (``untrained``, what the paper's code distilled from);
either way without dropout and with BN in train mode, as both sources run it.

OFA reseeded Python's global RNG before every draw from the global step index
(``epoch * batches + step``), so every run drew the same subnet sequence whatever its
seed, and the reseeding leaked into anything else using that RNG.  We draw from the
cell's ``sampler`` stream: the sequence follows the cell's seed, and no global RNG is
touched.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Callable, Literal

import pydantic

from nasbench_rss.limits import MAX_SUBNETS_PER_STEP, SubnetsPerStep
from nasbench_rss.samplers.base import Phase, SamplerConfig, SamplerContext, SamplerError
from nasbench_rss.samplers.draw import draw_subnets
from nasbench_rss.samplers.options import Distribution, comma_list
from nasbench_rss.samplers.stream import StreamSampler
from nasbench_rss.space.search_space import SearchSpace
from nasbench_rss.space.subnet import Subnet

PHASE_NAMES: tuple[str, ...] = ("supernet", "kernel", "depth-1", "depth-2", "expand-1", "expand-2")
REFERENCE_SUPERNET_EPOCHS = 180
"""The S that OFA's and the paper's epoch counts are written for (the paper's Table 1, CIFAR)."""
EPOCH_DIVISORS: tuple[float, ...] = (1.5, 7.2, 1.5, 7.2, 1.5)
"""Epochs of the five later phases are ``S / divisor`` (OFA: 120, 25, 120, 25, 120 for S = 180; paper code main.py:42-83)."""
OFA_WARMUP_EPOCHS: tuple[int, ...] = (5, 0, 5, 0, 5)
"""OFA's warm-up epochs of the five later phases at S = 180 (train_ofa_net.py:47,58,66,77,85)."""
OFA_GPUS = 32
"""OFA trained on 32 GPUs: its rates are per GPU x 32 (train_ofa_net.py:164), its full network's 2.6 (the OFA paper)."""
OFA_WARMUP_START = 1 / OFA_GPUS
"""Where OFA's warm-up starts, as a fraction of the task's rate: ``warmup_lr = base_lr`` (train_ofa_net.py:165-166) and
``init_lr = base_lr x 32`` (:164), so its ramp (run_config.py:76-83) rises from 1/32 of the rate on OFA's 32 GPUs."""
OFA_LR_DIVISORS: tuple[float, ...] = (2.6 / 0.96, 2.6 / 0.08, 2.6 / 0.24, 2.6 / 0.08, 2.6 / 0.24)
"""OFA's task rates (train_ofa_net.py:46,57,65,76,84, x 32 GPUs) against its full network's 2.6: 2.708, 32.5, 10.83, 32.5, 10.83."""
PAPER_CODE_LR_DIVISORS: tuple[float, ...] = (2.7, 32.5, 10.8, 32.5, 10.8)
"""The paper's code's rounded divisors (main.py:43,55,64,75,84)."""
DEFAULT_SUBNETS_PER_STEP: tuple[int, ...] = (1, 2, 2, 4, 4)
REORGANIZE_STAGES: tuple[int | None, ...] = (None, None, None, 0, 1)
"""OFA's ``expand_ratio_stage`` of the later phases: channels are sorted before the expand phases."""

EpochRounding = Literal["half-up", "half-even"]
LrPlan = Literal["per-phase", "global-tail"]
Teacher = Literal["snapshot", "untrained", "none"]


def round_half_up(value: float) -> int:
    """Round as people do (2.5 -> 3), not as Python's banker's ``round`` (2.5 -> 2)."""
    return math.floor(value + 0.5)


ROUNDING: dict[str, Callable[[float], int]] = {"half-up": round_half_up, "half-even": round}


def later_phase_epochs(supernet_epochs: int, rounding: EpochRounding = "half-up") -> tuple[int, ...]:
    """Epochs of the five shrinking phases' cosines after a supernet phase of ``supernet_epochs`` (warm-ups not included)."""
    rnd = ROUNDING[rounding]
    return tuple(max(1, rnd(supernet_epochs / divisor)) for divisor in EPOCH_DIVISORS)


def scaled_warmups(supernet_epochs: int, rounding: EpochRounding = "half-up") -> tuple[int, ...]:
    """OFA's warm-ups (5, 0, 5, 0, 5 at S = 180) scaled to a supernet phase of ``supernet_epochs``."""
    rnd = ROUNDING[rounding]
    return tuple(rnd(w * supernet_epochs / REFERENCE_SUPERNET_EPOCHS) for w in OFA_WARMUP_EPOCHS)


PositiveFloat = Annotated[float, pydantic.Field(gt=0, allow_inf_nan=False)]
PhaseLength = Annotated[int, pydantic.Field(ge=1)]
WarmupLength = Annotated[int, pydantic.Field(ge=0)]


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
                "epochs of the supernet phase (S); the later phases get S/1.5, S/7.2, S/1.5, S/7.2, S/1.5 plus their "
                "warm-ups and the total must equal the run's epochs; unset: derived from epochs"
            ),
        )
        phase_epochs: tuple[PhaseLength, ...] | None = pydantic.Field(
            None,
            min_length=6,
            max_length=6,
            description=(
                "the six phases' epochs (supernet, kernel, depth-1, depth-2, expand-1, expand-2; warm-ups included), "
                "adding up to the run's epochs: for lengths the divisors cannot give, such as Table 1's MNIST 10 + 27"
            ),
        )
        lr_schedule: LrPlan = pydantic.Field(
            "per-phase",
            description=(
                "per-phase: each phase its own cosine from its own start, as OFA's separate task runs; global-tail: "
                "each phase at its rate on the tail of one cosine spanning the epochs up to its end, as the paper's code "
                "(no warm-ups then)"
            ),
        )
        lr_divisors: tuple[PositiveFloat, ...] = pydantic.Field(
            OFA_LR_DIVISORS,
            min_length=5,
            max_length=5,
            description=(
                "learning rate of the kernel, depth-1, depth-2, expand-1 and expand-2 phases is the base rate "
                "divided by these (5 positive numbers, a list or comma-separated; OFA: 2.708, 32.5, 10.83, 32.5, 10.83; "
                "the paper's code: 2.7, 32.5, 10.8, 32.5, 10.8)"
            ),
        )
        warmup_epochs: tuple[WarmupLength, ...] | None = pydantic.Field(
            None,
            min_length=5,
            max_length=5,
            description=(
                "warm-up epochs of the five later phases, rising from 1/32 of the phase's rate as OFA's, before its cosine (5 integers >= 0); "
                "unset: OFA's 5, 0, 5, 0, 5 scaled by S/180 (none with lr_schedule global-tail)"
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
        fresh_optimizer: bool = pydantic.Field(
            True,
            description=(
                "a new optimizer (no momentum) at each phase, as OFA's separate task runs; false: the optimizer and its "
                "momentum carry over from phase to phase, as the paper's code resumed each task from the last one's checkpoint"
            ),
        )
        sort_channels: bool = pydantic.Field(
            True, description="sort the hidden channels by importance before the expand phases (OFA); false: never (the paper's code)"
        )
        teacher: Teacher = pydantic.Field(
            "snapshot",
            description=(
                "what the later phases distil from: snapshot (the largest subnet as trained at the end of the supernet "
                "phase, OFA's), untrained (a freshly built network, the paper's code) or none (no distillation)"
            ),
        )
        kd_ratio: float = pydantic.Field(
            1.0,
            ge=0,
            allow_inf_nan=False,
            description="weight of distillation from the teacher in the five later phases; 0 turns it off",
        )
        epoch_rounding: EpochRounding = pydantic.Field(
            "half-up", description="how scaled epoch counts round: half-up (2.5 -> 3) or half-even (Python's round, as the paper's code)"
        )
        distribution: Distribution = "per-dimension"

        @pydantic.field_validator("lr_divisors", "subnets_per_step", "warmup_epochs", "phase_epochs", mode="before")
        @classmethod
        def _split_commas(cls, value: Any) -> Any:
            return comma_list(value)

        @pydantic.model_validator(mode="after")
        def _consistent(self) -> "ProgressiveShrinking.Config":
            if self.supernet_epochs is not None and self.phase_epochs is not None:
                raise ValueError("supernet_epochs and phase_epochs are both set; allowed: one of them (phase_epochs names S too)")
            if self.teacher == "none" and self.kd_ratio > 0:
                raise ValueError(f"teacher none distils nothing, but kd_ratio is {self.kd_ratio:g}; allowed: kd_ratio 0 with teacher none")
            if not self.fresh_optimizer and self.sort_channels:
                raise ValueError(
                    "fresh_optimizer false with sort_channels true: the carried momentum would not follow the re-ordered "
                    "channels; allowed: fresh_optimizer true, or sort_channels false (as the paper's code)"
                )
            if self.lr_schedule == "global-tail" and self.warmup_epochs is not None and any(self.warmup_epochs):
                raise ValueError(
                    f"warmup_epochs {list(self.warmup_epochs)} with lr_schedule global-tail; allowed: 0, 0, 0, 0, 0 "
                    "(the paper's code ran no warm-up on its cosine tails)"
                )
            return self

    config: Config

    def __init__(self, config: Config, context: SamplerContext) -> None:
        super().__init__(config, context)
        epochs, warmups = phase_plan(context.epochs, config)
        spaces = phase_spaces(context.space)
        kd_ratio = config.kd_ratio if config.teacher != "none" else 0.0
        teacher = "untrained" if config.teacher == "untrained" else "snapshot"
        phases = []
        start = 0
        for index, (name, n_epochs, phase_space) in enumerate(zip(PHASE_NAMES, epochs, spaces)):
            later = index - 1
            tail = config.lr_schedule == "global-tail"
            phases.append(
                Phase(
                    name,
                    n_epochs,
                    phase_space,
                    lr_scale=1.0 if index == 0 else 1.0 / config.lr_divisors[later],
                    subnets_per_step=1 if index == 0 else config.subnets_per_step[later],
                    kd_ratio=0.0 if index == 0 else kd_ratio,
                    reorganize_expand_stage=REORGANIZE_STAGES[later] if index and config.sort_channels else None,
                    snapshot_teacher=index == 0 and config.teacher == "snapshot" and kd_ratio > 0,
                    warmup_epochs=0 if index == 0 else warmups[later],
                    warmup_start=OFA_WARMUP_START,
                    cosine_start=start if tail else 0,
                    cosine_epochs=start + n_epochs if tail else None,
                    teacher=teacher,
                    fresh_optimizer=index == 0 or config.fresh_optimizer,
                )
            )
            start += n_epochs
        self._phases = tuple(phases)
        self._largest = context.space.largest()

    @property
    def phases(self) -> tuple[Phase, ...]:
        return self._phases

    def draw(self, epoch: int, step: int) -> list[Subnet]:
        index, phase = self.phase_at(epoch)
        if index == 0:
            return [self._largest]
        return draw_subnets(phase.space, phase.subnets_per_step, self.rng, self.config.distribution, home=self.space)


def _warmups(config: ProgressiveShrinking.Config, supernet_epochs: int) -> tuple[int, ...]:
    if config.warmup_epochs is not None:
        return tuple(config.warmup_epochs)
    if config.lr_schedule == "global-tail":
        return (0,) * 5
    return scaled_warmups(supernet_epochs, config.epoch_rounding)


def _breakdown(split: tuple[int, ...], warmups: tuple[int, ...]) -> str:
    parts = [f"{split[0]} (supernet)"]
    for n, name, warm in zip(split[1:], PHASE_NAMES[1:], warmups):
        parts.append(f"{n} ({name}{f', {warm} of them warm-up' if warm else ''})")
    return " + ".join(parts)


def _split_from_supernet(config: ProgressiveShrinking.Config, supernet: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    warmups = _warmups(config, supernet)
    later = tuple(c + w for c, w in zip(later_phase_epochs(supernet, config.epoch_rounding), warmups))
    return (supernet, *later), warmups


def _derived_split(config: ProgressiveShrinking.Config, epochs: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Six phase lengths totalling ``epochs``; the supernet phase absorbs the rounding (and may come out < 1)."""
    rate = 1 + sum(1 / divisor for divisor in EPOCH_DIVISORS)
    fixed = 0
    if config.warmup_epochs is not None:
        fixed = sum(config.warmup_epochs)
    elif config.lr_schedule == "per-phase":
        rate += sum(OFA_WARMUP_EPOCHS) / REFERENCE_SUPERNET_EPOCHS
    estimate = max(1, ROUNDING[config.epoch_rounding]((epochs - fixed) / rate))
    split, warmups = _split_from_supernet(config, estimate)
    return (epochs - sum(split[1:]), *split[1:]), warmups


def minimum_epochs(config: ProgressiveShrinking.Config) -> int:
    """Fewest epochs whose derived split gives every phase at least one epoch (6 with the defaults)."""
    return next(e for e in range(1, 100_000) if _derived_split(config, e)[0][0] >= 1)


def phase_plan(epochs: int, config: ProgressiveShrinking.Config | None = None) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The six phases' epochs (warm-ups included) and the five later phases' warm-ups of a run of ``epochs``.

    Explicit ``phase_epochs`` must add up to ``epochs``; explicit ``supernet_epochs`` S gives
    the later phases their share of S and must add up too; otherwise S is derived so that
    the total is exactly ``epochs`` (82 -> S = 25, 605 -> S = 180 with OFA's warm-ups, 590 ->
    S = 180 without), the supernet phase absorbing the rounding.  Errors say what is allowed.
    """
    config = config or ProgressiveShrinking.Config()
    if config.phase_epochs is not None:
        split = tuple(config.phase_epochs)
        warmups = _warmups(config, split[0])
        if sum(split) != epochs:
            raise SamplerError(
                f"phase_epochs: {' + '.join(map(str, split))} = {sum(split)} epochs, but the run has epochs {epochs}; "
                f"allowed: six lengths adding up to {epochs}, or set epochs to {sum(split)}",
                option="phase_epochs",
            )
        short = [name for name, n, w in zip(PHASE_NAMES[1:], split[1:], warmups) if w >= n]
        if short:
            raise SamplerError(
                f"phase_epochs: {', '.join(short)} would be all warm-up ({_breakdown(split, warmups)}); allowed: each "
                "later phase longer than its warm-up (set warmup_epochs, or longer phases)",
                option="phase_epochs",
            )
        return split, warmups
    if config.supernet_epochs is not None:
        split, warmups = _split_from_supernet(config, config.supernet_epochs)
        if sum(split) != epochs:
            raise SamplerError(
                f"supernet_epochs: {config.supernet_epochs} implies {_breakdown(split, warmups)} = {sum(split)} epochs, "
                f"but the run has epochs {epochs}; set epochs to {sum(split)} or leave supernet_epochs unset to derive "
                "it from epochs",
                option="supernet_epochs",
            )
        return split, warmups
    split, warmups = _derived_split(config, epochs)
    if split[0] < 1:
        raise SamplerError(
            f"epochs: {epochs} too few for progressive shrinking's six phases of at least one epoch; "
            f"allowed: >= {minimum_epochs(config)}"
        )
    return split, warmups


def phase_epochs(epochs: int, supernet_epochs: int | None = None) -> tuple[int, ...]:
    """The six phases' epochs of a run of ``epochs`` with the default options (see :func:`phase_plan`)."""
    return phase_plan(epochs, ProgressiveShrinking.Config(supernet_epochs=supernet_epochs))[0]


MIN_EPOCHS: int = minimum_epochs(ProgressiveShrinking.Config())
"""Fewest epochs that give all six phases at least one epoch with the default options (6)."""


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
