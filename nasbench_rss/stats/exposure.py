"""Exposure shares: what fraction of all optimizer steps went to each MFLOP bucket.

The paper's argument is that sampling bias, not interference, decides which subnets end
up good; these shares are how a report shows a sampler's bias next to its accuracies.

Three views of the same ``(mflops, steps)`` rows:

- :func:`exposure_shares`: the evaluation's buckets (+-tolerance windows), the rest "outside";
- :func:`exposure_histogram`: bins of one width over the whole FLOPs range of the
  architecture, so no step is hidden in "outside" (where along the whole range a sampler
  trains, not only near the buckets);
- :func:`smoothed_exposure`: a Gaussian kernel around each target, for correlating
  exposure with bucket accuracy (the paper's Fig. 6: "performance is skewed towards the
  size of the selected subnet").
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
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

    for mflops, count in _rows(subnets):
        steps[bucket_of(mflops, targets, float(tolerance))] += count

    total = sum(steps.values())
    return {label: (count / total if total else 0.0) for label, count in steps.items()}


@dataclass(frozen=True)
class ExposureHistogram:
    """Optimizer steps in bins of ``width`` MFLOPs centred on ``centres``, and their shares.

    Bin ``i`` is the half-open window ``[centres[i] - width / 2, centres[i] + width / 2)``.
    ``below`` and ``above`` count the steps on subnets outside every bin (MFLOPs beyond the
    range asked for), so ``sum(shares) + below_share + above_share`` is 1, or everything is
    0.0 when there are no steps.
    """

    low: float
    high: float
    width: float
    centres: tuple[float, ...]
    steps: tuple[int, ...]
    shares: tuple[float, ...]
    below: int
    above: int
    below_share: float
    above_share: float
    total_steps: int

    def to_dict(self) -> dict[str, object]:
        """Plain Python values for JSON (lists, not tuples); ``labels`` are the centres as ``f"{c:g}"``."""
        return {
            "low": self.low,
            "high": self.high,
            "width": self.width,
            "centres": list(self.centres),
            "labels": [bucket_key(c) for c in self.centres],
            "steps": list(self.steps),
            "shares": list(self.shares),
            "below": self.below,
            "above": self.above,
            "below_share": self.below_share,
            "above_share": self.above_share,
            "total_steps": self.total_steps,
        }


def _finite(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise StatsError(f"{name} must be a finite number (MFLOPs); got {value!r}")
    return float(value)


def _rows(subnets: Iterable[tuple[float, int]]) -> list[tuple[float, int]]:
    """``(mflops, steps)`` rows, each checked: a finite MFLOPs count and an integer number of steps >= 0."""
    out = []
    for index, row in enumerate(subnets):
        try:
            mflops, count = row
        except (TypeError, ValueError):
            raise StatsError(f"subnets[{index}] must be an (mflops, steps) pair; got {row!r}") from None
        if isinstance(mflops, bool) or not isinstance(mflops, numbers.Real) or not math.isfinite(mflops):
            raise StatsError(f"subnets[{index}]: mflops must be a finite number; got {mflops!r}")
        if isinstance(count, bool) or not isinstance(count, numbers.Integral) or count < 0:
            raise StatsError(f"subnets[{index}]: steps must be an integer >= 0; got {count!r}")
        out.append((float(mflops), int(count)))
    return out


def exposure_histogram(
    subnets: Iterable[tuple[float, int]], low: float, high: float, width: float = 1.0
) -> ExposureHistogram:
    """Steps per bin of ``width`` MFLOPs, bins centred on ``low, low + width, ...`` up to the first centre >= ``high``.

    ``subnets`` holds ``(mflops, optimizer steps)`` rows.  With integer ``low`` and
    ``high`` and ``width`` 1 (the report's choice: ``floor(min MFLOPs)`` to ``ceil(max
    MFLOPs)``) the bins are ``[k - 0.5, k + 0.5)`` for every integer k in the range, so
    the bin of an integer bucket target holds the same subnets as the bucket (``|mflops -
    k| <= 0.5``) except one at exactly ``k + 0.5``, which the bucket counts and the next
    bin gets.  Every subnet from ``low`` to ``high`` falls in a bin (the largest subnet
    too: it is in the last bin, not beyond it); subnets below ``low - width / 2`` or at
    or above ``last centre + width / 2`` are counted in ``below`` and ``above``.
    """
    low = _finite(low, "low")
    high = _finite(high, "high")
    if high < low:
        raise StatsError(f"high must be >= low; got low {low!r} and high {high!r}")
    if isinstance(width, bool) or not isinstance(width, numbers.Real) or not (math.isfinite(width) and width > 0):
        raise StatsError(f"width must be a finite number > 0 (MFLOPs); got {width!r}")
    width = float(width)
    # Enough bins that the last centre reaches high (the 1e-9 keeps an exact multiple from adding a bin).
    count = math.ceil((high - low) / width - 1e-9) + 1
    centres = tuple(low + i * width for i in range(count))
    steps = [0] * count
    below = above = 0
    for mflops, n in _rows(subnets):
        index = math.floor((mflops - low) / width + 0.5)
        if index < 0:
            below += n
        elif index >= count:
            above += n
        else:
            steps[index] += n
    total = sum(steps) + below + above
    return ExposureHistogram(
        low=low,
        high=high,
        width=width,
        centres=centres,
        steps=tuple(steps),
        shares=tuple(s / total if total else 0.0 for s in steps),
        below=below,
        above=above,
        below_share=below / total if total else 0.0,
        above_share=above / total if total else 0.0,
        total_steps=total,
    )


SMOOTHING_BANDWIDTH = 2.0
"""MFLOPs: the default Gaussian kernel width of :func:`smoothed_exposure`, the paper's bucket spacing (4, 6, ..., 14)."""


