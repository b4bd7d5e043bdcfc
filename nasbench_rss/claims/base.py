"""What a claim kind is tested on and what it returns, and the rules every kind shares.

A claim kind (a plugin, see :mod:`nasbench_rss.claims.plugin`) gets one
:class:`Evidence` per (architecture, dataset) of the run directory and returns a
:class:`ClaimTest`: its statistic in words and two one-sided p-values, ``p_for`` (the
evidence for the claim) and ``p_against`` (for its opposite).  The report combines the
groups, applies Holm across the suite's claims and gives the verdict
(:mod:`nasbench_rss.report.claims`).

Seeds are the unit of replication; subnets nest within seeds.  So with two or more
seeds a claim is decided by a test on per-seed estimates (:func:`seed_test`: a one-sided
one-sample t-test of the seeds' estimates against the claim's null value, df = seeds - 1),
and the subnet-level test is shown beside it for information only.  With one seed the
subnet-level test is all there is, and the report says "one seed: subnet-level only".

A claim over several buckets must hold in each (an intersection-union test: its
``p_for`` is the largest of the buckets' ``p_for``, no correction needed), and is
contradicted when its opposite holds in any (``p_against``: the smallest bucket
``p_against`` times the number of buckets, Bonferroni).

A plugin imports all of it from here: :class:`Evidence` and :class:`CellTime` are made
once per run directory by :mod:`nasbench_rss.analysis.evidence`; :func:`seed_test`,
:func:`intersection_union` and :class:`OneSided` are tests of :mod:`nasbench_rss.stats.one_sided`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from nasbench_rss.analysis.evidence import Evidence
from nasbench_rss.analysis.times import CellTime
from nasbench_rss.stats.one_sided import (
    Direction,
    OneSided,
    intersection_union,
    seed_test,
)

__all__ = [
    "CellTime", "ClaimTest", "Direction", "Evidence", "OneSided", "SEED_BASIS", "SUBNET_BASIS",
    "intersection_union", "points", "seed_basis", "seed_test", "spread", "untestable",
]  # fmt: skip

SEED_BASIS = "{n} seeds: one-sided t-test on the seeds' estimates (df {df}); subnet-level test shown for information"
SUBNET_BASIS = "one seed: subnet-level only"


@dataclass
class ClaimTest:
    """The outcome of one claim on one (architecture, dataset) group.

    ``p_for``/``p_against`` are one-sided p-values for the claim and for its opposite
    (NaN: not testable, ``note`` says why); ``estimate`` is the effect in the claim's own
    unit (accuracy points as a fraction, a ratio, a rank correlation), ``statistic`` the
    same in words; ``basis`` says what the p-values rest on.
    """

    statistic: str
    estimate: float
    p_for: float
    p_against: float
    basis: str
    seeds: list[int]
    per_seed: dict[int, float] = field(default_factory=dict)
    subnet_level: dict[str, Any] = field(default_factory=dict)
    units: list[dict[str, Any]] = field(default_factory=list)
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "statistic": self.statistic,
            "estimate": self.estimate,
            "p_for": self.p_for,
            "p_against": self.p_against,
            "basis": self.basis,
            "seeds": list(self.seeds),
            "per_seed": {str(k): v for k, v in self.per_seed.items()},
            "subnet_level": self.subnet_level,
            "units": self.units,
            "note": self.note,
        }


def untestable(reason: str, seeds: Sequence[int] = ()) -> ClaimTest:
    """A claim that cannot be tested on this group (missing runs, too few subnets, ...)."""
    return ClaimTest("not testable", math.nan, math.nan, math.nan, "none", list(seeds), note=reason)


def seed_basis(n: int) -> str:
    return SEED_BASIS.format(n=n, df=n - 1) if n >= 2 else SUBNET_BASIS


def spread(values: Sequence[float]) -> float:
    """Sample variance (ddof 1); NaN with fewer than two values."""
    return float(np.var(values, ddof=1)) if len(values) >= 2 else math.nan


def points(value: float) -> str:
    """An accuracy difference (fraction) in percentage points, signed."""
    return "n/a" if value is None or math.isnan(value) else f"{100 * value:+.2f} pp"
