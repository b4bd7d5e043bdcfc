"""The options of the built-in claim kinds: what a suite writes under ``claims:``.

A claim names runs of the suite and, for some kinds, evaluation buckets; the suite's
resolver checks both (a misspelt run fails at its line).  Accuracies are fractions
(0.01 is one percentage point), as the evaluation records them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

import pydantic
from pydantic import Field

from nasbench_rss.config.claims import (
    BUCKETS_HELP,
    POOLED_HELP,
    RUN_KEYS,
    Bucket,
    Buckets,
    ClaimOptions,
    Margin,
    RunName,
)
from nasbench_rss.stats.exposure import SMOOTHING_BANDWIDTH

__all__ = ["RUN_KEYS", "ClaimOptions"]  # the base every kind's options derive from (docs/writing-plugins.md)

class BetterOptions(ClaimOptions):
    """``run``'s subnets are more accurate than ``than``'s (by more than ``margin``)."""

    run: RunName = Field(description="the run claimed better")
    than: RunName = Field(description="the run it is claimed better than")
    buckets: Buckets = Field("all", description=BUCKETS_HELP)
    pooled: bool = Field(False, description=POOLED_HELP)
    margin: Margin = Field(0.0, description="accuracy (fraction) the run must beat the other by; default 0")


class BetterAtEqualCostOptions(BetterOptions):
    """``run``'s population is more accurate than ``than``'s at equal training MACs, on their learning curves
    (the margin, if any, at the largest cost both reached)."""


class NotWorseOptions(ClaimOptions):
    """Non-inferiority: ``run`` is at most ``margin`` less accurate than ``than``."""

    run: RunName = Field(description="the run claimed not worse")
    than: RunName = Field(description="the reference run")
    margin: Annotated[float, Field(gt=0, le=1)] = Field(description="the largest accuracy loss (fraction) still 'not worse', e.g. 0.01")
    buckets: Buckets = Field("all", description=BUCKETS_HELP)
    pooled: bool = Field(False, description=POOLED_HELP)


class LowerVarianceOptions(ClaimOptions):
    """``run``'s accuracies spread less than ``than``'s."""

    run: RunName = Field(description="the run claimed to spread less")
    than: RunName = Field(description="the reference run")
    scope: Literal["population", "buckets"] = Field(
        "population", description="population: all evaluated subnets together (the paper's Fig. 1b); buckets: in every named bucket"
    )
    buckets: Buckets = Field("all", description=f"with scope buckets: {BUCKETS_HELP}")


class FasterOptions(ClaimOptions):
    """``run`` trains at least ``at_least`` times faster than ``than`` (``than``'s time over ``run``'s)."""

    run: RunName = Field(description="the run claimed faster")
    than: RunName = Field(description="the reference run")
    at_least: Annotated[float, Field(gt=0)] = Field(1.0, description="the ratio the claim says is exceeded (1: simply faster)")
    clock: Literal["cpu", "wall", "macs"] = Field(
        "cpu",
        description="cpu: process CPU time (robust to other jobs on the machine; wall time where it was not recorded, said so); "
        "wall: the paper's wall clock; macs: training multiply-accumulates, counted (the same on every machine; "
        "not testable for cells trained before they were counted)",
    )


class PeakAtOptions(ClaimOptions):
    """``run``'s mean accuracy across buckets peaks at ``bucket`` (the paper's Fig. 6)."""

    run: RunName = Field(description="the run whose accuracy profile is claimed to peak")
    bucket: Bucket = Field(description="the bucket target (MFLOPs) where it peaks")


class BiasFollowsExposureOptions(ClaimOptions):
    """``run``'s bucket accuracy rises with how much training the bucket's neighbourhood got (Fig. 6)."""

    run: RunName = Field(description="the run")
    bandwidth: Annotated[float, Field(gt=0)] = Field(
        SMOOTHING_BANDWIDTH,
        description=f"MFLOPs: the Gaussian kernel that spreads each trained subnet's steps over nearby buckets (default {SMOOTHING_BANDWIDTH:g}: the paper's bucket spacing)",
    )


class OrderingOptions(ClaimOptions):
    """``runs`` are ordered by accuracy, best first: each is better than the next (Fig. 5)."""

    runs: Annotated[list[RunName], Field(min_length=2)] = Field(description="run names, the most accurate first")
    buckets: Buckets = Field("all", description=BUCKETS_HELP)
    pooled: bool = Field(True, description=POOLED_HELP + " (default true: the order of the whole population)")

    @pydantic.model_validator(mode="before")
    @classmethod
    def _bare_list(cls, value: Any) -> Any:
        """``ordering: [a, b, c]`` is short for ``ordering: {runs: [a, b, c]}``."""
        return {"runs": value} if isinstance(value, list) else value

    @pydantic.model_validator(mode="after")
    def _distinct(self) -> "OrderingOptions":
        if len(set(self.runs)) != len(self.runs):
            raise ValueError(f"runs must be distinct; got {self.runs}")
        return self


class InteractionOptions(ClaimOptions):
    """A change moves two methods alike (or one more): ``change = [a, b]`` vs ``versus = [c, d]``.

    The effect of the first change is accuracy(a) - accuracy(b), of the second
    accuracy(c) - accuracy(d), on the same subnets; the contrast is their difference.
    """

    change: Annotated[list[RunName], Field(min_length=2, max_length=2)] = Field(description="[changed run, its reference]")
    versus: Annotated[list[RunName], Field(min_length=2, max_length=2)] = Field(description="[changed run, its reference] of the other method")
    expect: Literal["same", "larger", "smaller"] = Field(
        "same",
        description="same: the two effects differ by less than margin (an equivalence test); larger/smaller: the first "
        "effect is above/below the second",
    )
    margin: Margin = Field(0.0, description="with expect same: the largest difference of effects (fraction) still 'the same' (> 0)")
    buckets: Buckets = Field("all", description=BUCKETS_HELP)
    pooled: bool = Field(True, description=POOLED_HELP + " (default true)")

    @pydantic.model_validator(mode="after")
    def _margin_for_same(self) -> "InteractionOptions":
        if self.expect == "same" and self.margin <= 0:
            raise ValueError("expect 'same' needs a margin > 0 (the largest difference of effects still called the same), e.g. 0.01")
        return self


InterferenceMeasure = Literal["hurt-share", "cosine", "pairwise-cosine"]


class InterferenceOptions(ClaimOptions):
    """``run`` shows more (or less) interference than ``than`` in what the interference probe measured."""

    run: RunName = Field(description="the run the claim is about")
    than: RunName = Field(description="the reference run")
    measure: InterferenceMeasure = Field(
        "hurt-share",
        description="hurt-share: share of probe updates that raised an untrained probe's loss; cosine: mean cosine between "
        "the update and a probe's descent direction; pairwise-cosine: mean cosine between the gradients of the subnets one "
        "step sums (both runs must train several subnets per step)",
    )
    direction: Literal["higher", "lower"] = Field("higher", description="whether run's measure is claimed higher or lower than than's")


RankingMeasure = Literal["kendall-tau", "spearman-rho", "pearson-r", "precision-at-k", "top-pick-rank"]


class RankingOptions(ClaimOptions):
    """``run``'s inherited accuracies rank the stand-alone references better than ``than``'s do, or beyond ``value``."""

    run: RunName = Field(description="the run the claim is about")
    than: RunName | None = Field(None, description="the run whose ranking it is claimed better than (or give value)")
    value: float | None = Field(
        None, description="the bound the measure is claimed to beat: above it (below it for top-pick-rank); or give than"
    )
    measure: RankingMeasure = Field(
        "kendall-tau",
        description="kendall-tau, spearman-rho, pearson-r (inherited vs stand-alone accuracy), precision-at-k (share of the "
        "supernet's top 20% that is in the stand-alone top 20%) or top-pick-rank (stand-alone rank of the supernet's best; "
        "lower is better)",
    )
    scope: Union[Literal["all"], float] = Field(
        "all", description="all: every reference together; a bucket target (MFLOPs): that bucket's references only"
    )

    @pydantic.model_validator(mode="after")
    def _one_reference(self) -> "RankingOptions":
        if (self.than is None) == (self.value is None):
            raise ValueError("give exactly one of than (a run to compare with) and value (a bound on the measure)")
        return self

    def bucket_fields(self) -> list[tuple[tuple[Any, ...], float]]:
        return [] if self.scope == "all" else [(("scope",), float(self.scope))]
