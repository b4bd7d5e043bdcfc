"""What only a CUDA device shows: bf16 autocast in training, CUDA RNG state in checkpoints
and exact resume, evaluation agreeing with the CPU's, several cells sharing one GPU.

Every test here is marked ``gpu`` and skipped where torch sees no CUDA device (the hook in
tests/conftest.py); on a GPU machine run them with ``pytest -m gpu`` (what
``benchmarks/device_check.py`` does).  They use the small synthetic data of the trainer
tests (16x16, 4 steps per epoch), so each takes seconds on a GPU.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from tests.run.run_helpers import cli, suite_text
from tests.train.test_trainer import assert_same_weights, cell_config, checkpoint, quiet, read_events, weights

from nasbench_rss.cell.directory import PROVENANCE_FILE, CellDirectory
from nasbench_rss.run.runner import train_cell
from nasbench_rss.evaluate.cell import calibration_images, load_trained_weights
from nasbench_rss.config.evaluation import EvaluationConfig
from nasbench_rss.evaluate.measure import SubnetEvaluator
from nasbench_rss.space.population import sample
from nasbench_rss.train import loop as loop_module
from nasbench_rss.runtime.build import build_cell
from nasbench_rss.config.training import CellConfig
from nasbench_rss.runtime.device import Numerics
from nasbench_rss.train.observers.base import TrainObserver

pytestmark = pytest.mark.gpu

CUDA = torch.device("cuda")
DEVICE = "cuda"


class AutocastProbe(TrainObserver):
    """Records the dtype of the supernet's output (the logits) at every training forward pass,
    and every step's losses: bf16 logits mean the step ran under bf16 autocast."""

    def __init__(self) -> None:
        self.dtypes: set[torch.dtype] = set()
        self.losses: list[torch.Tensor] = []

    def on_train_start(self, run) -> None:
        run.cell.model.register_forward_hook(lambda module, inputs, output: self.dtypes.add(output.dtype))

    def on_step(self, step) -> None:
        self.losses.append(step.losses.detach().float().cpu())


def test_training_on_cuda_runs_under_bf16_autocast_with_fp32_weights_and_a_finite_loss(tmp_path):
    config = cell_config(epochs=2)
    assert Numerics.choose(config.train, CUDA).autocast_dtype == torch.bfloat16  # precision auto: bf16 on CUDA
    assert Numerics.choose(config.train, torch.device("cpu")).autocast_dtype is None  # and fp32 on the CPU

    probe = AutocastProbe()
    result = train_cell(config, tmp_path, device=DEVICE, events=quiet, observers=(probe,))

    assert result["provenance"]["device_type"] == "cuda" and result["provenance"]["precision"] == "bf16 autocast"
    assert probe.dtypes == {torch.bfloat16}, probe.dtypes  # every training forward pass ran under autocast
    assert len(probe.losses) == 8 and all(torch.isfinite(loss).all() for loss in probe.losses)
    events = read_events(tmp_path)
    assert [e["epoch"] for e in events] == [0, 1]
    assert all(math.isfinite(e["train_loss"]) and e["train_loss"] > 0 for e in events)
    # the weights (and the optimizer's state) stay fp32: autocast only lowers the compute
    assert {tensor.dtype for name, tensor in weights(tmp_path).items() if tensor.is_floating_point()} == {torch.float32}


@pytest.mark.parametrize(("sampler", "epochs", "stops"), [("rss", 4, (2,)), ("progressive-shrinking", 6, (1, 3, 4))])
def test_an_interrupted_cell_resumes_on_cuda_to_the_weights_of_an_uninterrupted_one(tmp_path, deterministic_cuda, sampler, epochs, stops):
    """The CPU test's shape (tests/train/test_trainer.py) on CUDA, where dropout draws from the
    CUDA generator: its state must be in every checkpoint and restored on resume.

    Deterministic kernels (the fixture) make an uninterrupted run repeatable bit for bit;
    the tolerance is the CPU test's (1e-6), and the last part shows it is tight enough to
    see a resume that loses the CUDA generator's state."""
    config = cell_config(sampler=sampler, epochs=epochs)
    whole = train_cell(config, tmp_path / "whole", device=DEVICE, events=quiet)

    out = tmp_path / "pieces"
    done = 0
    for stop in stops:
        assert train_cell(config, out, device=DEVICE, events=quiet, epoch_limit=stop - done) is None
        done = stop
        rng = checkpoint(out)["rng"]
        assert "cuda" in rng and rng["cuda"].dtype == torch.uint8 and rng["cuda"].numel() > 0  # the CUDA generator's state is saved
        assert not (out / "result.json").exists()
    pieces = train_cell(config, out, device=DEVICE, events=quiet)

    assert_same_weights(weights(tmp_path / "whole"), weights(out))
    strip = lambda events: [{k: v for k, v in e.items() if k not in ("seconds", "images_per_second")} for e in events]
    assert strip(read_events(out)) == strip(read_events(tmp_path / "whole"))
    assert pieces["exposure"] == whole["exposure"]


