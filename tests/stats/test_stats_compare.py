import json
import math
from math import comb

import numpy as np
import pytest
import scipy.stats

from nasbench_rss.stats import StatsError, TestResult, brown_forsythe, mann_whitney, welch_t, wilcoxon_paired


@pytest.fixture
def samples():
    rng = np.random.default_rng(21)
    baseline = rng.normal(0.70, 0.02, size=24)
    run = baseline + rng.normal(0.005, 0.01, size=24)
    return run, baseline


# --- Wilcoxon ---------------------------------------------------------------------------


def test_wilcoxon_exact_p_by_hand_all_differences_positive():
    # n = 5 nonzero differences, all positive: under H0 each of the 2**5 sign patterns is
    # equally likely, and only "all +" or "all -" are as extreme: p = 2 / 32.
    result = wilcoxon_paired([1.5, 2.0, 3.1, 4.2, 5.0], [1.0, 1.0, 1.0, 1.0, 1.0])
    assert result.p_value == pytest.approx(2 / 32)
    assert result.statistic == 0.0  # the smaller signed-rank sum (all ranks are positive)
    assert (result.test, result.n_run, result.n_baseline, result.note) == ("wilcoxon_signed_rank", 5, 5, None)
    assert result.method == "exact"


def test_wilcoxon_is_scipy_on_the_differences(samples):
    run, baseline = samples
    result = wilcoxon_paired(run, baseline)
    direct = scipy.stats.wilcoxon(run - baseline, alternative="two-sided")
    assert (result.statistic, result.p_value) == (direct.statistic, direct.pvalue)
    assert result.n_run == result.n_baseline == 24


def test_wilcoxon_notes_dropped_zero_differences():
    result = wilcoxon_paired([2, 3, 4, 5, 6], [2, 2, 2, 2, 2])
    assert "1 zero difference(s) dropped" in result.note
    assert result.p_value == pytest.approx(2 / 16)  # four nonzero differences, all positive


def test_wilcoxon_with_tied_differences_is_exact_given_the_ties():
    # differences 0.1, 0.1, 0.1, 0.2, 0.2, -0.1 (equal on paper, not in float: merged as ties);
    # doubled mid-ranks 5, 5, 5, 11, 11, 5 (sum 42); T+ doubled = 37, |37 - 21| = 16: of the
    # 64 sign patterns, only "all +" (42) and "all -" (0), and those with only one of the
    # four 5s negative (37) or positive (5), are as extreme: p = (2 + 4 + 4) / 64
    run, baseline = [0.5, 0.6, 0.7, 0.8, 0.9, 0.3], [0.4, 0.5, 0.6, 0.6, 0.7, 0.4]
    result = wilcoxon_paired(run, baseline)
    assert result.p_value == pytest.approx(10 / 64)
    assert result.method == "exact conditional (mid-ranks)" and result.note is None
    expected = scipy.stats.wilcoxon([0.1, 0.1, 0.1, 0.2, 0.2, -0.1], method="approx")
    assert result.statistic == expected.statistic == 2.5  # scipy's: the smaller signed-rank sum


def test_wilcoxon_all_zero_differences_is_no_evidence():
    result = wilcoxon_paired([0.5, 0.6, 0.7], [0.5, 0.6, 0.7])
    assert (result.statistic, result.p_value) == (0.0, 1.0)
    assert "all differences are zero" in result.note


def test_wilcoxon_one_pair_is_nan_with_a_note():
    result = wilcoxon_paired([1.0], [0.0])
    assert math.isnan(result.statistic) and math.isnan(result.p_value)
    assert "at least 2" in result.note


def test_wilcoxon_needs_equal_lengths():
    with pytest.raises(StatsError, match="run with 3 values and baseline with 2"):
        wilcoxon_paired([1, 2, 3], [1, 2])


# --- Welch ------------------------------------------------------------------------------


def test_welch_t_statistic_and_p_from_the_formula():
    run, baseline = [1.0, 2.0, 3.0], [2.0, 4.0, 7.0]
    a, b = 1.0 / 3, (19.0 / 3) / 3  # variance / n of each sample
    t = (2.0 - 13.0 / 3) / math.sqrt(a + b)  # = -7 / sqrt(22)
    df = (a + b) ** 2 / (a**2 / 2 + b**2 / 2)  # Welch-Satterthwaite
    result = welch_t(run, baseline)
    assert result.statistic == pytest.approx(-7 / math.sqrt(22))
    assert result.statistic == pytest.approx(t)
    assert result.p_value == pytest.approx(2 * scipy.stats.t.sf(abs(t), df))
    assert result.test == "welch_t" and result.note is None


def test_welch_t_is_scipy_ttest_ind_unequal_var(samples):
    run, baseline = samples
    result = welch_t(run[:10], baseline)
    direct = scipy.stats.ttest_ind(run[:10], baseline, equal_var=False)
    assert (result.statistic, result.p_value) == (direct.statistic, direct.pvalue)
    assert (result.n_run, result.n_baseline) == (10, 24)


