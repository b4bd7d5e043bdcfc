"""One-sided tests: each p-value against scipy computed directly, or by hand where it is exact."""

import math

import numpy as np
import pytest
import scipy.stats

from nasbench_rss.stats import StatsError, brown_forsythe, brown_forsythe_t, welch_t
from nasbench_rss.stats.one_sided import (
    OneSided,
    intersection_union,
    seed_test,
    spearman_exact,
    spread_smaller,
    welch_greater,
    wilcoxon_against,
)


@pytest.fixture
def two_samples():
    rng = np.random.default_rng(7)
    return rng.normal(0.72, 0.01, size=12), rng.normal(0.70, 0.03, size=15)


def test_seed_test_is_scipys_one_sample_t_test_against_the_null():
    estimates = {0: 0.031, 1: 0.024, 2: 0.040, 3: 0.012}
    values = np.array([0.031, 0.024, 0.040, 0.012])
    greater = scipy.stats.ttest_1samp(values - 0.01, 0.0, alternative="greater").pvalue
    less = scipy.stats.ttest_1samp(values - 0.01, 0.0, alternative="less").pvalue
    test = seed_test(estimates, 0.01, "greater")
    assert test.p_for == pytest.approx(greater, rel=1e-12) and test.p_against == pytest.approx(less, rel=1e-12)
    assert test.test == "one-sided t-test on 4 seed estimates (df 3)"
    flipped = seed_test(estimates, 0.01, "less")
    assert (flipped.p_for, flipped.p_against) == (test.p_against, test.p_for)
    assert test.p_for < 0.05 < test.p_against


def test_seed_test_without_spread_is_the_sign_test():
    test = seed_test({0: 0.02, 1: 0.02, 2: 0.02}, 0.0, "greater")
    assert (test.p_for, test.p_against) == (0.125, 1.0)
    assert test.test == "sign test (the 3 seeds' estimates do not vary)"
    assert seed_test({0: 0.02, 1: 0.02, 2: 0.02}, 0.0, "less").p_for == 1.0


def test_seed_test_needs_two_seeds():
    test = seed_test({0: 0.5}, 0.0, "greater")
    assert math.isnan(test.p_for) and math.isnan(test.p_against)
    assert test.test == "1 seed: a seed-level test needs at least 2"


def test_intersection_union_takes_the_largest_p_for_and_bonferroni_against():
    units = [OneSided(0.01, 0.4, ""), OneSided(0.03, 0.2, ""), OneSided(0.002, 0.5, "")]
    assert intersection_union(units) == (0.03, pytest.approx(0.6))
    assert intersection_union([OneSided(0.01, 0.4, ""), OneSided(0.02, 0.9, "")]) == (0.02, 0.8)
    assert intersection_union([OneSided(0.01, 0.6, ""), OneSided(0.02, 0.9, "")])[1] == 1.0  # capped
    untestable = intersection_union([OneSided(0.01, 0.4, ""), OneSided(math.nan, math.nan, "")])
    assert math.isnan(untestable[0]) and untestable[1] == 0.8
    assert all(math.isnan(p) for p in intersection_union([]))


def test_welch_greater_is_scipys_welch_t_test(two_samples):
    a, b = two_samples
    test = welch_greater(a, b)
    assert test.p_for == scipy.stats.ttest_ind(a, b, equal_var=False, alternative="greater").pvalue
    assert test.p_against == scipy.stats.ttest_ind(a, b, equal_var=False, alternative="less").pvalue
    assert test.p_for < 0.05
    assert math.isnan(welch_greater(a[:1], b).p_for)


def test_welch_t_one_sided_halves_the_two_sided_p(two_samples):
    a, b = two_samples
    two_sided = welch_t(a, b).p_value
    assert welch_t(a, b, "greater").p_value == pytest.approx(two_sided / 2, rel=1e-9)
    assert welch_t(a, b, "less").p_value == pytest.approx(1 - two_sided / 2, rel=1e-9)
    with pytest.raises(StatsError, match="alternative"):
        welch_t(a, b, "sideways")


def test_brown_forsythe_t_is_the_square_root_of_the_f_test(two_samples):
    a, b = two_samples
    t = brown_forsythe_t(a, b)
    f = brown_forsythe(a, b)
    assert t.statistic**2 == pytest.approx(f.statistic, rel=1e-9)
    assert t.p_value == pytest.approx(f.p_value, rel=1e-9)
    assert t.p_value == pytest.approx(scipy.stats.levene(a, b, center="median").pvalue, rel=1e-9)
    assert math.isnan(brown_forsythe_t(a[:2], b).p_value)


def test_spread_smaller_is_students_t_on_deviations_from_the_median(two_samples):
    narrow, wide = two_samples
    deviations = np.abs(narrow - np.median(narrow)), np.abs(wide - np.median(wide))
    test = spread_smaller(narrow, wide)
    assert test.p_for == scipy.stats.ttest_ind(*deviations, equal_var=True, alternative="less").pvalue
    assert test.p_against == scipy.stats.ttest_ind(*deviations, equal_var=True, alternative="greater").pvalue
    assert test.p_for < 0.05 and test.p_against > 0.95
    assert spread_smaller(wide, narrow).p_for == test.p_against
    assert math.isnan(spread_smaller(narrow[:2], wide).p_for)


def test_wilcoxon_against_is_exact_for_small_samples():
    # five differences all above the null 0.01: of the 2**5 sign patterns only "all +" is as extreme
    values = np.array([0.02, 0.03, 0.015, 0.05, 0.04])
    test = wilcoxon_against(values, 0.01, "greater")
    assert test.p_for == pytest.approx(1 / 32) and test.p_against == pytest.approx(1.0)
    assert test.test == "one-sided paired Wilcoxon (exact)"
    assert wilcoxon_against(values, 0.01, "less").p_for == pytest.approx(1.0)
    assert wilcoxon_against(values, 0.06, "less").p_for == pytest.approx(1 / 32)  # all below a null above them
    assert math.isnan(wilcoxon_against(values[:1], 0.0, "greater").p_for)


def test_spearman_exact_counts_every_pairing():
    # four points in the same order: 1 of the 4! = 24 pairings reaches rho = 1
    test = spearman_exact(np.array([0.1, 0.2, 0.4, 0.8]), np.array([0.60, 0.61, 0.65, 0.70]))
    assert test.p_for == pytest.approx(1 / 24) and test.p_against == pytest.approx(1.0)
    reversed_ = spearman_exact(np.array([0.1, 0.2, 0.4, 0.8]), np.array([0.70, 0.65, 0.61, 0.60]))
    assert reversed_.p_against == pytest.approx(1 / 24)
    assert math.isnan(spearman_exact(np.array([0.1, 0.1, 0.1]), np.array([0.5, 0.6, 0.7])).p_for)
