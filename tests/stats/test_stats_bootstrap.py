import json
import math

import numpy as np
import pytest
import scipy.stats

from nasbench_rss.stats import Interval, StatsError, mean_ci, statistic_ci
from nasbench_rss.stats.bootstrap import METHOD_BCA, METHOD_CONSTANT, METHOD_ONE_VALUE, METHOD_PERCENTILE


def _scipy_rng_kwargs(seed):
    import inspect

    keyword = "rng" if "rng" in inspect.signature(scipy.stats.bootstrap).parameters else "random_state"
    return {keyword: np.random.default_rng(seed)}


def test_mean_ci_is_scipys_bca_interval_for_the_same_seed():
    x = np.random.default_rng(3).gamma(2.0, size=25)
    interval = mean_ci(x, seed=11, resamples=3000)
    direct = scipy.stats.bootstrap((x,), np.mean, n_resamples=3000, method="BCa", **_scipy_rng_kwargs(11))
    assert interval.method == METHOD_BCA
    assert interval.estimate == pytest.approx(x.mean())
    assert interval.low == direct.confidence_interval.low
    assert interval.high == direct.confidence_interval.high
    assert interval.low < interval.estimate < interval.high
    assert (interval.level, interval.n) == (0.95, 25)


def test_same_seed_same_interval_different_seed_different_interval():
    x = np.random.default_rng(0).normal(size=20)
    assert mean_ci(x, seed=5, resamples=2000) == mean_ci(list(x), seed=5, resamples=2000)
    assert mean_ci(x, seed=5, resamples=2000) != mean_ci(x, seed=6, resamples=2000)


def test_higher_level_gives_a_wider_interval():
    x = np.random.default_rng(1).normal(size=40)
    narrow = mean_ci(x, seed=0, level=0.8, resamples=2000)
    wide = mean_ci(x, seed=0, level=0.99, resamples=2000)
    assert wide.low < narrow.low < narrow.high < wide.high


def test_one_value_has_no_interval():
    interval = mean_ci([0.42], seed=0)
    assert interval.estimate == 0.42 and interval.n == 1 and interval.method == METHOD_ONE_VALUE
    assert math.isnan(interval.low) and math.isnan(interval.high)


def test_equal_values_give_the_degenerate_interval_at_the_value():
    interval = mean_ci([0.1, 0.1, 0.1], seed=0)
    assert (interval.estimate, interval.low, interval.high) == (0.1, 0.1, 0.1)
    assert interval.method == METHOD_CONSTANT and interval.n == 3


def test_undefined_bca_falls_back_to_percentile():
    # Every jackknife minimum is 0, so BCa's acceleration is 0/0.
    interval = statistic_ci([0, 0, 1, 2, 3], np.min, seed=0, resamples=2000)
    assert interval.method == METHOD_PERCENTILE
    assert interval.estimate == 0.0
    assert 0.0 <= interval.low <= interval.high <= 3.0


def test_statistic_ci_paired_resamples_pairs_like_scipy():
    rng = np.random.default_rng(4)
    a = rng.normal(size=15)
    b = a + rng.normal(0.3, 0.1, size=15)

    def mean_difference(x, y, axis=-1):
        return np.mean(y - x, axis=axis)

    interval = statistic_ci(a, mean_difference, seed=2, resamples=2000, paired_with=b)
    direct = scipy.stats.bootstrap(
        (a, b), mean_difference, n_resamples=2000, paired=True, method="BCa", **_scipy_rng_kwargs(2)
    )
    assert (interval.low, interval.high) == (direct.confidence_interval.low, direct.confidence_interval.high)
    assert interval.estimate == pytest.approx(np.mean(b - a))
    # Pairing removes the spread of a: the interval is far narrower than a's own spread.
    assert interval.high - interval.low < 0.2 < np.std(a)


def test_statistic_ci_accepts_a_non_vectorised_statistic():
    interval = statistic_ci([1, 5, 2, 8, 3, 9], lambda x: float(np.median(x)), seed=0, resamples=500)
    assert interval.estimate == 4.0 and interval.low <= 4.0 <= interval.high


def _coverage(draw, true_mean, datasets=300, n=30):
    rng = np.random.default_rng(12345)
    hits = 0
    for index in range(datasets):
        interval = mean_ci(draw(rng, n), seed=index, resamples=2000)
        hits += interval.low <= true_mean <= interval.high
    return hits / datasets


def test_mean_ci_covers_the_true_mean_about_95_percent_of_the_time_normal():
    coverage = _coverage(lambda rng, n: rng.normal(10.0, 3.0, size=n), true_mean=10.0)
    assert 0.90 <= coverage <= 0.99, coverage


def test_mean_ci_covers_the_true_mean_of_a_skewed_distribution():
    coverage = _coverage(lambda rng, n: rng.exponential(2.0, size=n), true_mean=2.0)
    assert 0.88 <= coverage <= 0.99, coverage


def test_to_dict_is_json_ready():
    d = mean_ci([1.0], seed=0).to_dict()
    assert list(d) == ["estimate", "low", "high", "level", "method", "n"]
    assert math.isnan(d["low"]) and d["method"] == METHOD_ONE_VALUE
    assert json.loads(json.dumps(mean_ci([1, 2, 3], seed=0, resamples=200).to_dict()))["n"] == 3
    assert isinstance(mean_ci([1, 2], seed=0, resamples=200), Interval)


@pytest.mark.parametrize("level", [0, 1, 1.5, -0.1, float("nan"), True, "0.95"])
def test_level_must_lie_strictly_between_0_and_1(level):
    with pytest.raises(StatsError, match="level must be a number strictly between 0 and 1"):
        mean_ci([1, 2, 3], seed=0, level=level)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [({"values": [], "seed": 0}, "values must have at least 1"),
     ({"values": [1, 2], "seed": -1}, "seed must be a non-negative integer"),
     ({"values": [1, 2], "seed": 1.5}, "seed must be a non-negative integer"),
     ({"values": [1, 2], "seed": 0, "resamples": 0}, "resamples must be a positive integer"),
     ({"values": [1, float("nan")], "seed": 0}, "finite")],
)
def test_bad_mean_ci_input_is_refused(kwargs, fragment):
    with pytest.raises(StatsError, match=fragment):
        mean_ci(**kwargs)


def test_statistic_ci_paired_lengths_must_match():
    with pytest.raises(StatsError, match="3 values and 2 paired_with"):
        statistic_ci([1, 2, 3], np.mean, seed=0, paired_with=[1, 2])
    with pytest.raises(StatsError, match="statistic must be a callable"):
        statistic_ci([1, 2, 3], "mean", seed=0)
