from nasbench_rss.space.buckets import OUTSIDE, PAPER_BUCKETS, PAPER_TOLERANCE, bucket_of
from nasbench_rss.train.observers.exposure import Exposure


def bucket_label(mflops, targets=PAPER_BUCKETS, tolerance=PAPER_TOLERANCE):
    return bucket_of(mflops, targets, tolerance)


def test_bucket_label_uses_the_tolerance_inclusively():
    assert bucket_label(4.5) == "4"
    assert bucket_label(5.49) == OUTSIDE
    assert bucket_label(13.6) == "14"
    assert bucket_label(7.0, targets=(6, 8), tolerance=1.0) == "6"
    # Decided on integer MACs, as evaluation draws subnets: 5.5 MFLOPs (5500000 MACs) is in bucket 6 +- 0.5.
    assert bucket_label(5.5) == "6" and bucket_label(5.499999) == OUTSIDE


def test_exposure_accumulates_steps_per_subnet_and_bucket():
    exposure = Exposure()
    exposure.add([("a", 4.2, 3), ("b", 8.4, 2)])
    exposure.add([("a", 4.2, 1), ("c", 5.0, 7)])
    assert exposure.steps == {"a": 4, "b": 2, "c": 7}
    buckets = exposure.buckets()
    assert buckets["4"] == 4 and buckets["8"] == 2 and buckets[OUTSIDE] == 7
    assert sum(buckets.values()) == 13
    data = exposure.to_dict()
    assert [row["encoding"] for row in data["subnets"]] == ["c", "a", "b"]
    assert data["total_subnet_steps"] == 13 and data["distinct_subnets"] == 3

    again = Exposure()
    again.load_state_dict(exposure.state_dict())
    assert again.to_dict() == data
