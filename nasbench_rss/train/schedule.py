"""Learning rate as a pure function of the step within a phase.

A pure function (rather than a stateful torch scheduler) means a resumed run needs no
scheduler state to get exactly the learning rates of an uninterrupted one.  The cosine is
OFA's per-iteration one (``calc_learning_rate``, OFA ``ofa/utils/pytorch_utils.py:226-237``):
``0.5 * lr * (1 + cos(pi * t / T))``.  A warm-up is OFA's ``warmup_adjust_learning_rate``
(``run_config.py:76-83``): ``T_cur / T_total * (lr - warmup_lr) + warmup_lr``, rising from
``warmup_start * lr``: OFA's shrinking tasks set ``warmup_lr = base_lr`` with ``lr = 32 x
base_lr`` on its 32 GPUs (``warmup_start`` 1/32; 1 would be a constant rate), a first-phase
warm-up of a one-phase run rises from 0.

By default the cosine spans the phase's steps after its warm-up; ``cosine_offset`` and
``cosine_steps`` place the phase on a longer cosine instead (its steps are
``cosine_offset ..`` of a cosine ``cosine_steps`` long), as the paper's code ran each
shrinking task on the tail of one cosine set up for the epochs up to the task's end.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

from nasbench_rss.config.training import LrSchedule

if TYPE_CHECKING:
    from nasbench_rss.samplers.base import Phase


def learning_rate(
    base: float,
    step: int,
    total_steps: int,
    schedule: LrSchedule = "cosine",
    warmup_steps: int = 0,
    *,
    warmup_start: float = 0.0,
    cosine_offset: int = 0,
    cosine_steps: int | None = None,
) -> float:
    """Learning rate at ``step`` (0-based) of a phase of ``total_steps`` steps."""
    if not 0 <= step < total_steps:
        raise ValueError(f"step {step} outside the phase's {total_steps} steps")
    if step < warmup_steps:
        return base * (warmup_start + (1.0 - warmup_start) * (step + 1) / warmup_steps)
    if schedule == "constant":
        return base
    if schedule != "cosine":
        raise ValueError(f"schedule: {schedule!r} not allowed; allowed: cosine, constant")
    t = step - warmup_steps + cosine_offset
    span = total_steps - warmup_steps if cosine_steps is None else cosine_steps
    if not 0 <= t <= span:
        raise ValueError(f"cosine position {t} outside its {span} steps")
    return 0.5 * base * (1 + math.cos(math.pi * t / span))


def warmup_problem(warmup_epochs: int, phases: Sequence["Phase"], sampler: str) -> str | None:
    """What stops ``training.warmup_epochs`` from warming up ``sampler``'s first phase (None: nothing).

    A warm-up as long as the first phase leaves it no epoch to train after it, and one on
    top of the sampler's own warm-up of that phase would apply two.  The one check of the
    rule: validation asks it of every run before anything trains (suite/sampler_check.py),
    the training loop of the cell it trains (train/loop.py).
    """
    if not phases or not warmup_epochs:
        return None
    first, plural = phases[0], warmup_epochs != 1
    if warmup_epochs >= first.epochs:
        return (
            f"{warmup_epochs} warmup epoch{'s leave' if plural else ' leaves'} no epoch of the first phase ({first.name!r}, "
            f"{first.epochs} epoch{'s' if first.epochs != 1 else ''} of {sampler}) to train after the warmup; "
            f"allowed: {'0 (no warmup)' if first.epochs == 1 else f'0 to {first.epochs - 1}'}"
        )
    if first.warmup_epochs:
        return (
            f"{warmup_epochs} warmup epoch{'s' if plural else ''} and sampler {sampler}'s own warm-up of its first phase "
            f"({first.name!r}, {first.warmup_epochs} epoch{'s' if first.warmup_epochs != 1 else ''}) would both apply; "
            "allowed: 0 (the sampler's warm-up alone)"
        )
    return None
