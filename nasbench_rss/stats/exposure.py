"""Exposure shares: what fraction of all optimizer steps went to each MFLOP bucket.

The paper's argument is that sampling bias, not interference, decides which subnets end
up good; these shares are how a report shows a sampler's bias next to its accuracies.
"""

from __future__ import annotations

import math
import numbers
from typing import Iterable, Sequence

from nasbench_rss.stats.checks import StatsError
from nasbench_rss.space.buckets import OUTSIDE, bucket_key, bucket_of


def exposure_shares(
    subnets: Iterable[tuple[float, int]], buckets: Sequence[float], tolerance: float
) -> dict[str, float]:
    """Share of all steps per bucket, keyed ``f"{target:g}"`` in bucket order, then ``"outside"``.

    ``subnets`` holds ``(mflops, optimizer steps)`` rows.  A subnet is in bucket ``t`` when
    ``|mflops - t| <= tolerance`` in integer MACs, by :func:`nasbench_rss.space.buckets.bucket_of` (the
    trainer's own rule, so shares match its counts).  Shares sum to 1, or are all 0.0 when
    there are no steps at all.
    """
    if isinstance(tolerance, bool) or not isinstance(tolerance, numbers.Real) or not (
        math.isfinite(tolerance) and tolerance >= 0
    ):
        raise StatsError(f"tolerance must be a finite number >= 0 (MFLOPs); got {tolerance!r}")
    targets = tuple(buckets)
    steps: dict[str, int] = {}
    for target in targets:
        if isinstance(target, bool) or not isinstance(target, numbers.Real) or not math.isfinite(target):
            raise StatsError(f"buckets must be finite numbers (MFLOP targets); got {target!r}")
        label = bucket_key(target)
        if label in steps:
            raise StatsError(f"buckets must be distinct; {target!r} repeats bucket {label!r} (buckets {list(targets)})")
        steps[label] = 0
    steps[OUTSIDE] = 0

    for index, row in enumerate(subnets):
        try:
            mflops, count = row
        except (TypeError, ValueError):
            raise StatsError(f"subnets[{index}] must be an (mflops, steps) pair; got {row!r}") from None
        if isinstance(mflops, bool) or not isinstance(mflops, numbers.Real) or not math.isfinite(mflops):
            raise StatsError(f"subnets[{index}]: mflops must be a finite number; got {mflops!r}")
        if isinstance(count, bool) or not isinstance(count, numbers.Integral) or count < 0:
            raise StatsError(f"subnets[{index}]: steps must be an integer >= 0; got {count!r}")
        steps[bucket_of(float(mflops), targets, float(tolerance))] += int(count)

    total = sum(steps.values())
    return {label: (count / total if total else 0.0) for label, count in steps.items()}
