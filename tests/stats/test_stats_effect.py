import math

import numpy as np
import pytest

from nasbench_rss.stats import StatsError, cohens_d, improvement_scores, mean_ci, probability_of_improvement
from nasbench_rss.stats.bootstrap import METHOD_CONSTANT, METHOD_ONE_VALUE


def test_cohens_d_by_hand():
    # means 2 and 4; squared deviations 2 and 8; pooled variance 10 / (3 + 3 - 2) = 2.5
    assert cohens_d([1, 2, 3], [2, 4, 6]) == pytest.approx(-2 / math.sqrt(2.5))
    # unequal sizes: means 2.5 and 1; squared deviations 5 and 6; pooled variance 11 / 5
    assert cohens_d([1, 2, 3, 4], [0, 0, 3]) == pytest.approx(1.5 / math.sqrt(11 / 5))


def test_cohens_d_pools_by_n_minus_one_weights():
    rng = np.random.default_rng(2)
    a, b = rng.normal(1.0, 1.0, size=12), rng.normal(0.0, 2.0, size=30)
    pooled = ((12 - 1) * np.var(a, ddof=1) + (30 - 1) * np.var(b, ddof=1)) / (12 + 30 - 2)
    assert cohens_d(a, b) == pytest.approx((a.mean() - b.mean()) / math.sqrt(pooled))


def test_cohens_d_degenerate_cases():
    assert cohens_d([0.1, 0.1, 0.1], [0.1, 0.1]) == 0.0  # constant and equal: no difference
    assert math.isnan(cohens_d([1.0, 1.0], [2.0, 2.0]))  # zero spread, different means
    assert math.isnan(cohens_d([1.0], [2.0]))  # no degrees of freedom
    assert cohens_d([1.0], [0.0, 2.0]) == pytest.approx(0.0)  # a single value still has a mean
    with pytest.raises(StatsError, match="baseline must have at least 1"):
        cohens_d([1.0, 2.0], [])


def test_probability_of_improvement_by_hand_with_ties():
    run, baseline = [1, 2, 3, 4], [0, 2, 5, 1]  # win, tie, loss, win
    assert list(improvement_scores(run, baseline)) == [1.0, 0.5, 0.0, 1.0]
    interval = probability_of_improvement(run, baseline, seed=0, resamples=2000)
    assert interval.estimate == pytest.approx(2.5 / 4)
    assert 0.0 <= interval.low <= interval.estimate <= interval.high <= 1.0
    assert interval.n == 4


def test_probability_of_improvement_resamples_pairs():
    rng = np.random.default_rng(8)
    baseline = rng.normal(size=40)
    run = baseline + rng.normal(0.2, 0.5, size=40)
    scores = (run > baseline) + 0.5 * (run == baseline)
    interval = probability_of_improvement(run, baseline, seed=3, resamples=2000)
    assert interval == mean_ci(scores, seed=3, resamples=2000)
    assert interval == probability_of_improvement(run, baseline, seed=3, resamples=2000)


def test_probability_of_improvement_degenerate_cases():
    always = probability_of_improvement([2, 3, 4], [1, 1, 1], seed=0)
    assert (always.estimate, always.low, always.high, always.method) == (1.0, 1.0, 1.0, METHOD_CONSTANT)
    one = probability_of_improvement([2], [2], seed=0)
    assert one.estimate == 0.5 and math.isnan(one.low) and one.method == METHOD_ONE_VALUE


def test_probability_of_improvement_needs_pairs():
    with pytest.raises(StatsError, match="run with 2 values and baseline with 3"):
        probability_of_improvement([1, 2], [1, 2, 3], seed=0)
    with pytest.raises(StatsError, match="level"):
        probability_of_improvement([1, 2], [1, 2], seed=0, level=95)
