"""Correction for multiple comparisons: many runs (and buckets) tested against one baseline."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from nasbench_rss.stats.checks import StatsError


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni step-down adjusted p-values, in the input order.

    Holm controls the family-wise error rate like Bonferroni without assuming anything
    about dependence between tests, and is uniformly more powerful.  Sorted ascending,
    ``adjusted_(i) = max_{j <= i} min(1, (m - j) * p_(j))`` (0-based ``j``), so adjusted
    values are monotone in the raw ones and capped at 1.  NaN p-values (tests that could
    not be run) are returned as NaN and do not count in ``m``.  (Written out here: scipy
    has no Holm and statsmodels is not a dependency.)
    """
    try:
        p = np.asarray(list(p_values), dtype=float)
    except (TypeError, ValueError) as error:
        raise StatsError(f"p_values must be a sequence of numbers in [0, 1] (or NaN); got {p_values!r:.80} ({error})") from None
    if p.ndim != 1:
        raise StatsError(f"p_values must be a flat (1-D) sequence; got an array of shape {p.shape}")
    present = ~np.isnan(p)
    bad = np.flatnonzero(present & ~((p >= 0.0) & (p <= 1.0)))
    if bad.size:
        raise StatsError(f"p_values must lie in [0, 1] (or be NaN); got {p[bad[0]]} at index {int(bad[0])}")

    indices = np.flatnonzero(present)
    m = indices.size
    order = indices[np.argsort(p[indices], kind="stable")]
    adjusted = [math.nan] * p.size
    running = 0.0
    for j, index in enumerate(order):
        running = max(running, min(1.0, (m - j) * float(p[index])))
        adjusted[int(index)] = running
    return adjusted
