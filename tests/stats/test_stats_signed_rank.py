"""The exact signed-rank distribution against scipy, a brute force and the committed quick report."""

import itertools

import numpy as np
import pytest
import scipy.stats

from nasbench_rss.stats import StatsError, wilcoxon_paired
from nasbench_rss.stats.signed_rank import EXACT_MAX_PAIRS, doubled_ranks, exact_p_value, merge_near_ties, null_counts



def brute_force(differences, alternative="two-sided"):
    """p over all 2**n sign flips of the magnitudes, mid-ranks from scipy (floats, tolerance)."""
    d = np.asarray(differences, dtype=float)
    ranks = scipy.stats.rankdata(np.abs(d))
    observed, centre = ranks[d > 0].sum(), ranks.sum() / 2
    signs = np.array(list(itertools.product([0, 1], repeat=d.size)))
    sums = signs @ ranks
    tol = 1e-9
    if alternative == "greater":
        hits = sums >= observed - tol
    elif alternative == "less":
        hits = sums <= observed + tol
    else:
        hits = np.abs(sums - centre) >= abs(observed - centre) - tol
    return hits.mean()


def tied_sample(rng, n):
    """n non-zero differences on a coarse grid (multiples of 1/1000 as accuracies are), with ties."""
    values = rng.integers(1, max(2, n // 2) + 1, size=n) / 1000
    return values * rng.choice([-1, 1], size=n)


@pytest.mark.parametrize("seed", range(12))
def test_exact_p_is_scipys_exact_p_without_ties(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 21))
    d = rng.normal(0.003, 0.01, size=n)
    for alternative in ("two-sided", "greater", "less"):
        expected = scipy.stats.wilcoxon(d, alternative=alternative, method="exact").pvalue
        assert exact_p_value(d, alternative) == pytest.approx(expected, rel=1e-12)
        result = wilcoxon_paired(d, np.zeros(n), alternative=alternative)
        assert result.method == "exact" and result.p_value == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("seed", range(12))
def test_exact_p_with_ties_is_the_brute_force_over_all_sign_flips(seed):
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(2, 15))
    d = tied_sample(rng, n)
    for alternative in ("two-sided", "greater", "less"):
        assert exact_p_value(d, alternative) == pytest.approx(brute_force(d, alternative), rel=1e-12)
    result = wilcoxon_paired(d, np.zeros(n))
    assert result.p_value == pytest.approx(brute_force(d), rel=1e-12)
    tied = np.unique(np.abs(d)).size < n
    assert result.method == ("exact conditional (mid-ranks)" if tied else "exact")


@pytest.mark.parametrize("seed", range(4))
def test_exact_p_with_ties_is_scipys_complete_permutation_test(seed):
    # PermutationMethod with n_resamples >= 2**n enumerates every sign flip: exact
    rng = np.random.default_rng(200 + seed)
    n = int(rng.integers(5, 11))
    d = tied_sample(rng, n)
    for alternative in ("two-sided", "greater", "less"):
        expected = scipy.stats.wilcoxon(
            d, alternative=alternative, method=scipy.stats.PermutationMethod(n_resamples=2**n)
        ).pvalue
        assert exact_p_value(d, alternative) == pytest.approx(expected, rel=1e-9)


def test_one_sided_p_values_add_up_and_two_sided_is_twice_the_smaller():
    # p_greater + p_less counts the observed sum twice: P(T+ >= t) + P(T+ <= t) - P(T+ = t) = 1.
    # The null is symmetric, so P(|T+ - S/2| >= |t - S/2|) = min(1, 2 * min(one-sided)).
    rng = np.random.default_rng(7)
    for n in (3, 8, 13, 30):
        d = tied_sample(rng, n)
        ranks = doubled_ranks(np.abs(d))
        counts = null_counts(ranks)
        at_observed = counts[int(ranks[d > 0].sum())] / 2**n
        greater, less = exact_p_value(d, "greater"), exact_p_value(d, "less")
        assert greater + less - at_observed == pytest.approx(1.0, abs=1e-12)
        assert exact_p_value(d, "two-sided") == pytest.approx(min(1.0, 2 * min(greater, less)), abs=1e-12)
        assert np.array_equal(counts, counts[::-1])  # flipping every sign: T+ -> S - T+


