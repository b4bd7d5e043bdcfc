"""Effect sizes of a run against a baseline: how large a difference is, not whether it exists."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from nasbench_rss.stats.bootstrap import Interval, mean_ci
from nasbench_rss.stats.checks import finite_array, is_constant, paired_arrays


def cohens_d(run: Sequence[float], baseline: Sequence[float]) -> float:
    """Standardised mean difference ``(mean_run - mean_baseline) / pooled sd``.

    The pooled variance weights each sample's ``ddof=1`` variance by its ``n - 1``
    (``sum of squared deviations / (n_run + n_baseline - 2)``), the classical Cohen's d.
    NaN when undefined: fewer than 3 values in all, or zero pooled spread with different
    means.  Two constant samples with the same value give 0 (no difference at all).
    """
    r = finite_array(run, "run")
    b = finite_array(baseline, "baseline")
    if is_constant(r) and is_constant(b) and r[0] == b[0]:
        return 0.0
    degrees_of_freedom = r.size + b.size - 2
    if degrees_of_freedom <= 0:
        return math.nan
    if is_constant(r) and is_constant(b):
        return math.nan  # zero spread, different means: an infinite effect is no measure
    squares = float(np.sum((r - r.mean()) ** 2) + np.sum((b - b.mean()) ** 2))
    pooled_sd = math.sqrt(squares / degrees_of_freedom)
    return float((r.mean() - b.mean()) / pooled_sd)


def improvement_scores(run: Sequence[float], baseline: Sequence[float]) -> np.ndarray:
    """Per pair: 1 when the run beats the baseline, 0.5 on a tie, 0 when it loses."""
    r, b = paired_arrays(run, baseline)
    return (r > b).astype(float) + 0.5 * (r == b)


def probability_of_improvement(
    run: Sequence[float],
    baseline: Sequence[float],
    seed: int,
    level: float = 0.95,
    resamples: int = 10_000,
) -> Interval:
    """Share of pairs (same subnets, same order) where the run beats the baseline, ties half.

    Paired on purpose: "does this subnet do better trained by the run?" is the question,
    and pairing removes the spread between subnets.  The interval resamples pairs; since
    the estimate is the mean of per-pair scores (see :func:`improvement_scores`),
    resampling the scores is the same as resampling pair indices, and is vectorised.
    """
    return mean_ci(improvement_scores(run, baseline), seed, level, resamples)
