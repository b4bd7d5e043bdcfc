"""Input checks shared by the statistics: one error type, messages that say what is allowed.

Every function in :mod:`nasbench_rss.stats` checks its input here first, so bad data
(an empty list, a NaN accuracy, two "paired" lists of different lengths) fails loudly
with the argument's name instead of turning into a silent NaN three tables later.
"""

from __future__ import annotations

import numbers
from typing import Any, Iterable

import numpy as np

from nasbench_rss.errors import NasbenchError


class StatsError(NasbenchError, ValueError):
    """Invalid input to a statistic: names the argument, what was wrong and what is allowed."""


def finite_array(values: Iterable[float], name: str, min_size: int = 1) -> np.ndarray:
    """``values`` as a 1-D float array of finite numbers with at least ``min_size`` entries.

    NaN and infinity are refused rather than propagated: a missing or diverged
    measurement must be dealt with by the caller, not averaged into a result.
    """
    try:
        array = np.asarray(values if isinstance(values, np.ndarray) else list(values), dtype=float)
    except (TypeError, ValueError) as error:
        raise StatsError(f"{name} must be a sequence of numbers; got {values!r:.80} ({error})") from None
    if array.ndim != 1:
        raise StatsError(f"{name} must be a flat (1-D) sequence of numbers; got an array of shape {array.shape}")
    if array.size < min_size:
        raise StatsError(f"{name} must have at least {min_size} value(s); got {array.size}")
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise StatsError(f"{name} must hold finite numbers only; got {array[bad[0]]} at index {int(bad[0])}")
    return array


def paired_arrays(
    first: Iterable[float], second: Iterable[float], first_name: str = "run", second_name: str = "baseline"
) -> tuple[np.ndarray, np.ndarray]:
    """Two non-empty finite arrays of equal length: entry i of one is paired with entry i of the other."""
    a = finite_array(first, first_name)
    b = finite_array(second, second_name)
    if a.size != b.size:
        raise StatsError(
            f"{first_name} and {second_name} must be paired (same items, same order, equal lengths); "
            f"got {first_name} with {a.size} values and {second_name} with {b.size}"
        )
    return a, b


def check_level(level: Any) -> float:
    """A confidence level strictly between 0 and 1 (e.g. 0.95)."""
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0.0 < float(level) < 1.0:
        raise StatsError(f"level must be a number strictly between 0 and 1 (e.g. 0.95); got {level!r}")
    return float(level)


def check_seed(seed: Any) -> int:
    """A non-negative integer seed for :func:`numpy.random.default_rng` (no global RNG anywhere)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or int(seed) < 0:
        raise StatsError(f"seed must be a non-negative integer; got {seed!r}")
    return int(seed)


def check_resamples(resamples: Any) -> int:
    """A positive integer count of bootstrap resamples."""
    if isinstance(resamples, bool) or not isinstance(resamples, numbers.Integral) or int(resamples) < 1:
        raise StatsError(f"resamples must be a positive integer (e.g. 10000); got {resamples!r}")
    return int(resamples)


def is_constant(array: np.ndarray) -> bool:
    """Whether every entry equals the first (exactly: no tolerance)."""
    return bool(array.size == 0 or np.all(array == array[0]))

