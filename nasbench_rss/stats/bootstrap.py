"""Bootstrap confidence intervals (BCa, with a percentile fallback) around a statistic.

Accuracies of subnets and training times are neither normal nor numerous, so intervals
come from resampling rather than from a t distribution.  BCa corrects the percentile
interval for bias and skew; when it is undefined (a degenerate bootstrap distribution,
e.g. a 0/1 statistic on a tiny sample) the plain percentile interval is used and
``Interval.method`` says so.  Every call is seeded: the same seed gives the same interval.
"""

from __future__ import annotations

import inspect
import math
import warnings
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import scipy.stats

from nasbench_rss.stats.checks import (
    StatsError,
    check_level,
    check_resamples,
    check_seed,
    finite_array,
    is_constant,
)

METHOD_BCA = "BCa bootstrap"
METHOD_PERCENTILE = "percentile bootstrap (BCa undefined)"
METHOD_ONE_VALUE = "one value: no interval"
METHOD_CONSTANT = "all values equal: no spread"

# scipy >= 1.15 takes ``rng=``; older releases (pyproject allows scipy >= 1.10) ``random_state=``.
_RNG_KEYWORD = "rng" if "rng" in inspect.signature(scipy.stats.bootstrap).parameters else "random_state"

# Bound on the floats scipy holds at once (resamples x n, and the jackknife's n x (n-1)).
_BATCH_ELEMENTS = 1 << 22


@dataclass(frozen=True)
class Interval:
    """A point estimate with a two-sided confidence interval.

    ``n`` counts the resampled units (values, pairs or seeds); ``method`` says how the
    bounds were obtained, including why there are none.
    """

    estimate: float
    low: float
    high: float
    level: float
    method: str
    n: int

    def to_dict(self) -> dict[str, float | int | str]:
        """Plain Python values for JSON; NaN bounds stay ``float('nan')``."""
        return {
            "estimate": self.estimate,
            "low": self.low,
            "high": self.high,
            "level": self.level,
            "method": self.method,
            "n": self.n,
        }


def mean_ci(values: Sequence[float], seed: int, level: float = 0.95, resamples: int = 10_000) -> Interval:
    """Mean of ``values`` with a bootstrap confidence interval.

    One value has no sampling distribution to estimate, so its bounds are NaN; values that
    are all equal give the degenerate interval ``[value, value]`` (every resample has that mean).
    """
    x = finite_array(values, "values")
    level = check_level(level)
    check_seed(seed)
    check_resamples(resamples)
    if x.size == 1:
        return Interval(float(x[0]), math.nan, math.nan, level, METHOD_ONE_VALUE, 1)
    if is_constant(x):
        value = float(x[0])  # exact, where np.mean could be one ulp off
        return Interval(value, value, value, level, METHOD_CONSTANT, int(x.size))
    return statistic_ci(x, np.mean, seed, level, resamples)


def statistic_ci(
    values: Sequence[float],
    statistic: Callable[..., float],
    seed: int,
    level: float = 0.95,
    resamples: int = 10_000,
    paired_with: Sequence[float] | None = None,
) -> Interval:
    """``statistic(values)`` (or ``statistic(values, paired_with)``) with a bootstrap interval.

    With ``paired_with`` the two sequences are pairs (entry i of each belongs to one unit,
    e.g. one subnet evaluated by two runs), and resampling draws *pair indices*, keeping
    each pair together: the pairing is what removes the between-unit variance.

    ``statistic`` takes one array (two with ``paired_with``) and returns a number.  If it
    also takes an ``axis`` keyword it is called vectorised over all resamples at once
    (much faster); ``numpy.mean`` and ``numpy.median`` do.
    """
    x = finite_array(values, "values")
    samples: tuple[np.ndarray, ...] = (x,)
    if paired_with is not None:
        y = finite_array(paired_with, "paired_with")
        if y.size != x.size:
            raise StatsError(
                f"values and paired_with must be pairs (equal lengths); got {x.size} values and {y.size} paired_with"
            )
        samples = (x, y)
    level = check_level(level)
    seed = check_seed(seed)
    resamples = check_resamples(resamples)
    if not callable(statistic):
        raise StatsError(f"statistic must be a callable taking the sample(s) and returning a number; got {statistic!r}")

    estimate = float(statistic(*samples))
    n = int(x.size)
    if n == 1:
        return Interval(estimate, math.nan, math.nan, level, METHOD_ONE_VALUE, 1)
    if all(is_constant(sample) for sample in samples):
        # Every resample is the original data again: the bootstrap distribution is one point.
        return Interval(estimate, estimate, estimate, level, METHOD_CONSTANT, n)

    with warnings.catch_warnings():
        # A degenerate BCa is expected for some data; the fallback below handles it and
        # ``method`` records it, so scipy's warnings would only be noise.
        warnings.simplefilter("ignore", scipy.stats.DegenerateDataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = _bootstrap(samples, statistic, seed, level, resamples, "BCa")
    if math.isfinite(low) and math.isfinite(high):
        return Interval(estimate, low, high, level, METHOD_BCA, n)
    low, high = _bootstrap(samples, statistic, seed, level, resamples, "percentile")
    return Interval(estimate, low, high, level, METHOD_PERCENTILE, n)


def _bootstrap(
    samples: tuple[np.ndarray, ...],
    statistic: Callable[..., float],
    seed: int,
    level: float,
    resamples: int,
    method: str,
) -> tuple[float, float]:
    """(low, high) of one ``scipy.stats.bootstrap`` call with a fresh generator from ``seed``."""
    result = scipy.stats.bootstrap(
        samples,
        statistic,
        n_resamples=resamples,
        batch=max(1, _BATCH_ELEMENTS // samples[0].size),
        paired=len(samples) > 1,
        confidence_level=level,
        method=method,
        **{_RNG_KEYWORD: np.random.default_rng(seed)},
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)
