import math

import pytest

from nasbench_rss.stats import StatsError, mean_ci, time_ratio
from nasbench_rss.stats.bootstrap import METHOD_ONE_VALUE


def test_time_ratio_pairs_by_seed_and_ignores_unshared_seeds():
    baseline = {0: 10.0, 1: 12.0, 2: 9.0, 5: 100.0}
    run = {2: 9.0, 0: 5.0, 1: 4.0, 7: 1.0}  # order of keys does not matter
    interval = time_ratio(baseline, run, seed=4, resamples=2000)
    assert interval.estimate == pytest.approx((2.0 + 3.0 + 1.0) / 3)  # seeds 0, 1, 2
    assert interval.n == 3
    assert interval == mean_ci([2.0, 3.0, 1.0], seed=4, resamples=2000)


def test_time_ratio_is_the_mean_of_ratios_not_the_ratio_of_means():
    interval = time_ratio({0: 1.0, 1: 100.0}, {0: 2.0, 1: 50.0}, seed=0, resamples=500)
    assert interval.estimate == pytest.approx((0.5 + 2.0) / 2)  # ratio of means would be 101 / 52


def test_time_ratio_with_one_shared_seed_has_no_bounds():
    interval = time_ratio({3: 30.0, 4: 1.0}, {3: 10.0}, seed=0)
    assert interval.estimate == pytest.approx(3.0)
    assert math.isnan(interval.low) and math.isnan(interval.high) and interval.method == METHOD_ONE_VALUE


def test_time_ratio_without_shared_seeds_is_an_error():
    with pytest.raises(StatsError, match=r"share no training seed.*\[0, 1\].*\[2\]"):
        time_ratio({0: 1.0, 1: 2.0}, {2: 1.0}, seed=0)


@pytest.mark.parametrize("seconds", [0.0, -1.0, math.nan, math.inf, "fast", None])
def test_time_ratio_needs_positive_durations(seconds):
    with pytest.raises(StatsError, match=r"run_seconds\[1\] must be a positive finite number"):
        time_ratio({0: 1.0, 1: 2.0}, {0: 1.0, 1: seconds}, seed=0)


def test_time_ratio_needs_mappings():
    with pytest.raises(StatsError, match="baseline_seconds must be a mapping"):
        time_ratio([1.0, 2.0], {0: 1.0}, seed=0)
