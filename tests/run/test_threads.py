"""``training.threads``: a cell's CPU threads are one of its settings, whatever runs it.

Issue 22's broken contract "results depend on how a suite was run": a cell's thread count
came from the executor and ``--jobs`` (cores // jobs, all cores for ``--jobs 1``, a Ray
task's ``num_cpus_per_cell``), and float reductions depend on it, so the same cell gave
other accuracies under ``--jobs 1``, ``--jobs 2`` or ``--executor ray``.
"""

from __future__ import annotations

import importlib.util
import io
import json

import pydantic
import pytest
import torch
from tests.run.run_helpers import RSS_RUN, cell_dirs, cli, suite_text

from nasbench_rss.cell.directory import PROVENANCE_FILE, CellDirectory
from nasbench_rss.cell.planned import config_hash
from nasbench_rss.cli import main
from nasbench_rss.config.training import CellConfig, TrainConfig
from nasbench_rss.exit_codes import EXIT_OK
from nasbench_rss.limits import MAX_THREADS
from nasbench_rss.run.executors import base
from nasbench_rss.run.executors.base import oversubscription, resolve_jobs
from nasbench_rss.run.runner import RunnerEvents, train_cell

HAVE_RAY = importlib.util.find_spec("ray") is not None
SYNTHETIC = {"train_size": 128, "test_size": 32, "num_classes": 4, "channels": 1, "image_size": 16}


def cell_config(threads: int = 1, epochs: int = 2) -> CellConfig:
    return CellConfig(
        arch="mobilenet-v3", dataset="synthetic", dataset_options=SYNTHETIC, sampler="rss", epochs=epochs, seed=0,
        train={"batch_size": 32, "image_size": 16, "threads": threads},
    )  # fmt: skip


class Log(RunnerEvents):
    def __init__(self) -> None:
        super().__init__(quiet=True)
        self.lines: list[str] = []

    def log(self, message: str) -> None:
        self.lines.append(message)


def test_threads_is_a_bounded_training_setting_and_part_of_a_cells_identity():
    assert TrainConfig().threads == 1
    for bad in (0, -1, MAX_THREADS + 1, 1e20):
        with pytest.raises(pydantic.ValidationError, match="threads"):
            TrainConfig(threads=bad)
    assert config_hash(cell_config(1)) != config_hash(cell_config(2))


def test_validate_shows_the_resolved_threads_and_where_they_came_from(tmp_path):
    path = tmp_path / "suite.yaml"
    path.write_text(suite_text(runs=RSS_RUN % 1 + "  two: {sampler: rss, epochs: 1, training: {threads: 2}}\n"))
    shown = io.StringIO()
    assert main(["validate", str(path)], out=shown) == EXIT_OK
    rows = [line.split() for line in shown.getvalue().splitlines() if line.startswith("training.threads")]
    assert rows == [["training.threads", "1", "default"], ["training.threads", "2", "suite.yaml:14"]]  # the line of "two"


def test_jobs_default_on_the_cpu_is_as_many_cells_as_the_cores_hold(monkeypatch):
    monkeypatch.setattr(base, "usable_cores", lambda: 8)
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    assert [resolve_jobs("cpu", None, 1, threads) for threads in (1, 3, 8, 16)] == [8, 2, 1, 1]
    assert resolve_jobs("auto", None) == 8
    assert resolve_jobs("cpu", 3, 1, 16) == 3  # --jobs as given, however many threads
    monkeypatch.setattr("torch.cuda.is_available", lambda: True)
    monkeypatch.setattr("torch.cuda.device_count", lambda: 2)
    assert resolve_jobs("auto", None, 1, 1) == 1  # on CUDA: as before
    assert resolve_jobs("cpu", None, 1, 2) == 4  # a CPU run on a machine with GPUs


