"""Which subnets a population evaluation measures: ``per_bucket`` draws per MFLOP bucket.

The list is a function of the FLOPs table (architecture, its space options and the
data's shape) and the evaluation settings only, never of the trained weights or the
sampler, so every sampler of a suite is measured on the same subnets and the comparison
between samplers is paired.  Each bucket draws from its own named random stream, so adding
a bucket or raising ``per_bucket`` leaves the subnets already drawn where they were (the
exact sampler draws row by row: the first n of 2n draws are the n draws).
"""

from __future__ import annotations

from dataclasses import dataclass

from nasbench_rss.errors import SpaceError
from nasbench_rss.config.evaluation import EvaluationConfig
from nasbench_rss.hashing import json_hash
from nasbench_rss.seeding import evaluation_bucket_stream, numpy_rng
from nasbench_rss.space.buckets import Bucket, ExactBucketSampler, bucket_key, paper_expand_locks, paper_sample_codes
from nasbench_rss.space.flops import FlopsTable
from nasbench_rss.space.subnet import Subnet

PAPER_MODE_MAX_DRAWS = 20_000_000
"""Paper-mode rejection gives up (and skips the bucket, saying so) after this many draws."""


@dataclass(frozen=True)
class BucketDraw:
    """One bucket of the evaluation: its subnets, or why it has none."""

    bucket: Bucket
    subnets: tuple[Subnet, ...]
    reason: str | None
    """None when the bucket is evaluated; otherwise why it was skipped (unreachable)."""
    networks: int | None
    """Exact number of networks of the space in the bucket (None when not counted)."""
    probability: float | None
    """Probability that one draw of the base distribution lands in the bucket."""

    @property
    def label(self) -> str:
        return self.bucket.key

    @property
    def reachable(self) -> bool:
        return self.reason is None


def draw_population(table: FlopsTable, config: EvaluationConfig) -> list[BucketDraw]:
    """The evaluation's subnets, bucket by bucket (in ``config.buckets`` order).

    A bucket no network of the space lies in (or that paper-mode rejection cannot fill)
    is kept, with no subnets and the reason, so reports can say it was skipped.
    """
    sampler = ExactBucketSampler(table, config.base)
    locks = paper_expand_locks(config.buckets)
    draws = []
    for target in config.buckets:
        bucket = Bucket(target, config.tolerance)
        networks, probability = sampler.count(bucket), sampler.probability(bucket)
        rng = numpy_rng(config.seed, evaluation_bucket_stream(bucket_key(target)))
        try:
            if config.mode == "exact":
                codes = sampler.sample_codes(bucket, config.per_bucket, rng)
            else:
                sampler.check_reachable(bucket)
                codes = paper_sample_codes(table, bucket, config.per_bucket, rng, locks[target], max_draws=PAPER_MODE_MAX_DRAWS)
        except SpaceError as error:
            draws.append(BucketDraw(bucket, (), str(error), networks, probability))
            continue
        draws.append(BucketDraw(bucket, tuple(table.space.subnets(codes)), None, networks, probability))
    return draws


def population_hash(draws: list[BucketDraw]) -> str:
    """Hash of the subnet list: equal across the cells of one architecture and shape."""
    return json_hash({draw.label: [subnet.encode() for subnet in draw.subnets] for draw in draws})
