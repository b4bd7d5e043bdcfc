"""Learning rate as a pure function of the step within a phase.

A pure function (rather than a stateful torch scheduler) means a resumed run needs no
scheduler state to get exactly the learning rates of an uninterrupted one.  The cosine is
OFA's per-iteration one: ``0.5 * lr * (1 + cos(pi * t / T))`` over the phase's steps after
warmup; warmup rises linearly to ``lr`` over its steps.
"""

from __future__ import annotations

import math
from typing import Literal

LrSchedule = Literal["cosine", "constant"]


def learning_rate(base: float, step: int, total_steps: int, schedule: LrSchedule = "cosine", warmup_steps: int = 0) -> float:
    """Learning rate at ``step`` (0-based) of a phase of ``total_steps`` steps."""
    if not 0 <= step < total_steps:
        raise ValueError(f"step {step} outside the phase's {total_steps} steps")
    if step < warmup_steps:
        return base * (step + 1) / warmup_steps
    if schedule == "constant":
        return base
    if schedule != "cosine":
        raise ValueError(f"schedule: {schedule!r} not allowed; allowed: cosine, constant")
    t, span = step - warmup_steps, total_steps - warmup_steps
    return 0.5 * base * (1 + math.cos(math.pi * t / span))
