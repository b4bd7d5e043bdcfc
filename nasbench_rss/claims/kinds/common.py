"""What every built-in claim kind shares: the options, the wording of buckets, the seed-level test of a per-cell measure."""

from __future__ import annotations

import math
from typing import Any

from nasbench_rss.claims.base import (
    ClaimTest,
    Direction,
    Evidence,
    OneSided,
    seed_basis,
    seed_test,
)
from nasbench_rss.space.buckets import bucket_key


def buckets_words(buckets: Any, pooled: bool) -> str:
    """A claim's buckets in words: per bucket (each must hold) or pooled."""
    if buckets == "all":
        return "over all buckets together" if pooled else "in every bucket"
    listed = ", ".join(bucket_key(b) for b in buckets)
    return f"over buckets {listed} together" if pooled else f"in each of buckets {listed}"


class Claim:
    """Base of the built-in kinds: the options, plus ``describe`` and ``evaluate``."""

    def __init__(self, options: Any) -> None:
        self.options = options

    def describe(self) -> str:  # pragma: no cover - every kind overrides it
        raise NotImplementedError

    def evaluate(self, evidence: Evidence) -> ClaimTest:  # pragma: no cover
        raise NotImplementedError


def seed_level(values: dict[int, float], null: float, direction: Direction, what: str) -> tuple[OneSided, str]:
    """The seed-level test of a measure with one value per cell (seed), and its basis; none with one seed.

    Within a cell the measure has no independent replicates, so one seed gives no test.
    """
    if len(values) >= 2:
        return seed_test(values, null, direction), seed_basis(len(values))
    return OneSided(math.nan, math.nan, f"one seed: {what} has one value per cell"), f"one seed: no test ({what} has one value per cell)"