def test_more_threads_than_cores_is_a_warning_not_a_refusal(monkeypatch):
    monkeypatch.setattr(base, "usable_cores", lambda: 2)
    assert oversubscription(2, 1) is None and oversubscription(1, 2) is None
    warning = oversubscription(2, 2)
    assert warning.startswith("warning: --jobs 2 x training.threads 2 = 4 CPU threads on 2 usable cores")


def test_the_in_process_runner_runs_a_cell_with_its_threads_and_gives_the_callers_back(tmp_path):
    before = torch.get_num_threads()
    result = train_cell(cell_config(threads=2), tmp_path, "cpu", events=RunnerEvents(quiet=True))
    assert result["provenance"]["threads"] == 2
    assert {json.loads(line)["threads"] for line in (tmp_path / "events.jsonl").read_text().splitlines()} == {2}
    assert torch.get_num_threads() == before


def test_a_cell_started_before_threads_existed_keeps_the_threads_it_recorded(tmp_path):
    directory = CellDirectory(tmp_path)
    train_cell(cell_config(epochs=2), tmp_path, "cpu", events=RunnerEvents(quiet=True), epoch_limit=1)
    directory.write_json(PROVENANCE_FILE, {**directory.read_json(PROVENANCE_FILE), "threads": 3})  # as an older version wrote it
    events = Log()
    result = train_cell(cell_config(epochs=2), tmp_path, "cpu", events=events)
    assert "using the 3 CPU threads the cell started with (its provenance.json), not training.threads 1" in "\n".join(events.lines)
    assert result["provenance"]["threads"] == 3
    assert json.loads((tmp_path / "events.jsonl").read_text().splitlines()[-1])["threads"] == 3


# ------------------------------------------------------------------ the same bits however the suite runs


def outcome(out) -> dict[str, tuple]:
    """Each cell's weights digest, measured subnets (floats exact) and recorded threads."""
    cells = {}
    for cell in cell_dirs(out):
        result = json.loads((cell / "result.json").read_text())
        records = [json.loads(line) for line in (cell / "evaluation.jsonl").read_text().splitlines() if line.strip()]
        cells[cell.name] = (result["weights"], [(r["key"], r["accuracy"], r["loss"]) for r in records], result["provenance"]["threads"])
    return cells


@pytest.fixture(scope="module")
def two_cells(tmp_path_factory):
    """A suite of two cells, one at the default 1 thread and one at 2, and its run under --jobs 1."""
    root = tmp_path_factory.mktemp("threads")
    suite = root / "suite.yaml"
    suite.write_text(suite_text(runs=RSS_RUN % 1 + "  two: {sampler: rss, epochs: 1, training: {threads: 2}}\n"))
    done = cli("run", str(suite), "--out", str(root / "jobs1"), "--jobs", "1")
    assert done.returncode == EXIT_OK, done.stderr[-3000:]
    reference = outcome(root / "jobs1")
    assert sorted(threads for _, _, threads in reference.values()) == [1, 2] and all(r[1] for r in reference.values())
    return suite, reference


@pytest.mark.slow
def test_jobs_2_gives_the_bits_of_jobs_1(two_cells, tmp_path):
    suite, reference = two_cells
    done = cli("run", str(suite), "--out", str(tmp_path / "jobs2"), "--jobs", "2")
    assert done.returncode == EXIT_OK, done.stderr[-3000:]
    if base.usable_cores() < 4:
        assert "warning: --jobs 2 x training.threads 2 = 4 CPU threads on" in done.stderr
    assert outcome(tmp_path / "jobs2") == reference


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_RAY, reason="ray is not installed (pip install 'nasbench-rss[ray]')")
def test_ray_gives_the_bits_of_jobs_1(two_cells, tmp_path):
    suite, reference = two_cells
    done = cli("run", str(suite), "--out", str(tmp_path / "ray"), "--executor", "ray")
    assert done.returncode == EXIT_OK, done.stderr[-3000:]
    assert outcome(tmp_path / "ray") == reference
