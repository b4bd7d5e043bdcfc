"""Dropout off for a block: forward passes that must not draw random numbers or add noise.

The trainer's candidate losses (a sampler's feedback) and the interference probe both run
the training network outside its update; dropout there would be noise in what they
measure and would draw from the cell's dropout stream, changing training.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

from torch import nn


@contextlib.contextmanager
def dropout_off(model: nn.Module) -> Iterator[None]:
    """Put ``model``'s training dropout layers in eval mode for the block, and back after."""
    dropouts = [m for m in model.modules() if isinstance(m, nn.Dropout) and m.training]
    for module in dropouts:
        module.eval()
    try:
        yield
    finally:
        for module in dropouts:
            module.train()
