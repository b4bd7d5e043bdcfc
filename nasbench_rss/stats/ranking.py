"""How well one list of accuracies ranks subnets the way another does.

A supernet is used to rank architectures: the accuracy a subnet inherits (``predicted``)
is good when it orders subnets as their stand-alone accuracy (``truth``) does.  NAS
benchmarks judge a training method by Kendall's tau between the two (FairNAS, NASLib);
Spearman's rho, Pearson's r, precision at top-k and the true rank of the predicted best
complete the picture.  Entry i of both lists is one subnet.

Ties are real here (accuracies on a test set are multiples of 1 / test images):

* Kendall's tau is tau-b (scipy's default), which corrects for ties on either side;
* Spearman's rho is Pearson's r of mid-ranks (scipy's);
* top-k (:func:`top_k`) holds every subnet whose rank by the *minimum* method is at most k
  (one plus the number strictly better), so subnets tied at the boundary are all in and
  the set can be larger than k; precision at k is the share of the predicted top-k that is
  in the true top-k;
* the true rank of the predicted best (:func:`top_pick_rank`) is the mean true rank
  (mid-ranks, 1 = best) of the subnets tied for the predicted first place.

A coefficient is NaN when it is undefined: fewer than two subnets, or a list whose values
are all equal (no order to agree with).  The ``*_axis`` functions compute tau and rho
over the last axis of stacked samples at once, what a bootstrap over subnets resamples
(:func:`ranking_ci`).
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np
import scipy.stats

from nasbench_rss.stats.bootstrap import Interval
from nasbench_rss.stats.checks import StatsError, check_level, check_resamples, check_seed, is_constant, paired_arrays

MEASURES = ("kendall_tau", "spearman_rho", "pearson_r", "precision_at_k", "top_pick_rank")
"""The measures of a ranking comparison, in table order."""

_PAIR_CHUNK = 1 << 22
"""Bound on the pairwise signs held at once by :func:`kendall_tau_axis` (resamples x pairs)."""


def _pairs(predicted: Sequence[float], truth: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    return paired_arrays(predicted, truth, "predicted", "truth")


def _undefined(x: np.ndarray, y: np.ndarray) -> bool:
    return x.size < 2 or is_constant(x) or is_constant(y)


def kendall_tau(predicted: Sequence[float], truth: Sequence[float]) -> float:
    """Kendall's tau-b between the two lists (NaN when undefined)."""
    x, y = _pairs(predicted, truth)
    if _undefined(x, y):
        return math.nan
    return float(scipy.stats.kendalltau(x, y).statistic)


def spearman_rho(predicted: Sequence[float], truth: Sequence[float]) -> float:
    """Spearman's rho (Pearson's r of mid-ranks) between the two lists (NaN when undefined)."""
    x, y = _pairs(predicted, truth)
    if _undefined(x, y):
        return math.nan
    return float(scipy.stats.spearmanr(x, y).statistic)


def pearson_r(predicted: Sequence[float], truth: Sequence[float]) -> float:
    """Pearson's r between the two lists (NaN when undefined)."""
    x, y = _pairs(predicted, truth)
    if _undefined(x, y):
        return math.nan
    return float(scipy.stats.pearsonr(x, y).statistic)


def top_k(values: Sequence[float] | np.ndarray, k: int) -> set[int]:
    """Indices of the top-k values (higher is better), every subnet tied at the boundary included."""
    x = np.asarray(values, dtype=float)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise StatsError(f"k must be an integer >= 1; got {k!r}")
    ranks = scipy.stats.rankdata(-x, method="min")
    return {int(i) for i in np.flatnonzero(ranks <= k)}


def precision_at_k(predicted: Sequence[float], truth: Sequence[float], k: int) -> float:
    """Share of the predicted top-k that is in the true top-k (ties at the boundary included on both sides)."""
    x, y = _pairs(predicted, truth)
    chosen = top_k(x, k)
    return len(chosen & top_k(y, k)) / len(chosen)


def top_pick_rank(predicted: Sequence[float], truth: Sequence[float]) -> float:
    """True rank (1 = best, mid-ranks for ties) of the predicted best; the mean when several tie for it."""
    x, y = _pairs(predicted, truth)
    true_ranks = scipy.stats.rankdata(-y, method="average")
    return float(true_ranks[x == x.max()].mean())


