"""Samplers of the whole population: the paper's per-dimension draw and uniform over networks.

``per-dimension`` is the paper's Algorithm 1 (and OFA's ``sample_active_subnet``): each
stage's depth, and each active layer's kernel and expand ratio, drawn uniformly.  It is
*not* uniform over networks: a stage of depth 2 has 81 configurations and one of depth
4 has 6561, yet each depth is drawn with probability 1/3.  ``uniform`` draws every
canonical network with equal probability (a depth-d stage with probability 9^d/7371).

Both factorise over stages, so they are drawn as stage codes (see search_space).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from nasbench_rss.errors import SpaceError
from nasbench_rss.space.search_space import SearchSpace
from nasbench_rss.space.subnet import Subnet

BaseDistribution = Literal["per-dimension", "uniform"]
BASE_DISTRIBUTIONS: tuple[str, ...] = ("per-dimension", "uniform")


def check_distribution(mode: str) -> None:
    if mode not in BASE_DISTRIBUTIONS:
        raise SpaceError(f"mode: {mode!r} is not a sampler; allowed: {', '.join(BASE_DISTRIBUTIONS)}")


def stage_code_weights(space: SearchSpace, stage: int, mode: BaseDistribution) -> np.ndarray:
    """Integer weights of each stage code under ``mode``, proportional to its probability.

    per-dimension: a code of depth d has probability 1/(|depths| * b^d) with b choices
    per layer; scaling by |depths| * b^max gives the integers b^(max - d).
    """
    check_distribution(mode)
    table = space.stage_tables[stage]
    if mode == "uniform":
        return np.ones(len(table.depth), dtype=np.int64)
    b = space.choices_per_layer
    top = max(space.stage_depth_choices(stage))
    return (b ** (top - table.depth.astype(np.int64))).astype(np.int64)


def sample_codes(space: SearchSpace, n: int, rng: np.random.Generator, mode: BaseDistribution = "per-dimension") -> np.ndarray:
    """``n`` networks as stage codes, shape (n, n_stages)."""
    check_distribution(mode)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise SpaceError(f"n: {n!r} not allowed; allowed: integers >= 0")
    codes = np.empty((n, space.n_stages), dtype=np.int64)
    b = space.choices_per_layer
    for s in range(space.n_stages):
        if mode == "uniform":
            codes[:, s] = rng.integers(0, space.stage_size(s), size=n)
            continue
        depths = np.asarray(space.stage_depth_choices(s), dtype=np.int64)
        offsets = np.asarray([space.stage_tables[s].depth_offset[int(d)] for d in depths], dtype=np.int64)
        pick = rng.integers(0, len(depths), size=n)
        within = rng.integers(0, b ** depths[pick])
        codes[:, s] = offsets[pick] + within
    return codes


def sample(space: SearchSpace, n: int, rng: np.random.Generator, mode: BaseDistribution = "per-dimension") -> list[Subnet]:
    return space.subnets(sample_codes(space, n, rng, mode))
