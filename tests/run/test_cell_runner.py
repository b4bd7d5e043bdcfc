"""CellRunner in-process: what makes a process fit to continue a cell, and what a cell's state says."""

from __future__ import annotations

import json
import re

import pytest

from nasbench_rss.cell.directory import PROVENANCE_FILE, CellDirectory
from nasbench_rss.run.runner import ProvenanceChanged, RunnerEvents, train_cell
from nasbench_rss.config.training import CellConfig

SYNTHETIC = {"train_size": 128, "test_size": 32, "num_classes": 4, "channels": 1, "image_size": 16}
QUIET = RunnerEvents(quiet=True)


def config(epochs: int = 3) -> CellConfig:
    return CellConfig(
        arch="mobilenet-v3", dataset="synthetic", dataset_options=SYNTHETIC, sampler="rss", epochs=epochs, seed=0,
        train={"batch_size": 32, "image_size": 16},
    )  # fmt: skip


def pretend_started_under_other_torch(directory: CellDirectory) -> dict:
    recorded = directory.read_json(PROVENANCE_FILE)
    directory.write_json(PROVENANCE_FILE, {**recorded, "torch": "1.13.0"})
    return recorded


def test_a_cell_with_a_checkpoint_is_not_continued_under_other_torch_unless_allowed(tmp_path):
    directory = CellDirectory(tmp_path)
    train_cell(config(), tmp_path, "cpu", events=QUIET, epoch_limit=1)
    ours = pretend_started_under_other_torch(directory)
    with pytest.raises(ProvenanceChanged, match=rf"torch 1\.13\.0 -> {re.escape(ours['torch'])}.*--allow-changed-environment"):
        train_cell(config(), tmp_path, "cpu", events=QUIET)
    assert directory.latest_checkpoint()[0] == 1  # nothing more trained
    result = train_cell(config(), tmp_path, "cpu", events=QUIET, allow_changed_environment=True)
    (change,) = result["provenance"]["resumed_under"]
    assert change["epochs_done"] == 1 and change["changes"] == [f"torch 1.13.0 -> {ours['torch']}"]
    assert result["provenance"]["torch"] == "1.13.0"  # what it started with stays on record


def test_before_its_first_checkpoint_a_cell_starts_afresh_under_this_process(tmp_path):
    directory = CellDirectory(tmp_path)
    train_cell(config(), tmp_path, "cpu", events=QUIET, epoch_limit=1)
    pretend_started_under_other_torch(directory)
    for _, path in directory.checkpoints():  # as if killed during its first epoch
        path.unlink()
    result = train_cell(config(), tmp_path, "cpu", events=QUIET)
    assert result["provenance"]["torch"] != "1.13.0" and "resumed_under" not in result["provenance"]
    assert json.loads((tmp_path / PROVENANCE_FILE).read_text())["torch"] == result["provenance"]["torch"]


def test_a_cells_state_follows_its_files(tmp_path):
    directory = CellDirectory(tmp_path / "cell")
    assert directory.state().status == "pending"
    train_cell(config(), directory.path, "cpu", events=QUIET, epoch_limit=2)
    assert (directory.state().status, directory.state().epochs_done) == ("interrupted", 2)
    train_cell(config(), directory.path, "cpu", events=QUIET)
    assert (directory.state("some-hash").status, directory.state().epochs_done) == ("trained", 3)
    directory.write_json("failure.json", {"error": "EvaluationError: x", "stage": "evaluate"})
    assert directory.state("some-hash").status == "failed" and directory.state().result is not None
    (directory.path / "result.json").write_text("{")
    damaged = directory.state()
    assert damaged.status == "damaged" and "result.json: not valid JSON" in damaged.problem
