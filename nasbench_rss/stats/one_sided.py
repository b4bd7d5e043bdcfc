"""One-sided tests: a p-value for a claimed direction and one for its opposite.

A claim is decided on one side (a run is *more* accurate, its spread *smaller*), and the
data contradict it when the opposite side holds; so every test here returns both one-sided
p-values as a :class:`OneSided`: ``p_for`` (evidence for the claimed direction),
``p_against`` (for the opposite one) and the test in words.  NaN where the test cannot be
computed, with the reason in ``test``.

- :func:`seed_test`: seeds are the unit of replication: a one-sample t-test of one
  estimate per seed against a null value (the sign test when the estimates do not vary);
- :func:`intersection_union`: a claim that must hold in every unit (bucket, pair, group);
- :func:`wilcoxon_against`: paired differences against a null shift (the signed-rank test
  of :func:`nasbench_rss.stats.wilcoxon_paired`);
- :func:`welch_greater`: one sample's mean above another's (:func:`nasbench_rss.stats.welch_t`);
- :func:`spread_smaller`: one sample's spread below another's (Brown-Forsythe as a t test,
  :func:`nasbench_rss.stats.compare.brown_forsythe_t`);
- :func:`spearman_exact`: a positive or negative rank correlation, by the exact
  permutation test (few points, e.g. one per bucket).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Literal, Mapping, Sequence

import numpy as np
import scipy.stats

from nasbench_rss.stats.compare import brown_forsythe_t, welch_t, wilcoxon_paired

Direction = Literal["greater", "less"]
"""The claimed side: ``greater`` (above the null, or the first sample above the second) or ``less``."""


@dataclass(frozen=True)
class OneSided:
    """A pair of one-sided p-values: for the claimed direction and for the opposite one."""

    p_for: float
    p_against: float
    test: str

    def to_dict(self) -> dict[str, float | str]:
        return {"p_for": self.p_for, "p_against": self.p_against, "test": self.test}


def oriented(p_greater: float, p_less: float, direction: Direction, test: str) -> OneSided:
    """The two one-sided p-values of a test, put as for and against ``direction``."""
    if direction == "greater":
        return OneSided(p_greater, p_less, test)
    return OneSided(p_less, p_greater, test)


def seed_test(estimates: Mapping[int, float], null: float, direction: Direction) -> OneSided:
    """One-sided one-sample t-test of the seeds' estimates against ``null``.

    ``direction`` is the claimed side (``greater``: the estimates exceed ``null``).  When
    the estimates do not vary the t statistic is undefined; then the sign test is used
    (each seed on the claimed side halves p: three agreeing seeds give 0.125), since
    agreement without spread is not evidence beyond the seeds' count.
    """
    values = np.asarray([estimates[s] for s in sorted(estimates)], dtype=float) - null
    n = values.size
    if n < 2:
        return OneSided(math.nan, math.nan, f"{n} seed: a seed-level test needs at least 2")
    if np.all(values == values[0]) or np.ptp(values) <= 1e-12 * max(1.0, float(np.max(np.abs(values)))):
        above, below = int(np.sum(values > 0)), int(np.sum(values < 0))
        p_greater = 0.5**n if above == n else 1.0
        p_less = 0.5**n if below == n else 1.0
        return oriented(p_greater, p_less, direction, f"sign test (the {n} seeds' estimates do not vary)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p_greater = float(scipy.stats.ttest_1samp(values, 0.0, alternative="greater").pvalue)
        p_less = float(scipy.stats.ttest_1samp(values, 0.0, alternative="less").pvalue)
    return oriented(p_greater, p_less, direction, f"one-sided t-test on {n} seed estimates (df {n - 1})")


def intersection_union(units: Sequence[OneSided]) -> tuple[float, float]:
    """(p_for, p_against) of a claim that must hold in every unit (bucket, adjacent pair, group).

    ``p_for`` is the largest unit p (intersection-union test); ``p_against`` the smallest
    unit p_against times the number of units (Bonferroni), capped at 1.  NaN when any unit
    is untestable for ``p_for``.
    """
    if not units:
        return math.nan, math.nan
    p_for = [u.p_for for u in units]
    p_against = [u.p_against for u in units if not math.isnan(u.p_against)]
    combined_for = math.nan if any(math.isnan(p) for p in p_for) else max(p_for)
    combined_against = min(1.0, min(p_against) * len(units)) if p_against else math.nan
    return combined_for, combined_against


def wilcoxon_against(values: np.ndarray, null: float, direction: Direction) -> OneSided:
    """One-sided paired Wilcoxon signed-rank test of ``values`` (paired differences) against a shift ``null``."""
    shifted = np.asarray(values, dtype=float) - null
    if shifted.size < 2:
        return OneSided(math.nan, math.nan, f"{shifted.size} pair: too few for the signed-rank test")
    zeros = np.zeros_like(shifted)
    greater = wilcoxon_paired(shifted, zeros, alternative="greater")
    less = wilcoxon_paired(shifted, zeros, alternative="less")
    return oriented(greater.p_value, less.p_value, direction, f"one-sided paired Wilcoxon ({greater.method or 'signed-rank'})")


def welch_greater(a: np.ndarray, b: np.ndarray) -> OneSided:
    """One-sided Welch t-test that ``a``'s mean exceeds ``b``'s (two buckets' subnets)."""
    if len(a) < 2 or len(b) < 2:
        return OneSided(math.nan, math.nan, "Welch's t needs at least 2 values in each bucket")
    greater, less = welch_t(a, b, "greater").p_value, welch_t(a, b, "less").p_value
    return OneSided(greater, less, "one-sided Welch t-test between the buckets' subnets")


def spread_smaller(run: np.ndarray, than: np.ndarray) -> OneSided:
    """One-sided Brown-Forsythe: are ``run``'s absolute deviations from its median smaller than ``than``'s?"""
    if len(run) < 3 or len(than) < 3:
        return OneSided(math.nan, math.nan, "Brown-Forsythe needs at least 3 values in each sample")
    less, greater = brown_forsythe_t(run, than, "less").p_value, brown_forsythe_t(run, than, "greater").p_value
    return OneSided(less, greater, "one-sided Brown-Forsythe (t on absolute deviations from the median)")


def spearman_exact(x: np.ndarray, y: np.ndarray) -> OneSided:
    """Exact permutation test of Spearman's correlation (``greater``: positive), over all n! pairings.

    For few points only (one per bucket): the permutations are enumerated.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return OneSided(math.nan, math.nan, "the permutation test needs 3 buckets and varying values")

    def rho(a: np.ndarray) -> float:
        return float(scipy.stats.spearmanr(a, y).statistic)

    greater = scipy.stats.permutation_test((x,), rho, permutation_type="pairings", alternative="greater", n_resamples=math.inf)
    less = scipy.stats.permutation_test((x,), rho, permutation_type="pairings", alternative="less", n_resamples=math.inf)
    return OneSided(float(greater.pvalue), float(less.pvalue), f"exact permutation test of Spearman's rho ({x.size} buckets, seed means)")
