"""Descriptive summary of one sample (e.g. the test accuracies of one bucket's subnets)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from nasbench_rss.stats.checks import finite_array


@dataclass(frozen=True)
class Summary:
    """Location and spread of a sample.

    ``var`` and ``std`` are *sample* statistics (``ddof=1``): the values are a sample of a
    population (subnets of a bucket, training seeds), and ``ddof=1`` makes the variance
    unbiased for it.  With one value there is no spread to estimate, so both are NaN.
    """

    n: int
    mean: float
    var: float
    std: float
    median: float
    iqr: float
    min: float
    max: float

    def to_dict(self) -> dict[str, float | int]:
        """Plain Python numbers for JSON; NaN stays ``float('nan')`` (not ``None``)."""
        return {
            "n": self.n,
            "mean": self.mean,
            "var": self.var,
            "std": self.std,
            "median": self.median,
            "iqr": self.iqr,
            "min": self.min,
            "max": self.max,
        }


def describe(values: Sequence[float]) -> Summary:
    """Summary of ``values`` (finite numbers, at least one).

    ``iqr`` is ``q75 - q25`` with numpy's default (linear) percentiles, so it agrees with
    ``numpy.percentile`` and with what most readers will recompute.
    """
    x = finite_array(values, "values")
    var = float(np.var(x, ddof=1)) if x.size >= 2 else math.nan
    q25, median, q75 = (float(q) for q in np.percentile(x, [25.0, 50.0, 75.0]))
    return Summary(
        n=int(x.size),
        mean=float(np.mean(x)),
        var=var,
        std=math.sqrt(var),
        median=median,
        iqr=q75 - q25,
        min=float(np.min(x)),
        max=float(np.max(x)),
    )