def test_counts_are_exact_integers_at_the_threshold():
    ranks = doubled_ranks(np.arange(1, EXACT_MAX_PAIRS + 1, dtype=float))
    counts = null_counts(ranks)
    assert counts.dtype == np.int64 and int(counts.sum()) == 2**EXACT_MAX_PAIRS
    # the same counts in Python ints (no overflow possible): subsets of 1..50 by their sum
    exact = [1] + [0] * (EXACT_MAX_PAIRS * (EXACT_MAX_PAIRS + 1) // 2)
    for r in range(1, EXACT_MAX_PAIRS + 1):
        exact = [c + (exact[s - r] if s >= r else 0) for s, c in enumerate(exact)]
    assert counts[::2].tolist() == exact and not counts[1::2].any()  # untied doubled ranks are even


def test_doubled_ranks_are_twice_the_mid_ranks():
    magnitudes = np.array([0.3, 0.1, 0.3, 0.2, 0.3, 0.1])
    assert doubled_ranks(magnitudes).tolist() == (2 * scipy.stats.rankdata(magnitudes)).astype(int).tolist()


def test_float_noise_does_not_break_ties():
    assert 0.512 - 0.466 != 0.600 - 0.554  # equal on paper, not in float
    merged = merge_near_ties(np.array([0.512 - 0.466, -(0.600 - 0.554), 0.0, 0.3]))
    assert merged[0] == -merged[1] and merged[2] == 0.0 and merged[3] == 0.3
    untied = np.array([0.01, -0.02, 0.03])
    assert np.array_equal(merge_near_ties(untied), untied)


def test_above_the_threshold_the_normal_approximation_is_scipys_and_says_so():
    rng = np.random.default_rng(3)
    n = EXACT_MAX_PAIRS + 1
    d = rng.integers(1, 20, size=n) / 1000 * rng.choice([-1, 1], size=n)
    result = wilcoxon_paired(d, np.zeros(n))
    expected = scipy.stats.wilcoxon(d, method="approx")
    assert result.method == "normal approximation with tie correction"
    assert (result.statistic, result.p_value) == (expected.statistic, expected.pvalue)
    # at the threshold it is still exact
    assert wilcoxon_paired(d[:EXACT_MAX_PAIRS], np.zeros(EXACT_MAX_PAIRS)).method == "exact conditional (mid-ranks)"
    # zeros do not count towards the threshold
    with_zeros = wilcoxon_paired(np.concatenate([d[:EXACT_MAX_PAIRS], [0.0, 0.0]]), np.zeros(EXACT_MAX_PAIRS + 2))
    assert with_zeros.method == "exact conditional (mid-ranks)" and "2 zero difference(s) dropped" in with_zeros.note


def test_the_alternative_is_checked_and_one_sided_statistic_is_t_plus():
    with pytest.raises(StatsError, match="'two-sided', 'greater', 'less'.*got 'two_sided'"):
        wilcoxon_paired([1.0, 2.0], [0.0, 0.0], alternative="two_sided")
    up = wilcoxon_paired([1.0, 2.0, 3.0, 4.0, 5.0], [0.0] * 5, alternative="greater")
    down = wilcoxon_paired([1.0, 2.0, 3.0, 4.0, 5.0], [0.0] * 5, alternative="less")
    assert (up.p_value, down.p_value) == (1 / 32, 1.0)
    assert up.statistic == down.statistic == 15.0  # scipy's one-sided statistic: T+


# Accuracies of reports/quick as committed at d662201 (2026-12-01; remade since, with other
# cells), paired by subnet as its report paired them: real populations whose differences tie.
QUICK_OFA_8 = [0.537, 0.473, 0.472, 0.473, 0.493, 0.491, 0.562, 0.456, 0.492, 0.491]
QUICK_8 = {
    "rss": [0.558, 0.571, 0.65, 0.536, 0.594, 0.574, 0.59, 0.521, 0.615, 0.589],
    "rss-short": [0.358, 0.4, 0.368, 0.355, 0.422, 0.391, 0.44, 0.378, 0.388, 0.412],
}
QUICK_OFA_4 = [0.432, 0.405, 0.363, 0.425, 0.491, 0.434, 0.336, 0.383, 0.372, 0.404]
QUICK_RSS_4 = [0.602, 0.593, 0.557, 0.587, 0.571, 0.579, 0.615, 0.587, 0.581, 0.546]


@pytest.mark.parametrize(("run", "side"), [("rss", "greater"), ("rss-short", "less")])
def test_quick_report_tied_buckets_are_exact(run, side):
    # Bucket 8 of that quick report: rss beats ofa, and rss-short loses to it, on all 10
    # subnets, with one tied pair of differences: the only sign patterns as extreme are all
    # - and all +, p = 2 / 2**10, where the normal approximation says 0.0050.
    ours, baseline = QUICK_8[run], QUICK_OFA_8
    result = wilcoxon_paired(ours, baseline)
    assert round(result.p_value, 4) == 0.0020 and result.p_value == 2 / 2**10
    assert result.method == "exact conditional (mid-ranks)"
    approx = scipy.stats.wilcoxon(np.subtract(ours, baseline), method="approx").pvalue
    assert round(approx, 4) == 0.0050
    assert wilcoxon_paired(ours, baseline, alternative=side).p_value == 1 / 2**10


def test_quick_report_bucket_4_rss_was_already_exact():
    # bucket 4, rss vs ofa: no tied differences, so scipy was already exact (0.0020)
    result = wilcoxon_paired(QUICK_RSS_4, QUICK_OFA_4)
    assert result.p_value == 2 / 2**10 and result.method == "exact"