def test_a_resume_that_loses_the_cuda_rng_state_is_seen(tmp_path, deterministic_cuda, monkeypatch):
    """The control of the test above: without restoring the CUDA generator, dropout after the
    resume draws other masks and the weights end elsewhere (so 1e-6 would catch it)."""
    config = cell_config(epochs=4)
    train_cell(config, tmp_path / "whole", device=DEVICE, events=quiet)
    train_cell(config, tmp_path / "pieces", device=DEVICE, events=quiet, epoch_limit=2)
    restore = loop_module.Trainer._set_rng_states
    monkeypatch.setattr(loop_module.Trainer, "_set_rng_states", lambda self, states: restore(self, {k: v for k, v in states.items() if k != "cuda"}))
    train_cell(config, tmp_path / "pieces", device=DEVICE, events=quiet)
    a, b = weights(tmp_path / "whole"), weights(tmp_path / "pieces")
    assert max((a[name].float() - b[name].float()).abs().max().item() for name in a) > 1e-6


ACCURACY_TOLERANCE = 0.005
"""CPU vs CUDA accuracy, both fp32 (TF32 off), same weights and images: 0.5 percentage points
(5 of the 1024 test images).  The two differ only in the order of float32 reductions
(convolutions, BN batch statistics, about 1e-6 relative on a logit), which can change a
prediction only where the top two logits are that close: a handful of images at most."""
LOSS_TOLERANCE = 1e-3
"""Relative, on the mean cross-entropy: rounding differences of about 1e-6 per logit leave it
well inside 1e-3; a wrong BN statistic or a layout mix-up moves it by far more."""


def test_evaluation_on_cuda_equals_the_cpus_in_fp32(tmp_path, strict_fp32):
    config = CellConfig(
        arch="mobilenet-v3", dataset="synthetic", sampler="rss", epochs=6, seed=0,
        dataset_options={"train_size": 256, "test_size": 1024, "num_classes": 4, "channels": 1, "image_size": 16},
        train={"batch_size": 32, "image_size": 16, "lr": 0.1, "augmentation": "none", "precision": "fp32"},
    )  # fmt: skip
    train_cell(config, tmp_path, device="cpu", events=quiet)  # trained once; both devices load these weights
    evaluation = EvaluationConfig(buckets=(5,), per_bucket=1, recalibration_images=128, recalibration_batch_size=32, batch_size=256)
    scores = []
    for device in (torch.device("cpu"), CUDA):
        cell = build_cell(config, device)
        assert cell.numerics.autocast_dtype is None  # fp32 on both
        load_trained_weights(cell, CellDirectory(tmp_path))
        evaluator = SubnetEvaluator(
            cell.model, calibration_images(cell, evaluation), cell.augmenter.evaluate(cell.dataset.test_images),
            cell.dataset.test_labels, evaluation.recalibration_batch_size, evaluation.batch_size, None,
        )  # fmt: skip
        space = cell.model.space
        subnets = [space.smallest(), space.largest(), *sample(space, 4, np.random.default_rng(0))]
        scores.append([(s.encode(), evaluator.score(s)) for s in subnets])
    for (encoding, cpu), (same, cuda) in zip(*scores):
        assert encoding == same
        assert abs(cpu.accuracy - cuda.accuracy) <= ACCURACY_TOLERANCE, (encoding, cpu, cuda)
        assert cuda.loss == pytest.approx(cpu.loss, rel=LOSS_TOLERANCE), (encoding, cpu, cuda)
    # trained enough that the comparison means something (not every subnet at chance, 0.25)
    assert max(score.accuracy for _, score in scores[0]) > 0.3, scores[0]


def test_cells_per_gpu_2_trains_two_cells_side_by_side_on_one_gpu(tmp_path):
    suite = tmp_path / "suite.yaml"
    suite.write_text(suite_text(name="two-on-one", seeds="[0, 1]", epochs=2))
    out = tmp_path / "run"
    result = cli("run", str(suite), "--out", str(out), "--device", "cuda:0", "--cells-per-gpu", "2", "--plain", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]

    manifest = json.loads((out / "manifest.json").read_text())
    invocation = manifest["invocations"][-1]
    assert invocation["status"] == "complete" and invocation["jobs"] == 2 and invocation["cells_per_gpu"] == 2
    cells = sorted(out.glob("cells/*/*/*/seed*"))
    assert len(cells) == 2
    threads = 1  # training.threads (the default), whatever the slots
    for cell in cells:
        assert (cell / "result.json").exists() and (cell / "evaluation.json").exists(), sorted(p.name for p in cell.iterdir())
        provenance = json.loads((cell / PROVENANCE_FILE).read_text())
        assert provenance["device"] == "cuda:0" and provenance["threads"] == threads, provenance
