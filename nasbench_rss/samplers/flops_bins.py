"""FLOPs bins a sampler targets: the bin first, then a subnet drawn exactly within it.

Samplers that pick a FLOPs target before a subnet (AttentiveNAS's ``sample_one_target_flops``
then ``sample_archs_according_to_flops``; the bucket-balanced RSS) share this: the bins are
1-MFLOP windows ``k +- 0.5`` for every integer ``k`` whose window holds a network of the
space (the report's exposure bins, :mod:`nasbench_rss.report.exposure_range`), or the
targets a suite lists; a subnet in a bin comes from the exact bucket sampler
(:class:`nasbench_rss.space.buckets.ExactBucketSampler`: the base distribution
conditioned on the bin, no rejection).  A bin is picked uniformly or by its probability
under the base distribution (``prior``: where a plain random draw would land).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Literal, Sequence

import numpy as np
import pydantic

from nasbench_rss.errors import SpaceError
from nasbench_rss.samplers.base import SamplerError
from nasbench_rss.samplers.options import comma_list
from nasbench_rss.space.buckets import PAPER_TOLERANCE, Bucket, ExactBucketSampler
from nasbench_rss.space.flops import FlopsTable
from nasbench_rss.space.population import BaseDistribution
from nasbench_rss.space.subnet import Subnet

BinWeighting = Literal["uniform", "prior"]
BIN_WIDTH_MFLOPS = 1.0

BinCentres = Annotated[
    list[float] | None,
    pydantic.BeforeValidator(comma_list),
    pydantic.Field(description="bin centres in MFLOPs (each +- tolerance); unset: every reachable 1-MFLOP bin of the space"),
]
"""The ``buckets`` option of samplers that target FLOPs bins (a list, or comma-separated)."""
BinTolerance = Annotated[float, pydantic.Field(ge=0, allow_inf_nan=False, description="half-width of each listed bucket in MFLOPs")]
"""The ``tolerance`` option that goes with ``buckets``."""


@dataclass(frozen=True)
class FlopsBins:
    """The bins a sampler draws from, their base-distribution probabilities, and the exact sampler."""

    buckets: tuple[Bucket, ...]
    prior: np.ndarray
    sampler: ExactBucketSampler

    @classmethod
    def build(
        cls, flops: FlopsTable, distribution: BaseDistribution, targets: Sequence[float] | None = None, tolerance: float = PAPER_TOLERANCE
    ) -> "FlopsBins":
        """``targets`` (MFLOPs, each +- ``tolerance``) or, when None, every reachable 1-MFLOP bin of the space."""
        if targets is not None and not targets:
            raise SamplerError("buckets: an empty list; allowed: at least one MFLOPs target, or unset for every bin", option="buckets")
        sampler = ExactBucketSampler(flops, distribution)
        if targets is None:
            low, high = math.floor(flops.min_macs / 1e6), math.ceil(flops.max_macs / 1e6)
            candidates = [Bucket(float(k), BIN_WIDTH_MFLOPS / 2) for k in range(max(low, 1), high + 1)]
            buckets = tuple(b for b in candidates if sampler.probability(b) > 0)
        else:
            try:
                buckets = tuple(Bucket(float(t), tolerance) for t in targets)
                for bucket in buckets:
                    sampler.check_reachable(bucket)
            except SpaceError as error:
                raise SamplerError(f"buckets: {error}", option="buckets") from None
        if not buckets:
            raise SamplerError(f"no 1-MFLOP bin of {flops.space.architecture} holds a network", option="buckets")
        prior = np.array([sampler.probability(b) for b in buckets])
        return cls(buckets, prior / prior.sum(), sampler)

    def pick(self, rng: np.random.Generator, weighting: BinWeighting) -> Bucket:
        """One bin: each equally likely, or as likely as a base-distribution draw is to land in it."""
        index = int(rng.integers(len(self.buckets))) if weighting == "uniform" else int(rng.choice(len(self.buckets), p=self.prior))
        return self.buckets[index]

    def draw(self, bucket: Bucket, n: int, rng: np.random.Generator) -> list[Subnet]:
        """``n`` subnets of the bin, from the base distribution conditioned on it."""
        return self.sampler.sample(bucket, n, rng)

    def describe(self) -> list[dict[str, float]]:
        return [{"bucket": b.target, "tolerance": b.tolerance, "prior": float(p)} for b, p in zip(self.buckets, self.prior)]
