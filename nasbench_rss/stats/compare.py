"""Hypothesis tests of one run against a baseline, as thin, explicit wrappers of scipy.

Each wrapper checks its input, handles the degenerate cases scipy handles badly (or
differently across versions), and returns a :class:`TestResult` whose ``note`` says why a
result is NaN or what scipy warned about, so a report can print the reason next to it.

Which test answers which question:

- :func:`wilcoxon_paired`: the same subnets evaluated under both runs; is the median
  paired difference zero?  Paired, because subnet-to-subnet variation dwarfs the effect.
  Exact for small samples, ties included (:mod:`.signed_rank`).
- :func:`welch_t`: independent samples (e.g. training seeds); do the means differ?
  Welch's version, because nothing makes the two variances equal.
- :func:`mann_whitney`: independent samples; does one tend to be larger? (rank based)
- :func:`brown_forsythe`: do the spreads differ?  Levene's test centred on the median,
  robust to the skew of accuracy distributions; :func:`brown_forsythe_t` is the same test
  as a t statistic, which also says which spread is the larger (one-sided).

Effect sizes and the multiple-comparison correction live in :mod:`.effect` and
:mod:`.multiple`, and are re-exported here.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import scipy.stats

from nasbench_rss.stats.checks import finite_array, is_constant, paired_arrays
from nasbench_rss.stats.effect import cohens_d, probability_of_improvement
from nasbench_rss.stats.multiple import holm
from nasbench_rss.stats.signed_rank import EXACT_MAX_PAIRS, Alternative, check_alternative, exact_p_value, merge_near_ties

__all__ = [
    "TestResult",
    "wilcoxon_paired",
    "welch_t",
    "mann_whitney",
    "brown_forsythe",
    "brown_forsythe_t",
    "cohens_d",
    "probability_of_improvement",
    "holm",
]

WILCOXON = "wilcoxon_signed_rank"
WELCH_T = "welch_t"
MANN_WHITNEY = "mann_whitney_u"
BROWN_FORSYTHE = "brown_forsythe"
BROWN_FORSYTHE_T = "brown_forsythe_t"

WILCOXON_EXACT = "exact"
WILCOXON_EXACT_TIES = "exact conditional (mid-ranks)"
WILCOXON_NORMAL = "normal approximation with tie correction"
"""Values of :attr:`TestResult.method` for the Wilcoxon test: which computation gave p."""


@dataclass(frozen=True)
class TestResult:
    """Outcome of one test of ``run`` against ``baseline`` (two-sided unless asked otherwise).

    ``note`` is ``None`` for an ordinary result; otherwise it says why the result is
    degenerate (NaN, or fixed by definition) or repeats what scipy warned about.
    ``method`` says how the p-value was computed where a test has more than one way
    (the Wilcoxon test: exact or normal approximation), so a report can show it; ``None``
    for the other tests and for degenerate results.
    """

    __test__ = False  # a class attribute, not a field: tells pytest this is not a test class

    test: str
    statistic: float
    p_value: float
    n_run: int
    n_baseline: int
    note: str | None = None
    method: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain Python values for JSON; NaN stays ``float('nan')``."""
        return {
            "test": self.test,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "n_run": self.n_run,
            "n_baseline": self.n_baseline,
            "note": self.note,
            "method": self.method,
        }


def wilcoxon_paired(run: Sequence[float], baseline: Sequence[float], alternative: Alternative = "two-sided") -> TestResult:
    """Wilcoxon signed-rank test on ``run - baseline`` (pairs: same subnets, same order).

    Zero differences are dropped (``zero_method="wilcox"``) and tied magnitudes get
    mid-ranks (magnitudes equal up to float noise count as tied, see
    :func:`.signed_rank.merge_near_ties`).  Up to :data:`.signed_rank.EXACT_MAX_PAIRS`
    non-zero differences the p-value is exact, from the sign-flip distribution given the
    observed magnitudes (:mod:`.signed_rank`), ties or not: accuracies tie often and the
    normal approximation is poor at 10 pairs.  Beyond, it is scipy's normal approximation
    with tie correction.  ``method`` says which.

    ``alternative``: ``"two-sided"``, ``"greater"`` (run - baseline tends to be positive)
    or ``"less"``; the two-sided p is ``P(|T+ - S/2| >= |t - S/2|)``, which for this
    symmetric null is twice the smaller one-sided p (at most 1).  ``statistic`` is scipy's:
    the smaller of the two signed-rank sums when two-sided, T+ (the sum of the ranks of
    the positive differences) when one-sided.  Differences that are all zero give
    statistic 0 and p = 1 (no evidence of any difference; older scipy raises there); a
    single pair gives NaN.
    """
    alternative = check_alternative(alternative)
    r, b = paired_arrays(run, baseline)
    n = int(r.size)
    if n < 2:
        return TestResult(WILCOXON, math.nan, math.nan, n, n, f"{n} pair: the signed-rank test needs at least 2")
    differences = merge_near_ties(r - b)
    zeros = int(np.count_nonzero(differences == 0))
    if zeros == n:
        return TestResult(WILCOXON, 0.0, 1.0, n, n, "all differences are zero: no evidence of a difference")
    nonzero = differences[differences != 0]
    ties = np.unique(np.abs(nonzero)).size < nonzero.size
    # scipy gives the statistic (and, beyond the exact range, the p-value); its
    # normal-approximation warnings only matter when its p-value is the one reported.
    result, messages = _call_scipy(scipy.stats.wilcoxon, differences, alternative=alternative, method="approx")
    if nonzero.size <= EXACT_MAX_PAIRS:
        p_value = exact_p_value(nonzero, alternative)
        method = WILCOXON_EXACT_TIES if ties else WILCOXON_EXACT
        messages = []
    else:
        p_value = float(result.pvalue)
        method = WILCOXON_NORMAL
    if zeros:
        messages.insert(0, f"{zeros} zero difference(s) dropped (zero_method='wilcox')")
    return TestResult(WILCOXON, float(result.statistic), p_value, n, n, _join(messages), method)


