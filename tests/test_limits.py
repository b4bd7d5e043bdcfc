"""Bounds the config models share, in the Python API (suite files: tests/suite/test_suite_checks.py)."""

from __future__ import annotations

import pydantic
import pytest

from nasbench_rss.data.options import SyntheticOptions
from nasbench_rss.config.evaluation import EvaluationConfig
from nasbench_rss.limits import MAX_SEED, MAX_SUBNETS_PER_STEP
from nasbench_rss.samplers.per_batch import PerBatchSampler
from nasbench_rss.samplers.progressive_shrinking import ProgressiveShrinking
from nasbench_rss.config.training import CellConfig, TrainConfig

HUGE = int("9" * 260)
CELL = dict(arch="mobilenet-v3", dataset="synthetic", sampler="rss", epochs=1)


@pytest.mark.parametrize(
    "make",
    [
        lambda seed: CellConfig(**CELL, seed=seed),
        lambda seed: EvaluationConfig(seed=seed),
        lambda seed: SyntheticOptions(seed=seed),
    ],
    ids=["cell", "evaluation", "synthetic"],
)
def test_every_seed_is_what_torch_takes(make):
    assert MAX_SEED == 2**63 - 1
    assert make(MAX_SEED).seed == MAX_SEED
    for seed in (MAX_SEED + 1, HUGE):
        with pytest.raises(pydantic.ValidationError, match=r"not allowed; allowed: at most 2\*\*63 - 1 = 9223372036854775807 \(seeds are 0\.\.2\*\*63-1"):
            make(seed)
    with pytest.raises(pydantic.ValidationError):
        make(-1)


def test_a_huge_seed_is_shown_short():
    with pytest.raises(pydantic.ValidationError) as info:
        CellConfig(**CELL, seed=HUGE)
    assert "999999999999...999999 (260 digits) not allowed" in str(info.value)


def test_subnets_per_step_are_at_most_64():
    assert MAX_SUBNETS_PER_STEP == 64
    assert PerBatchSampler.Config(k=64).k == 64
    with pytest.raises(pydantic.ValidationError, match="1000000000 not allowed; allowed: at most 64 .each subnet of a step is a forward and a backward pass"):
        PerBatchSampler.Config(k=1_000_000_000)
    assert ProgressiveShrinking.Config(subnets_per_step=[1, 2, 2, 4, 64]).subnets_per_step[-1] == 64
    with pytest.raises(pydantic.ValidationError, match="65 not allowed; allowed: at most 64"):
        ProgressiveShrinking.Config(subnets_per_step="1,2,2,4,65")
    assert PerBatchSampler.Config.model_json_schema()["properties"]["k"]["maximum"] == 64


@pytest.mark.parametrize(
    "make",
    [
        lambda: TrainConfig(lr=float("inf")),
        lambda: TrainConfig(momentum=float("nan")),
        lambda: TrainConfig(lr="inf"),  # what `nasbench-rss train --train-option lr=inf` passes
        lambda: EvaluationConfig(buckets=(4, float("inf"))),
        lambda: EvaluationConfig(tolerance=float("nan")),
        lambda: SyntheticOptions(noise=float("nan")),
        lambda: ProgressiveShrinking.Config(kd_ratio=float("inf")),
    ],
)
def test_no_config_takes_an_infinite_or_nan_number(make):
    with pytest.raises(pydantic.ValidationError, match="Input should be a finite number"):
        make()