def test_welch_t_needs_two_values_per_sample():
    result = welch_t([1.0], [1.0, 2.0, 3.0])
    assert math.isnan(result.p_value) and "got 1 (run) and 3 (baseline)" in result.note


def test_welch_t_on_constant_samples_says_so():
    result = welch_t([1.0, 1.0, 1.0], [1.0, 1.0, 1.0])
    assert math.isnan(result.statistic)
    assert "both samples are constant" in result.note


# --- Mann-Whitney -----------------------------------------------------------------------


def test_mann_whitney_u_counted_by_hand():
    # run beats baseline in: 3>1; 5>1,4; 7>1,4,6  -> U = 6 of 12 pairs, the centre: p = 1
    result = mann_whitney([3, 5, 7], [1, 4, 6, 8])
    assert result.statistic == 6.0 and result.p_value == pytest.approx(1.0)
    # complete separation: U = 12, exact two-sided p = 2 / C(7, 3)
    result = mann_whitney([5, 6, 7], [1, 2, 3, 4])
    assert result.statistic == 12.0
    assert result.p_value == pytest.approx(2 / comb(7, 3))
    assert (result.test, result.n_run, result.n_baseline) == ("mann_whitney_u", 3, 4)


def test_mann_whitney_counts_ties_as_one_half():
    assert mann_whitney([2, 3], [2, 1]).statistic == 3.5  # 2>1, 3>2, 3>1, and the tie 2=2


def test_mann_whitney_is_scipy(samples):
    run, baseline = samples
    result = mann_whitney(run, baseline[:9])
    direct = scipy.stats.mannwhitneyu(run, baseline[:9], alternative="two-sided")
    assert (result.statistic, result.p_value) == (direct.statistic, direct.pvalue)


# --- Brown-Forsythe ---------------------------------------------------------------------


def test_brown_forsythe_is_anova_on_absolute_deviations_from_the_median():
    run, baseline = [1.0, 2.0, 3.0, 10.0, 4.0], [2.0, 4.0, 4.5, 5.0]
    z_run = np.abs(np.array(run) - np.median(run))
    z_base = np.abs(np.array(baseline) - np.median(baseline))
    grand = np.concatenate([z_run, z_base]).mean()
    between = len(z_run) * (z_run.mean() - grand) ** 2 + len(z_base) * (z_base.mean() - grand) ** 2
    within = np.sum((z_run - z_run.mean()) ** 2) + np.sum((z_base - z_base.mean()) ** 2)
    f = (len(run) + len(baseline) - 2) / (2 - 1) * between / within
    result = brown_forsythe(run, baseline)
    assert result.statistic == pytest.approx(f)
    assert result.p_value == pytest.approx(scipy.stats.f.sf(f, 1, len(run) + len(baseline) - 2))
    assert result.test == "brown_forsythe"


def test_brown_forsythe_is_scipy_levene_median(samples):
    run, baseline = samples
    wide = baseline * 3 - 1.4
    result = brown_forsythe(run, wide)
    direct = scipy.stats.levene(run, wide, center="median")
    assert (result.statistic, result.p_value) == (direct.statistic, direct.pvalue)
    assert result.p_value < 0.05  # three times the spread is detected at n = 24


def test_brown_forsythe_degenerate_cases_are_explained():
    assert "at least 3" in brown_forsythe([1.0], [1.0, 2.0]).note
    # two values: both deviations from the median are equal, so scipy would give W = inf, p = 0
    two = brown_forsythe([0.1, 0.9], [0.4, 0.5, 0.6])
    assert math.isnan(two.p_value) and "at least 3" in two.note
    constant = brown_forsythe([1.0, 1.0, 1.0], [2.0, 2.0, 2.0])
    assert math.isnan(constant.p_value) and "both samples are constant" in constant.note


# --- common -----------------------------------------------------------------------------


@pytest.mark.parametrize("test", [wilcoxon_paired, welch_t, mann_whitney, brown_forsythe])
def test_empty_or_non_finite_input_is_refused(test):
    with pytest.raises(StatsError, match="run must have at least 1"):
        test([], [1.0, 2.0])
    with pytest.raises(StatsError, match="baseline must hold finite numbers only"):
        test([1.0, 2.0], [1.0, float("nan")])


def test_result_to_dict_is_json_ready():
    result = wilcoxon_paired([1.0], [0.0])
    d = result.to_dict()
    assert list(d) == ["test", "statistic", "p_value", "n_run", "n_baseline", "note", "method"]
    assert math.isnan(d["p_value"])
    assert json.loads(json.dumps(welch_t([1, 2, 3], [2, 4, 7]).to_dict()))["note"] is None
    assert isinstance(result, TestResult)
