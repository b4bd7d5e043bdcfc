"""How a trained supernet's population is evaluated (the paper's protocol by default).

The subnets evaluated depend only on the architecture, the dataset's shape and
``seed``: every sampler in a suite is evaluated on the same subnets, so comparisons
between samplers are paired.  A suite sets this once, in ``defaults.evaluation``.  The test set (or its class-stratified
subset) is the cell's: ``test_subset`` of the dataset.
"""

from __future__ import annotations

import math
from typing import Literal

import pydantic
from pydantic import Field

from nasbench_rss.hashing import json_hash
from nasbench_rss.limits import MAX_BUCKETS, BatchSize, Seed, SubnetsPerBucket
from nasbench_rss.space.buckets import PAPER_BUCKETS, PAPER_TOLERANCE
from nasbench_rss.space.population import BaseDistribution


CONVERGENCE_WINDOW = 0.25
"""The convergence rule looks at the gain over the last quarter of training (fraction of its epochs)."""


class DuringTraining(pydantic.BaseModel):
    """A learning curve: a panel of the evaluation list measured at fractions of training.

    The trainer keeps the weights at each point (a snapshot, until measured); the evaluation
    measures the panel on them with the cell's protocol, BN recalibrated, as it measures the
    trained population.  The panel is the first ``per_bucket`` subnets of each bucket's list
    (the draws are nested: they are the first draws of the full list), so every point of
    every run measures the same subnets and the final population holds them too.
    """

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    at: tuple[float, ...] = Field(
        (0.25, 0.5, 0.75), min_length=1, max_length=MAX_BUCKETS,
        description="fractions of training (0 < f < 1) after which the panel is measured; the end is always a point",
    )  # fmt: skip
    per_bucket: SubnetsPerBucket = Field(3, description="subnets of each bucket's list measured at every point (the panel)")
    converged_below: float = Field(
        1.0, gt=0, le=100,
        description="a population has converged when its mean gain over the last quarter of training is below this many accuracy points",
    )  # fmt: skip
    keep_snapshots: bool = Field(False, description="keep each point's weights once measured (false: deleted after measuring)")

    @pydantic.field_validator("at")
    @classmethod
    def _fractions(cls, at: tuple[float, ...]) -> tuple[float, ...]:
        outside = [f for f in at if not 0 < f < 1]
        if outside:
            raise ValueError(f"fractions of training must lie strictly between 0 and 1 (the end is always measured), got {outside}")
        if len(set(at)) != len(at):
            raise ValueError(f"fractions {list(at)} repeat a value; list each once")
        return tuple(sorted(at))

    def epochs(self, total: int) -> list[int]:
        """The epochs (counted as done, 1..total-1) after which the panel is measured in a ``total``-epoch run.

        Each fraction is rounded half up to an epoch boundary, at least 1 and at most
        ``total - 1``; fractions that land on the same epoch give one point (a 3-epoch run
        measures 0.5 and 0.75 both after epoch 2).  A 1-epoch run has no point but its end.
        """
        chosen = {min(total - 1, max(1, math.floor(f * total + 0.5))) for f in self.at}
        return sorted(e for e in chosen if 1 <= e < total)


class EvaluationConfig(pydantic.BaseModel):
    """Which subnets are evaluated and how their BN statistics are recalibrated."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    buckets: tuple[float, ...] = Field(PAPER_BUCKETS, min_length=1, max_length=MAX_BUCKETS, description="bucket centres in MFLOPs")
    tolerance: float = Field(PAPER_TOLERANCE, gt=0, description="half-width of each bucket in MFLOPs")
    per_bucket: SubnetsPerBucket = Field(100, description="subnets evaluated per bucket")
    mode: Literal["exact", "paper"] = Field(
        "exact", description="exact: the base distribution conditioned on the bucket; paper: the paper's rejection protocol"
    )
    base: BaseDistribution = Field("per-dimension", description="base distribution of subnets (per-dimension is the paper's)")
    seed: Seed = Field(0, description="evaluation seed (0..2**63-1): the subnet list depends on it, the architecture and the shape only")
    recalibration_images: int = Field(2000, ge=1, description="training images whose batch statistics reset BN (OFA: 2000)")
    recalibration_batch_size: BatchSize = Field(200, ge=2, description="batch size of BN recalibration (OFA: 200)")
    calibration_transform: Literal["train", "test"] = Field(
        "test",
        description=(
            "train: calibration images augmented once with the cell's training augmentation (OFA and the paper's code); "
            "test: test-time preprocessing only"
        ),
    )
    batch_size: BatchSize = Field(500, description="batch size of the test pass")
    during: DuringTraining | None = Field(None, description="a learning curve: the panel measured at fractions of training")

    @pydantic.field_validator("buckets")
    @classmethod
    def _distinct(cls, buckets: tuple[float, ...]) -> tuple[float, ...]:
        if any(b <= 0 for b in buckets):
            raise ValueError(f"buckets must be positive MFLOPs, got {list(buckets)}")
        if len(set(buckets)) != len(buckets):
            raise ValueError(f"buckets {list(buckets)} repeat a value; list each once")
        return tuple(sorted(buckets))

    @pydantic.model_validator(mode="after")
    def _batch_fits(self) -> "EvaluationConfig":
        if self.recalibration_batch_size > self.recalibration_images:
            raise ValueError(
                f"recalibration_batch_size {self.recalibration_batch_size} is more than recalibration_images "
                f"{self.recalibration_images}; allowed: at most recalibration_images"
            )
        if self.recalibration_images % self.recalibration_batch_size:
            # OFA averages batch statistics with equal weights, and a short last batch (one
            # image reaching a 1x1 layer) cannot even be normalised in train mode.
            raise ValueError(
                f"recalibration_images {self.recalibration_images} is not a multiple of recalibration_batch_size "
                f"{self.recalibration_batch_size}; allowed: equal batches, e.g. {self.recalibration_images // self.recalibration_batch_size * self.recalibration_batch_size} images"
            )
        if self.during is not None and self.during.per_bucket > self.per_bucket:
            raise ValueError(
                f"during.per_bucket {self.during.per_bucket} is more than per_bucket {self.per_bucket}; allowed: 1 to "
                f"{self.per_bucket} (the panel is the first subnets of each bucket's list)"
            )
        return self

    @property
    def config_hash(self) -> str:
        """Hash of every setting: an ``evaluation.json`` made with other settings is stale.

        Without a learning curve the hash is what it was before ``during`` existed.
        """
        settings = self.model_dump(mode="json")
        if settings["during"] is None:
            del settings["during"]
        return json_hash(settings)

    @property
    def calibration_key(self) -> str:
        """Hash of what decides one subnet's result (besides the weights and the test set).

        A subnet evaluated under the same key is not evaluated again, even when the bucket
        list or ``per_bucket`` changed; the test pass's batch size only changes rounding.
        """
        key = {"seed": self.seed, "images": self.recalibration_images, "batch_size": self.recalibration_batch_size}
        if self.calibration_transform != "test":  # keys made before the option existed stay valid for "test"
            key["transform"] = self.calibration_transform
        return json_hash(key)
