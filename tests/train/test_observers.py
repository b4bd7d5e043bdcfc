"""The observer seam: a TensorBoard observer (a plugin, not part of the loop) and an observer's contract."""

from __future__ import annotations

import pytest
import torch

from nasbench_rss.cell.directory import EVENTS_FILE, TENSORBOARD_DIR, CellDirectory
from nasbench_rss.run.runner import RunnerEvents, train_cell
from nasbench_rss.plugins import get_registry
from nasbench_rss.config.training import CellConfig
from nasbench_rss.train.observers.base import TrainObserver

SYNTHETIC = {"train_size": 128, "test_size": 32, "num_classes": 4, "channels": 1, "image_size": 16}



def config(epochs: int = 3) -> CellConfig:
    return CellConfig(
        arch="mobilenet-v3", dataset="synthetic", dataset_options=SYNTHETIC, sampler="rss", epochs=epochs, seed=0,
        train={"batch_size": 32, "image_size": 16},
    )  # fmt: skip


def scalars(directory: CellDirectory, tag: str) -> list[tuple[int, float]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(directory.file(TENSORBOARD_DIR)))
    accumulator.Reload()
    return [(event.step, event.value) for event in accumulator.Scalars(tag)]


def tensorboard():
    entry = get_registry().get("observer", "tensorboard")
    return entry.factory(entry.options_model())


def test_tensorboard_writes_each_epochs_record_and_a_resume_leaves_no_duplicates(tmp_path):
    pytest.importorskip("tensorboard")
    directory = CellDirectory(tmp_path / "cell")
    train_cell(config(), directory.path, "cpu", events=RunnerEvents(quiet=True), epoch_limit=2, observers=(tensorboard(),))
    train_cell(config(), directory.path, "cpu", events=RunnerEvents(quiet=True), observers=(tensorboard(),))
    events = directory.read_jsonl(EVENTS_FILE).records
    loss = scalars(directory, "train/loss")
    assert [step for step, _ in loss] == [1, 2, 3]  # one value per epoch, the resumed epochs not repeated
    assert [value for _, value in loss] == pytest.approx([e["train_loss"] for e in events])
    assert [v for _, v in scalars(directory, "time/epoch_seconds")] == pytest.approx([e["seconds"] for e in events])
    assert [v for _, v in scalars(directory, "exposure/steps_bucket_outside")][-1] == events[-1]["exposure_buckets"]["outside"]


class Recorder(TrainObserver):
    """Records what it sees, keeps a count in the checkpoint, and adds a field to each epoch."""

    state_key = "recorder"

    def __init__(self) -> None:
        self.steps = 0
        self.seen: list[str] = []
        self.closed = False

    def on_train_start(self, run) -> None:
        self.seen.append(f"start@{run.start_epoch}")

    def on_step(self, step) -> None:
        self.steps += 1
        assert step.losses.shape == (len(step.subnets),) and torch.isfinite(step.losses).all()

    def on_epoch_end(self, epoch, record) -> None:
        assert "seconds" in record and "subnets" in record  # timing and exposure ended before it
        record["recorded_steps"] = self.steps

    def on_train_end(self, result) -> None:
        result["recorder"] = self.steps

    def state_dict(self):
        return {"steps": self.steps}

    def load_state_dict(self, state) -> None:
        self.steps = state["steps"]

    def close(self) -> None:
        self.closed = True


def test_an_observer_sees_every_step_adds_to_records_and_resumes_with_its_state(tmp_path):
    first, second = Recorder(), Recorder()
    train_cell(config(), tmp_path, "cpu", events=RunnerEvents(quiet=True), epoch_limit=2, observers=(first,))
    result = train_cell(config(), tmp_path, "cpu", events=RunnerEvents(quiet=True), observers=(second,))
    assert first.seen == ["start@0"] and second.seen == ["start@2"] and first.closed and second.closed
    assert [e["recorded_steps"] for e in CellDirectory(tmp_path).read_jsonl(EVENTS_FILE).records] == [4, 8, 12]
    assert result["recorder"] == 12  # restored from the checkpoint, then the last epoch's 4 steps