def smoothed_exposure(
    subnets: Iterable[tuple[float, int]], targets: Sequence[float], bandwidth: float
) -> dict[str, float]:
    """Kernel-smoothed share of steps at each target, keyed ``f"{target:g}"`` in target order.

    For target ``t``: ``sum(steps * exp(-(mflops - t)**2 / (2 * bandwidth**2)))`` over the
    subnets, divided by the sum of that over all targets, so the shares sum to 1 (all 0.0
    when there are no steps, or every subnet is so far from every target that the kernel
    underflows).

    Why smoothing: bucket shares put a run that trains one subnet in one bucket and every
    other bucket at exactly 0, so "accuracy follows exposure" cannot be told apart from
    "accuracy is high in one bucket"; yet such a run's neighbours share most weights with
    the trained subnet, and their accuracy falls with distance from it (the paper's Fig.
    6).  The kernel gives every target an exposure that falls with its distance in MFLOPs
    from where the run trained, which is what a correlation with bucket accuracy needs.
    """
    if isinstance(bandwidth, bool) or not isinstance(bandwidth, numbers.Real) or not (
        math.isfinite(bandwidth) and bandwidth > 0
    ):
        raise StatsError(f"bandwidth must be a finite number > 0 (MFLOPs); got {bandwidth!r}")
    points = tuple(targets)
    weights: dict[str, float] = {}
    for target in points:
        t = _finite(target, "targets")
        label = bucket_key(t)
        if label in weights:
            raise StatsError(f"targets must be distinct; {target!r} repeats target {label!r} (targets {list(points)})")
        weights[label] = 0.0
    rows = _rows(subnets)
    scale = 2.0 * float(bandwidth) ** 2
    for target, label in zip(points, weights):
        weights[label] = math.fsum(n * math.exp(-((mflops - float(target)) ** 2) / scale) for mflops, n in rows)
    total = math.fsum(weights.values())
    return {label: (w / total if total > 0 else 0.0) for label, w in weights.items()}