def kendall_tau_axis(predicted: np.ndarray, truth: np.ndarray, axis: int = -1) -> np.ndarray:
    """Kendall's tau-b over ``axis`` of stacked samples (NaN where undefined): the vectorised :func:`kendall_tau`.

    tau-b = sum(s_x s_y) / sqrt(sum(s_x^2) sum(s_y^2)) over the pairs i < j, s being the
    sign of the pair's difference (0 for a tie): scipy's formula, without its per-sample loop.
    """
    x = np.moveaxis(np.asarray(predicted, dtype=float), axis, -1)
    y = np.moveaxis(np.asarray(truth, dtype=float), axis, -1)
    shape, n = x.shape[:-1], x.shape[-1]
    x, y = x.reshape(-1, n), y.reshape(-1, n)
    i, j = np.triu_indices(n, k=1)
    out = np.empty(x.shape[0])
    rows = max(1, _PAIR_CHUNK // max(1, i.size))
    for start in range(0, x.shape[0], rows):
        sx = np.sign(x[start : start + rows, i] - x[start : start + rows, j])
        sy = np.sign(y[start : start + rows, i] - y[start : start + rows, j])
        denominator = np.sqrt((sx * sx).sum(1) * (sy * sy).sum(1))
        with np.errstate(invalid="ignore", divide="ignore"):
            out[start : start + rows] = np.where(denominator > 0, (sx * sy).sum(1) / denominator, np.nan)
    return out.reshape(shape)


def spearman_rho_axis(predicted: np.ndarray, truth: np.ndarray, axis: int = -1) -> np.ndarray:
    """Spearman's rho over ``axis`` of stacked samples (NaN where undefined): the vectorised :func:`spearman_rho`."""
    rx = scipy.stats.rankdata(np.asarray(predicted, dtype=float), axis=axis)
    ry = scipy.stats.rankdata(np.asarray(truth, dtype=float), axis=axis)
    return pearson_r_axis(rx, ry, axis=axis)


def pearson_r_axis(predicted: np.ndarray, truth: np.ndarray, axis: int = -1) -> np.ndarray:
    """Pearson's r over ``axis`` of stacked samples (NaN where undefined)."""
    x = np.asarray(predicted, dtype=float)
    y = np.asarray(truth, dtype=float)
    dx = x - x.mean(axis=axis, keepdims=True)
    dy = y - y.mean(axis=axis, keepdims=True)
    denominator = np.sqrt((dx * dx).sum(axis=axis) * (dy * dy).sum(axis=axis))
    # Constant samples by their values, not by the rounded deviations (0.1 - mean(0.1, 0.1, 0.1) need not be 0).
    defined = (np.ptp(x, axis=axis) > 0) & (np.ptp(y, axis=axis) > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (dx * dy).sum(axis=axis) / denominator
    return np.where(defined, np.clip(r, -1.0, 1.0), np.nan)


def ranking_ci(
    predicted: Sequence[float],
    truth: Sequence[float],
    statistic: Callable[..., np.ndarray],
    seed: int,
    level: float = 0.95,
    resamples: int = 10_000,
) -> Interval:
    """``statistic(predicted, truth)`` with a percentile bootstrap interval over the subnets (pairs resampled).

    A resample can be undefined for a rank coefficient (every subnet it drew ties on one
    side: accuracies are multiples of 1 / test images); scipy's bootstrap would then give
    no interval at all, so those resamples are left out (the interval is conditional on a
    defined coefficient) and ``method`` says how many there were.  ``statistic`` is one
    of the ``*_axis`` functions.
    """
    x, y = _pairs(predicted, truth)
    level, seed, resamples = check_level(level), check_seed(seed), check_resamples(resamples)
    estimate = float(statistic(x, y))
    if x.size < 3 or not math.isfinite(estimate):
        return Interval(estimate, math.nan, math.nan, level, "no interval: fewer than 3 subnets or an undefined coefficient", int(x.size))
    rng = np.random.default_rng(seed)
    values = np.concatenate(
        [
            statistic(x[index], y[index])
            for index in (rng.integers(0, x.size, size=(min(1000, resamples - done), x.size)) for done in range(0, resamples, 1000))
        ]
    )
    defined = values[np.isfinite(values)]
    if defined.size < 0.5 * resamples:
        return Interval(estimate, math.nan, math.nan, level, f"no interval: {resamples - defined.size} of {resamples} resamples undefined", int(x.size))
    low, high = np.quantile(defined, [(1 - level) / 2, (1 + level) / 2])
    left_out = resamples - defined.size
    method = "percentile bootstrap over subnets" + (f" ({left_out} of {resamples} resamples undefined, left out)" if left_out else "")
    return Interval(estimate, float(low), float(high), level, method, int(x.size))
