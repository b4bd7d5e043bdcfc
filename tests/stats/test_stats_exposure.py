import math

import pytest

from nasbench_rss.stats import StatsError, exposure_shares
from nasbench_rss.train.observers.exposure import Exposure


def test_exposure_shares_by_hand():
    rows = [(4.2, 3), (8.5, 1), (5.0, 4)]  # 4.2 -> "4"; 8.5 -> "8" (on the edge); 5.0 is 1 away from 4
    shares = exposure_shares(rows, buckets=[4, 8], tolerance=0.5)
    assert list(shares) == ["4", "8", "outside"]
    assert shares == {"4": 3 / 8, "8": 1 / 8, "outside": 4 / 8}


def test_bucket_edges_are_inclusive_at_exactly_the_tolerance():
    shares = exposure_shares([(7.5, 1), (8.5, 1)], buckets=[8], tolerance=0.5)
    assert shares == {"8": 1.0, "outside": 0.0}
    # one multiply-accumulate beyond either edge is outside
    beyond = exposure_shares([(8.500001, 1), (7.499999, 1)], [8], 0.5)
    assert beyond == {"8": 0.0, "outside": 1.0}
    # MFLOPs are whole MACs / 10^6: a float a last bit off the edge (x / 1e6 * 1e6 != x) is that MAC count
    assert exposure_shares([(math.nextafter(8.5, 9.0), 1)], [8], 0.5) == {"8": 1.0, "outside": 0.0}
    # the edge is exact where floats are not: 4.4 - 4.1 > 0.3 in floats, yet 4400000 MACs lie in 4.1 +- 0.3
    assert exposure_shares([(4.4, 1)], [4.1], 0.3) == {"4.1": 1.0, "outside": 0.0}


def test_keys_follow_bucket_order_and_format_with_g():
    shares = exposure_shares([(14.0, 2), (2.5, 2)], buckets=[14, 2.5, 4.0], tolerance=0.1)
    assert list(shares) == ["14", "2.5", "4", "outside"]
    assert shares == {"14": 0.5, "2.5": 0.5, "4": 0.0, "outside": 0.0}


def test_no_steps_gives_all_zero_shares():
    assert exposure_shares([], buckets=[4, 8], tolerance=0.5) == {"4": 0.0, "8": 0.0, "outside": 0.0}
    assert exposure_shares([(4.0, 0)], buckets=[4], tolerance=0.5) == {"4": 0.0, "outside": 0.0}


def test_shares_agree_with_the_trainers_exposure_counts():
    rows = [(4.1, 7), (6.0, 2), (7.9, 5), (13.7, 11), (20.0, 1), (4.4, 3)]
    exposure = Exposure(targets=(4, 6, 8, 10, 12, 14), tolerance=0.5)
    exposure.add([(f"s{i}", mflops, steps) for i, (mflops, steps) in enumerate(rows)])
    counts = exposure.buckets()
    shares = exposure_shares(iter(rows), buckets=[4, 6, 8, 10, 12, 14], tolerance=0.5)
    assert shares == pytest.approx({label: count / 29 for label, count in counts.items()})
    assert sum(shares.values()) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "rows, buckets, tolerance, fragment",
    [([(4.0, -1)], [4], 0.5, r"subnets\[0\]: steps must be an integer >= 0"),
     ([(4.0, 1.5)], [4], 0.5, "steps must be an integer"),
     ([(math.nan, 1)], [4], 0.5, "mflops must be a finite number"),
     ([(4.0,)], [4], 0.5, r"subnets\[0\] must be an \(mflops, steps\) pair"),
     ([], [4, 4.0], 0.5, "buckets must be distinct"),
     ([], [4], -0.1, "tolerance must be a finite number >= 0"),
     ([], [math.inf], 0.5, "buckets must be finite")],
)
def test_bad_exposure_input_is_refused(rows, buckets, tolerance, fragment):
    with pytest.raises(StatsError, match=fragment):
        exposure_shares(rows, buckets, tolerance)
