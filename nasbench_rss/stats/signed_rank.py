"""The exact null distribution of the Wilcoxon signed-rank statistic, ties included.

Why this exists: scipy's exact Wilcoxon p-value assumes untied differences; with ties it
either falls back to the normal approximation or runs a permutation test that is slow for
small samples.  Accuracies on a finite test set are multiples of 1 / test images, so
paired differences tie often, and with 10 subnets per bucket the normal approximation is
noticeably off (p = 0.0050 where every one of 10 differences has the same sign and the
exact p is 2 / 2**10 = 0.0020).

Under H0 each non-zero difference is equally likely positive or negative, independently,
given the observed magnitudes.  So the null distribution of T+ (the sum of the ranks of
the positive differences, mid-ranks for tied magnitudes) is the distribution of the sum of
a random subset of the ranks, over all 2**n sign patterns: the conditional (permutation)
distribution, exact with or without ties.  It is counted by dynamic programming over the
ranks; doubling the mid-ranks makes every rank, and so every attainable sum, an integer,
and the counts are exact integers (int64), so tail probabilities compare sums exactly.

The distribution is symmetric: flipping every sign maps T+ to S - T+ (S the sum of all
ranks).  The two-sided p-value is therefore defined as
``P(|T+ - S/2| >= |t - S/2|)``, which equals ``min(1, 2 * min(P(T+ >= t), P(T+ <= t)))``
for a symmetric distribution, and matches scipy's exact p-value when nothing ties.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from nasbench_rss.stats.checks import StatsError

__all__ = [
    "ALTERNATIVES",
    "EXACT_MAX_PAIRS",
    "TIE_RTOL",
    "Alternative",
    "check_alternative",
    "doubled_ranks",
    "exact_p_value",
    "merge_near_ties",
    "null_counts",
]

Alternative = Literal["two-sided", "greater", "less"]
ALTERNATIVES: tuple[str, ...] = ("two-sided", "greater", "less")

EXACT_MAX_PAIRS = 50
"""The most non-zero differences for which the exact distribution is computed.

Cost: n steps over an array of n (n + 1) + 1 doubled sums, about 1.3e5 additions at
n = 50, well under a millisecond.  The counts reach 2**n, exact in int64 up to n = 62;
50 leaves a margin, and beyond it the normal approximation is accurate anyway.
"""

TIE_RTOL = 1e-9
"""Magnitudes this close (relative to the larger) are one tie.

Accuracies are counts over a test set, so two differences that are equal on paper can
differ in their last bits after float subtraction (0.512 - 0.466 is not 0.600 - 0.554);
left as they are, those ties would be broken by rounding noise.  Real gaps between
accuracies (1 / test images, at least 1e-7 for ten million images) are far above this.
"""


def merge_near_ties(differences: np.ndarray) -> np.ndarray:
    """``differences`` with magnitudes equal up to :data:`TIE_RTOL` set equal (signs kept).

    Runs of sorted non-zero magnitudes whose neighbours are within the tolerance take the
    run's smallest magnitude; zeros stay exactly zero.  Returns the input values unchanged
    (a copy) when no two magnitudes are that close, so untied data goes to scipy as given.
    """
    out = np.array(differences, dtype=float)
    magnitude = np.abs(out)
    order = np.argsort(magnitude, kind="stable")
    order = order[magnitude[order] > 0]
    start = 0
    for position in range(1, order.size + 1):
        if position < order.size:
            low, high = magnitude[order[position - 1]], magnitude[order[position]]
            if high - low <= TIE_RTOL * high:
                continue
        run = order[start:position]
        if run.size > 1:
            out[run] = np.sign(out[run]) * magnitude[run[0]]
        start = position
    return out


def doubled_ranks(magnitudes: np.ndarray) -> np.ndarray:
    """Twice the mid-ranks of ``magnitudes`` (ties exact: merge near ties first), as int64.

    A tie group at sorted positions i+1 .. i+k has mid-rank i + (k + 1) / 2; doubled,
    2 i + k + 1, an integer.
    """
    magnitudes = np.asarray(magnitudes, dtype=float)
    order = np.argsort(magnitudes, kind="stable")
    ranks = np.empty(magnitudes.size, dtype=np.int64)
    boundaries = np.flatnonzero(np.diff(magnitudes[order]) != 0) + 1
    for group in np.split(np.arange(magnitudes.size), boundaries):
        if group.size:
            ranks[order[group]] = 2 * int(group[0]) + group.size + 1
    return ranks


def null_counts(ranks: np.ndarray) -> np.ndarray:
    """``counts[s]``: how many of the 2**n sign patterns give doubled T+ = ``s``.

    One step per rank r: a pattern either leaves r out (sum unchanged) or includes it
    (sum + r), so counts_new = counts + counts shifted by r.
    """
    ranks = np.asarray(ranks, dtype=np.int64)
    if ranks.size > EXACT_MAX_PAIRS:
        raise StatsError(f"the exact distribution is computed for at most {EXACT_MAX_PAIRS} ranks; got {ranks.size}")
    counts = np.zeros(int(ranks.sum()) + 1, dtype=np.int64)
    counts[0] = 1
    for r in ranks.tolist():
        if r:
            counts[r:] = counts[r:] + counts[:-r]  # the right side is a new array: no aliasing
    return counts


def exact_p_value(differences: np.ndarray, alternative: Alternative = "two-sided") -> float:
    """Exact p-value of the signed-rank test on non-zero ``differences`` (ties: mid-ranks).

    ``greater``: ``P(T+ >= t)`` (the differences tend to be positive); ``less``:
    ``P(T+ <= t)``; ``two-sided``: ``P(|T+ - S/2| >= |t - S/2|)``, see the module docstring.
    All sums are doubled ranks, integers, so the comparisons are exact.
    """
    check_alternative(alternative)
    d = np.asarray(differences, dtype=float)
    if d.size == 0 or np.any(d == 0):
        raise StatsError(f"exact_p_value needs at least one difference and no zeros (drop them first); got {d.size} values")
    ranks = doubled_ranks(np.abs(d))
    counts = null_counts(ranks)
    observed = int(ranks[d > 0].sum())
    total = 1 << d.size  # 2**n sign patterns, a Python int: exact
    sums = np.arange(counts.size)
    if alternative == "greater":
        hits = counts[sums >= observed]
    elif alternative == "less":
        hits = counts[sums <= observed]
    else:
        centre2 = int(ranks.sum())  # 2 * (S / 2) in doubled units, compared as 2 * |s - S/2|
        hits = counts[np.abs(2 * sums - centre2) >= abs(2 * observed - centre2)]
    return min(1.0, int(hits.sum()) / total)


def check_alternative(alternative: object) -> Alternative:
    """``alternative`` if it is one of :data:`ALTERNATIVES`, else a :class:`StatsError` that lists them."""
    if not isinstance(alternative, str) or alternative not in ALTERNATIVES:
        raise StatsError(
            f"alternative must be one of {', '.join(repr(a) for a in ALTERNATIVES)} "
            f"('greater': run - baseline tends to be positive); got {alternative!r}"
        )
    return alternative  # type: ignore[return-value]
