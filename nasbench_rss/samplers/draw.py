"""Drawing subnets of a (restricted) space as subnets of the full space.

Progressive shrinking draws from restricted spaces (e.g. kernels only), but the trainer
works with the full space: stage codes, OFA lists and FLOPs look-ups are relative to a
subnet's own space.  So every drawn subnet is attached to the full space ("home").  This
is always valid: a restricted space keeps the stages and only drops choices.
"""

from __future__ import annotations

import numpy as np

from nasbench_rss.samplers.base import SamplerError
from nasbench_rss.space.population import BaseDistribution, sample
from nasbench_rss.space.search_space import SearchSpace
from nasbench_rss.space.subnet import Subnet


def draw_subnets(
    space: SearchSpace,
    n: int,
    rng: np.random.Generator,
    distribution: BaseDistribution,
    home: SearchSpace | None = None,
) -> list[Subnet]:
    """``n`` subnets of ``space`` drawn with ``rng``, as subnets of ``home`` (default ``space``)."""
    drawn = sample(space, n, rng, distribution)
    if home is None or home is space:
        return drawn
    if not space.is_subspace_of(home):
        raise SamplerError(
            f"space: {space.describe()} is not a sub-space of {home.describe()}; allowed: spaces made by home.restrict(...)"
        )
    return [Subnet._trusted(home, subnet.layers) for subnet in drawn]
