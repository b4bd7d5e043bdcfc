"""Ranking measures against scipy and against values computed by hand, ties included."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from nasbench_rss.stats.checks import StatsError
from nasbench_rss.stats.ranking import (
    kendall_tau,
    kendall_tau_axis,
    pearson_r,
    pearson_r_axis,
    precision_at_k,
    spearman_rho,
    spearman_rho_axis,
    top_k,
    top_pick_rank,
)


def test_kendall_tau_by_hand_without_ties():
    # pairs (1,2) c, (1,3) c, (1,4) d, (2,3) d, (2,4) d... computed below
    predicted = [0.1, 0.2, 0.3, 0.4]
    truth = [0.1, 0.3, 0.2, 0.4]
    # concordant: (0,1) (0,2) (0,3) (1,3) (2,3); discordant: (1,2) -> (5 - 1) / 6
    assert kendall_tau(predicted, truth) == pytest.approx(4 / 6)


def test_kendall_tau_b_with_ties_by_hand():
    predicted = [1, 2, 2, 3]
    truth = [1, 2, 3, 4]
    # pairs: (0,1) c, (0,2) c, (0,3) c, (1,2) tie in x, (1,3) c, (2,3) c -> nc - nd = 5
    # n0 = 6, ties in x: 1 pair, in y: 0 -> tau_b = 5 / sqrt((6 - 1) * 6)
    assert kendall_tau(predicted, truth) == pytest.approx(5 / math.sqrt(5 * 6))
    assert kendall_tau(predicted, truth) == pytest.approx(scipy.stats.kendalltau(predicted, truth).statistic)


def test_spearman_with_ties_is_pearson_of_mid_ranks():
    predicted = [0.5, 0.5, 0.7, 0.9, 0.1]
    truth = [0.2, 0.4, 0.4, 0.8, 0.0]
    ranks_x, ranks_y = [2.5, 2.5, 4, 5, 1], [2, 3.5, 3.5, 5, 1]
    assert spearman_rho(predicted, truth) == pytest.approx(np.corrcoef(ranks_x, ranks_y)[0, 1])
    assert spearman_rho(predicted, truth) == pytest.approx(scipy.stats.spearmanr(predicted, truth).statistic)


def test_pearson_matches_scipy_and_a_perfect_line():
    assert pearson_r([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    x, y = [0.3, 0.1, 0.7, 0.4], [0.2, 0.5, 0.9, 0.1]
    assert pearson_r(x, y) == pytest.approx(scipy.stats.pearsonr(x, y).statistic)


@pytest.mark.parametrize("measure", [kendall_tau, spearman_rho, pearson_r])
def test_undefined_coefficients_are_nan(measure):
    assert math.isnan(measure([0.5], [0.7]))
    assert math.isnan(measure([0.5, 0.5, 0.5], [0.1, 0.2, 0.3]))  # no order to agree with
    assert math.isnan(measure([0.1, 0.2, 0.3], [0.4, 0.4, 0.4]))


def test_top_k_includes_ties_at_the_boundary():
    values = [0.9, 0.8, 0.8, 0.5]
    assert top_k(values, 1) == {0}
    assert top_k(values, 2) == {0, 1, 2}  # the two tied second places are both in
    assert top_k(values, 3) == {0, 1, 2}
    with pytest.raises(StatsError, match="k must be an integer >= 1"):
        top_k(values, 0)


def test_precision_at_k_by_hand():
    predicted = [0.9, 0.8, 0.7, 0.6, 0.5]
    truth = [0.9, 0.5, 0.8, 0.7, 0.6]
    assert precision_at_k(predicted, truth, 2) == pytest.approx(1 / 2)  # {0, 1} vs {0, 2}
    assert precision_at_k(predicted, truth, 3) == pytest.approx(2 / 3)  # {0, 1, 2} vs {0, 2, 3}
    # predicted ties at the boundary: its top-2 is {0, 1, 2}, two of which are in {0, 2}
    assert precision_at_k([0.9, 0.8, 0.8, 0.1, 0.0], truth, 2) == pytest.approx(2 / 3)


def test_top_pick_rank_by_hand():
    truth = [0.5, 0.9, 0.7, 0.1]
    assert top_pick_rank([0.1, 0.2, 0.9, 0.3], truth) == 2.0  # the supernet's best is the second best alone
    assert top_pick_rank([0.9, 0.2, 0.9, 0.3], truth) == pytest.approx((3 + 2) / 2)  # tied picks: their mean rank
    assert top_pick_rank([0.1, 0.2, 0.9, 0.3], [0.5, 0.9, 0.9, 0.1]) == 1.5  # a true tie: mid-rank


def test_lists_must_pair_up():
    with pytest.raises(StatsError, match="predicted and truth must be paired"):
        kendall_tau([0.1, 0.2], [0.1, 0.2, 0.3])
    with pytest.raises(StatsError, match="finite"):
        spearman_rho([0.1, math.nan], [0.1, 0.2])




@settings(max_examples=60, deadline=None)
@given(st.data())
def test_vectorised_measures_equal_the_scalar_ones(data):
    rows = data.draw(st.integers(1, 4))
    n = data.draw(st.integers(2, 12))
    column = st.lists(st.integers(0, 6), min_size=n, max_size=n).map(lambda xs: [x / 10 for x in xs])
    x = np.array([data.draw(column) for _ in range(rows)])
    y = np.array([data.draw(column) for _ in range(rows)])
    for axis_fn, scalar in ((kendall_tau_axis, kendall_tau), (spearman_rho_axis, spearman_rho), (pearson_r_axis, pearson_r)):
        got = axis_fn(x, y, axis=-1)
        want = np.array([scalar(a, b) for a, b in zip(x, y)])
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, equal_nan=True)


def test_ranking_ci_is_seeded_and_leaves_undefined_resamples_out():
    from nasbench_rss.stats.ranking import ranking_ci

    predicted = [0.46, 0.49, 0.46, 0.50, 0.43, 0.47, 0.45, 0.47]
    truth = [0.72, 0.725, 0.719, 0.708, 0.698, 0.72, 0.72, 0.713]  # three tie: some resamples draw only those
    first = ranking_ci(predicted, truth, kendall_tau_axis, seed=0, resamples=20_000)
    assert first == ranking_ci(predicted, truth, kendall_tau_axis, seed=0, resamples=20_000)
    assert first.estimate == pytest.approx(kendall_tau(predicted, truth))
    assert first.low < first.estimate < first.high and first.n == 8
    assert "resamples undefined, left out" in first.method
    clean = ranking_ci(list(range(10)), [v + (v % 3) for v in range(10)], spearman_rho_axis, seed=1, resamples=2000)
    assert clean.method == "percentile bootstrap over subnets" and clean.low <= clean.estimate <= clean.high
    short = ranking_ci([0.1, 0.2], [0.3, 0.4], kendall_tau_axis, seed=0)
    assert math.isnan(short.low) and short.method.startswith("no interval")
