"""Exposure over the whole FLOPs range (1-MFLOP bins) and kernel-smoothed exposure at targets."""

from __future__ import annotations

import math

import pytest

from nasbench_rss.stats import StatsError, exposure_histogram, exposure_shares, smoothed_exposure


def test_histogram_by_hand_bins_are_centred_on_integers():
    rows = [(3.6, 2), (4.4, 3), (4.5, 1), (7.0, 4), (12.9, 5)]
    hist = exposure_histogram(rows, low=3, high=13)
    assert hist.centres == tuple(float(k) for k in range(3, 14))
    by_centre = dict(zip(hist.centres, hist.steps))
    assert by_centre[4.0] == 5  # 3.6 and 4.4 are in [3.5, 4.5)
    assert by_centre[5.0] == 1  # 4.5 starts the next bin (half-open)
    assert by_centre[7.0] == 4
    assert by_centre[13.0] == 5  # the largest subnet is in the last bin, not beyond it
    assert (hist.below, hist.above, hist.total_steps) == (0, 0, 15)
    assert sum(hist.shares) == pytest.approx(1.0)
    assert hist.to_dict()["labels"][:2] == ["3", "4"]


def test_histogram_counts_subnets_beyond_the_range_separately():
    hist = exposure_histogram([(2.4, 1), (2.5, 1), (13.49, 1), (13.5, 2), (20.0, 3)], low=3, high=13)
    assert (hist.below, hist.above) == (1, 5)
    assert hist.steps[0] == 1 and hist.steps[-1] == 1
    assert sum(hist.shares) + hist.below_share + hist.above_share == pytest.approx(1.0)
    assert hist.above_share == pytest.approx(5 / 8)


def test_integer_bins_agree_with_the_buckets_inside_the_window():
    rows = [(3.51, 1), (4.0, 2), (4.49, 3), (7.6, 4), (8.3, 5), (11.5, 6), (12.2, 7)]
    hist = exposure_histogram(rows, low=3, high=13)
    total = sum(n for _, n in rows)
    shares = exposure_shares(rows, [4, 8, 12], 0.5)
    for target in (4, 8, 12):
        assert hist.shares[hist.centres.index(float(target))] == pytest.approx(shares[f"{target}"])
    assert sum(hist.steps) == total


def test_histogram_with_no_steps_is_all_zero_and_one_point_range_has_one_bin():
    assert exposure_histogram([], 3, 5).shares == (0.0, 0.0, 0.0)
    assert exposure_histogram([(4.0, 0)], 3, 5).total_steps == 0
    single = exposure_histogram([(4.2, 3)], 4, 4)
    assert single.centres == (4.0,) and single.steps == (3,)
    wide = exposure_histogram([(4.9, 1)], 3, 6, width=2.0)
    assert wide.centres == (3.0, 5.0, 7.0) and wide.steps == (0, 1, 0)


@pytest.mark.parametrize(
    "rows, low, high, width, fragment",
    [([(4.0, -1)], 3, 5, 1.0, r"subnets\[0\]: steps must be an integer >= 0"),
     ([(math.nan, 1)], 3, 5, 1.0, "mflops must be a finite number"),
     ([(4.0,)], 3, 5, 1.0, r"must be an \(mflops, steps\) pair"),
     ([], 5, 3, 1.0, "high must be >= low"),
     ([], math.nan, 3, 1.0, "low must be a finite number"),
     ([], 3, 5, 0.0, "width must be a finite number > 0")],
)
def test_bad_histogram_input_is_refused(rows, low, high, width, fragment):
    with pytest.raises(StatsError, match=fragment):
        exposure_histogram(rows, low, high, width)


def test_smoothed_exposure_by_hand():
    rows = [(4.0, 10), (8.0, 2)]
    got = smoothed_exposure(rows, [4, 6, 8], bandwidth=1.0)

    def kernel(d: float) -> float:
        return math.exp(-(d**2) / 2)

    raw = {"4": 10 * kernel(0) + 2 * kernel(4), "6": 10 * kernel(2) + 2 * kernel(2), "8": 10 * kernel(4) + 2 * kernel(0)}
    total = sum(raw.values())
    assert list(got) == ["4", "6", "8"]
    assert got == pytest.approx({k: v / total for k, v in raw.items()})
    assert sum(got.values()) == pytest.approx(1.0)


def test_smoothed_exposure_of_one_subnet_falls_with_distance():
    got = smoothed_exposure([(12.0, 100)], [4, 6, 8, 10, 12, 14], bandwidth=2.0)
    values = [got[k] for k in ("4", "6", "8", "10", "12")]
    assert values == sorted(values) and all(v > 0 for v in values)
    assert got["10"] == pytest.approx(got["14"])


def test_smoothed_exposure_without_steps_is_zero_and_bad_input_is_refused():
    assert smoothed_exposure([], [4, 8], 1.0) == {"4": 0.0, "8": 0.0}
    assert smoothed_exposure([(4.0, 0)], [4], 1.0) == {"4": 0.0}
    with pytest.raises(StatsError, match="bandwidth must be a finite number > 0"):
        smoothed_exposure([], [4], 0)
    with pytest.raises(StatsError, match="targets must be distinct"):
        smoothed_exposure([], [4, 4.0], 1.0)
    with pytest.raises(StatsError, match="targets must be a finite number"):
        smoothed_exposure([], [math.inf], 1.0)
