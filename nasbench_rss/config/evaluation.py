"""How a trained supernet's population is evaluated (the paper's protocol by default).

The subnets evaluated depend only on the architecture, the dataset's shape and
``seed``: every sampler in a suite is evaluated on the same subnets, so comparisons
between samplers are paired.  A suite sets this once, in ``defaults.evaluation``.  The test set (or its class-stratified
subset) is the cell's: ``test_subset`` of the dataset.
"""

from __future__ import annotations

from typing import Literal

import pydantic
from pydantic import Field

from nasbench_rss.hashing import json_hash
from nasbench_rss.limits import MAX_BUCKETS, BatchSize, Seed, SubnetsPerBucket
from nasbench_rss.space.buckets import PAPER_BUCKETS, PAPER_TOLERANCE
from nasbench_rss.space.population import BaseDistribution


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
        return self

    @property
    def config_hash(self) -> str:
        """Hash of every setting: an ``evaluation.json`` made with other settings is stale."""
        return json_hash(self.model_dump(mode="json"))

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
