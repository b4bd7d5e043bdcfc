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


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: TrainConfig(batch_size=10**20), "at most 65536"),
        (lambda: TrainConfig(image_size=100_000), "at most 1024"),
        (lambda: CellConfig(**{**CELL, "epochs": 10**20}, seed=0), "at most 10000"),
        (lambda: EvaluationConfig(per_bucket=100_000_000), "at most 10000"),
        (lambda: EvaluationConfig(batch_size=10**9), "at most 65536"),
        (lambda: EvaluationConfig(recalibration_images=2**20, recalibration_batch_size=2**20), "at most 65536"),
        (lambda: EvaluationConfig(buckets=tuple(range(1, 102))), "at most 100 items"),
        (lambda: _ray_options(num_cpus_per_cell=1e20), "at most 1024"),
        (lambda: _ray_options(max_retries=10**23), "at most 100"),
        (lambda: _local_options(stop_grace_seconds=1e20), "at most 86400"),
    ],
    ids=["batch", "image", "epochs", "per_bucket", "test-batch", "calibration-batch", "buckets", "cpus", "retries", "grace"],
)
def test_every_number_a_user_gives_is_bounded_in_the_python_api_too(make, message):
    with pytest.raises(pydantic.ValidationError, match=message):
        make()


def _ray_options(**options):
    from nasbench_rss.run.executors.ray_executor import RayOptions

    return RayOptions(**options)


def _local_options(**options):
    from nasbench_rss.run.executors.local import LocalOptions

    return LocalOptions(**options)


# ---------------------------------------------------------------- run-directory files


def test_a_manifest_larger_than_the_limit_is_refused_before_it_is_read(tmp_path):
    """A 1 GB manifest.json was read whole; a sparse file past the limit is refused from its size alone."""
    from nasbench_rss.limits import MAX_RECORD_BYTES
    from nasbench_rss.run.layout import RunFileError, read_manifest

    with open(tmp_path / "manifest.json", "wb") as file:
        file.truncate(MAX_RECORD_BYTES + 1)
    with pytest.raises(RunFileError) as info:
        read_manifest(tmp_path)
    assert f"{MAX_RECORD_BYTES + 1} bytes, more than the {MAX_RECORD_BYTES} bytes a run directory's file may have" in str(info.value)


@pytest.mark.parametrize("name", ["cell.json", "events.jsonl"])
def test_a_cell_file_larger_than_the_limit_is_a_damaged_file_naming_its_size(tmp_path, name):
    from nasbench_rss.cell.directory import CellDirectory, CellFileError
    from nasbench_rss.limits import MAX_RECORD_BYTES

    with open(tmp_path / name, "wb") as file:
        file.truncate(MAX_RECORD_BYTES + 1)
    directory = CellDirectory(tmp_path)
    with pytest.raises(CellFileError, match=f"{tmp_path / name}: cannot be read \\({MAX_RECORD_BYTES + 1} bytes, more than"):
        directory.read_jsonl(name) if name.endswith(".jsonl") else directory.read_json(name)


@pytest.mark.slow
@pytest.mark.parametrize("call", ["CellDirectory(d).read_json('cell.json')", "CellDirectory(d).read_jsonl('cell.json')", "read_manifest(d)"])
def test_a_fifo_in_a_run_directory_is_refused_at_once(tmp_path, call):
    import os
    import subprocess
    import sys

    name = "manifest.json" if "manifest" in call else "cell.json"
    os.mkfifo(tmp_path / name)
    script = (
        "import sys; from pathlib import Path\n"
        "from nasbench_rss.cell.directory import CellDirectory\nfrom nasbench_rss.run.layout import read_manifest\n"
        f"d = Path(sys.argv[1])\ntry:\n    {call}\nexcept Exception as error:\n    print(type(error).__name__, error)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert "it is a FIFO, not a regular file" in done.stdout, done.stdout + done.stderr