def welch_t(run: Sequence[float], baseline: Sequence[float], alternative: Alternative = "two-sided") -> TestResult:
    """Welch's unequal-variance t test (``scipy.stats.ttest_ind(equal_var=False)``).

    ``alternative``: ``"two-sided"``, ``"greater"`` (the run's mean is larger) or ``"less"``.
    Each sample needs two values to estimate its variance; with fewer the result is NaN.
    Two constant samples give t = NaN (equal values) or infinite t (different values).
    """
    return _t_test(WELCH_T, "Welch's t", run, baseline, alternative, equal_var=False)


def brown_forsythe_t(run: Sequence[float], baseline: Sequence[float], alternative: Alternative = "two-sided") -> TestResult:
    """Brown-Forsythe as a t test: Student's t on the absolute deviations from each sample's median.

    With two samples its square is :func:`brown_forsythe`'s F, so two-sided it gives the same
    p; one-sided it says which spread is larger (``"less"``: the run's deviations are
    smaller, its spread is).  Each sample needs at least 3 values, as for the F test.
    """
    r = finite_array(run, "run")
    b = finite_array(baseline, "baseline")
    if r.size < 3 or b.size < 3:
        return TestResult(
            BROWN_FORSYTHE_T, math.nan, math.nan, int(r.size), int(b.size),
            f"Brown-Forsythe needs at least 3 values in each sample; got {r.size} (run) and {b.size} (baseline)",
        )
    deviations = np.abs(r - np.median(r)), np.abs(b - np.median(b))
    return _t_test(BROWN_FORSYTHE_T, "Student's t", *deviations, alternative, equal_var=True)


def _t_test(
    name: str, words: str, run: Sequence[float], baseline: Sequence[float], alternative: Alternative, equal_var: bool
) -> TestResult:
    """scipy's two-sample t test (Welch's or Student's), with its degenerate cases said."""
    alternative = check_alternative(alternative)
    r = finite_array(run, "run")
    b = finite_array(baseline, "baseline")
    if r.size < 2 or b.size < 2:
        return TestResult(
            name, math.nan, math.nan, int(r.size), int(b.size),
            f"{words} needs at least 2 values in each sample; got {r.size} (run) and {b.size} (baseline)",
        )
    result, messages = _call_scipy(scipy.stats.ttest_ind, r, b, equal_var=equal_var, alternative=alternative)
    if is_constant(r) and is_constant(b):
        messages.insert(0, "both samples are constant: zero variance, t is undefined or infinite")
    return TestResult(name, float(result.statistic), float(result.pvalue), int(r.size), int(b.size), _join(messages))


def mann_whitney(run: Sequence[float], baseline: Sequence[float]) -> TestResult:
    """Mann-Whitney U test (``scipy.stats.mannwhitneyu``), two-sided.

    ``statistic`` is U of ``run``: the number of (run, baseline) pairs with the run value
    larger, ties counting one half; ``U / (n_run * n_baseline)`` is the probability that a
    random run value beats a random baseline value.
    """
    r = finite_array(run, "run")
    b = finite_array(baseline, "baseline")
    result, messages = _call_scipy(scipy.stats.mannwhitneyu, r, b, alternative="two-sided")
    if is_constant(np.concatenate([r, b])):
        messages.insert(0, "all values are equal: no evidence of a difference")
    return TestResult(
        MANN_WHITNEY, float(result.statistic), float(result.pvalue), int(r.size), int(b.size), _join(messages)
    )


def brown_forsythe(run: Sequence[float], baseline: Sequence[float]) -> TestResult:
    """Brown-Forsythe test of equal variances (``scipy.stats.levene(center="median")``).

    Each sample needs at least 3 values (else NaN): with 2, both absolute deviations from
    the median are equal, so the within-sample spread of deviations is zero and the
    statistic infinite whatever the data.  When every value lies at its sample's median the
    statistic is 0/0 and scipy gives NaN.
    """
    r = finite_array(run, "run")
    b = finite_array(baseline, "baseline")
    if r.size < 3 or b.size < 3:
        return TestResult(
            BROWN_FORSYTHE, math.nan, math.nan, int(r.size), int(b.size),
            f"Brown-Forsythe needs at least 3 values in each sample; got {r.size} (run) and {b.size} (baseline)",
        )
    result, messages = _call_scipy(scipy.stats.levene, r, b, center="median")
    if is_constant(r) and is_constant(b):
        messages.insert(0, "both samples are constant: no spread to compare")
    return TestResult(
        BROWN_FORSYTHE, float(result.statistic), float(result.pvalue), int(r.size), int(b.size), _join(messages)
    )


def _call_scipy(function: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, list[str]]:
    """``function(*args, **kwargs)`` with its warnings caught and returned as messages.

    The warnings (precision loss on near-constant data, a normal approximation with ties)
    belong next to the result in the report, not on stderr.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function(*args, **kwargs)
    messages: list[str] = []
    for warning in caught:
        message = f"scipy: {str(warning.message).strip()}"
        if message not in messages:
            messages.append(message)
    return result, messages


def _join(messages: list[str]) -> str | None:
    return "; ".join(messages) if messages else None
