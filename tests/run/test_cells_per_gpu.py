"""``--cells-per-gpu K``: K job slots per GPU (each cell with its own training.threads), refused without CUDA.

CPU-only: the GPUs are monkeypatched into ``torch.cuda`` where slots are planned; what needs
a real GPU (two cells training side by side on one) is in tests/gpu/test_cuda.py.
"""

from __future__ import annotations

import io

import pytest
import torch
from tests.run.run_helpers import cli

from nasbench_rss.cli import main
from nasbench_rss.errors import NasbenchError
from nasbench_rss.exit_codes import EXIT_INVALID
from nasbench_rss.run.executors.base import ExecutorContext, resolve_jobs
from nasbench_rss.run.executors.local import LocalExecutor, job_slots

NO_CUDA = "--cells-per-gpu 4 needs a CUDA device; this machine has none (torch.cuda.is_available() is False); allowed: 1 on the CPU"


@pytest.fixture
def two_gpus(monkeypatch):
    """torch sees 2 CUDA devices and the machine has 16 cores (nothing touches a real GPU)."""
    monkeypatch.setattr("torch.cuda.is_available", lambda: True)
    monkeypatch.setattr("torch.cuda.device_count", lambda: 2)
    monkeypatch.setattr("nasbench_rss.run.executors.base.usable_cores", lambda: 16)


@pytest.fixture
def no_gpu(monkeypatch):
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    monkeypatch.setattr("torch.cuda.device_count", lambda: 0)
    monkeypatch.setattr("nasbench_rss.run.executors.base.usable_cores", lambda: 2)


def test_k_slots_per_gpu_spread_round_robin(two_gpus):
    assert resolve_jobs("auto", None, 3) == 6  # --jobs defaults to GPUs x K
    slots = job_slots("auto", 6, 3)
    assert slots == ["cuda:0", "cuda:1"] * 3
    assert job_slots("cuda", 6, 3) == slots
    # --jobs caps the total: 4 of the 6 slots, still spread
    assert resolve_jobs("auto", 4, 3) == 4
    assert job_slots("auto", 4, 3) == ["cuda:0", "cuda:1", "cuda:0", "cuda:1"]
    # a named GPU holds all K
    assert resolve_jobs("cuda:1", None, 2) == 2
    assert job_slots("cuda:1", 2, 2) == ["cuda:1", "cuda:1"]
    assert job_slots("auto", 32, 16) == [f"cuda:{i % 2}" for i in range(32)]


def test_the_local_executor_takes_its_slots_from_the_context(two_gpus):
    executor = LocalExecutor(None, ExecutorContext(device="auto", jobs=6, cells_per_gpu=3))
    assert executor.slots == job_slots("auto", 6, 3)
    assert ExecutorContext(device="cpu", jobs=1).cells_per_gpu == 1  # the default


def test_k_1_keeps_the_jobs_behaviour(two_gpus):
    assert resolve_jobs("auto", None, 1) == 1  # --jobs still defaults to 1 on CUDA
    assert resolve_jobs("auto", 5, 1) == 5  # and is not capped by the GPUs
    assert job_slots("auto", 3, 1) == job_slots("auto", 3) == ["cuda:0", "cuda:1", "cuda:0"]
    assert job_slots("cpu", 2, 1) == ["cpu", "cpu"]
    assert resolve_jobs("cpu", None, 1) == 16  # on the CPU: as many cells as the cores hold at 1 thread each


def test_more_jobs_than_gpus_x_k_and_k_below_1_are_refused(two_gpus):
    with pytest.raises(NasbenchError, match=r"--jobs 7 is more than --cells-per-gpu 3 x 2 GPUs = 6 cells side by side; allowed: 1 to 6"):
        resolve_jobs("auto", 7, 3)
    with pytest.raises(NasbenchError, match=r"--jobs 7 is more than"):
        job_slots("auto", 7, 3)
    for bad in (0, -1, True, 1.5, 65):
        with pytest.raises(NasbenchError, match=r"--cells-per-gpu: .* is not allowed; allowed: 1 to 64"):
            resolve_jobs("auto", None, bad)
    for bad in (0, True, 1025):
        with pytest.raises(NasbenchError, match=r"--jobs: .* is not allowed; allowed: 1 to 1024"):
            resolve_jobs("auto", bad, 1)
    with pytest.raises(NasbenchError, match="--cells-per-gpu 2 needs a CUDA device; the run's device is cpu; allowed: 1 on the CPU"):
        resolve_jobs("cpu", None, 2)  # CUDA is there, but the run asked for the CPU


def test_k_above_1_without_cuda_is_refused(no_gpu):
    with pytest.raises(NasbenchError) as raised:
        resolve_jobs("auto", None, 4)
    assert str(raised.value) == NO_CUDA
    with pytest.raises(NasbenchError, match="needs a CUDA device"):
        job_slots("auto", 4, 4)
    assert resolve_jobs("auto", None, 1) == 2 and job_slots("auto", 1, 1) == ["auto"]  # the CPU: 2 cores, 1 thread a cell


@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.is_available(), reason="the refusal is for a machine without CUDA")
def test_the_cli_refuses_k_above_1_without_cuda_with_exit_4_before_anything_runs(write_suite, tmp_path):
    out = tmp_path / "run"
    result = cli("run", str(write_suite()), "--out", str(out), "--cells-per-gpu", "4")
    assert result.returncode == EXIT_INVALID, result.stderr
    assert NO_CUDA in result.stderr
    assert not out.exists()  # nothing ran, nothing was written


def test_run_and_evaluate_pass_the_flag_to_the_runner(write_suite, tmp_path, no_gpu, monkeypatch, capsys):
    suite = write_suite()
    assert main(["run", str(suite), "--out", str(tmp_path / "a"), "--cells-per-gpu", "4", "--dry-run"], out=io.StringIO()) == EXIT_INVALID
    assert NO_CUDA in capsys.readouterr().err
    assert main(["run", str(suite), "--out", str(tmp_path / "a"), "--cells-per-gpu", "0", "--dry-run"], out=io.StringIO()) == EXIT_INVALID
    assert "--cells-per-gpu: 0 is not allowed" in capsys.readouterr().err
    shown = io.StringIO()
    assert main(["run", str(suite), "--out", str(tmp_path / "a"), "--cells-per-gpu", "1", "--dry-run"], out=shown) == 0
    assert "dry run" in shown.getvalue()

    # evaluate: the run directory's suite read as if it were one, then the same refusal
    from nasbench_rss.run import orchestrate
    from nasbench_rss.suite import load_suite

    monkeypatch.setattr(orchestrate, "run_directory_suite", lambda run_dir: load_suite(suite))
    assert main(["evaluate", str(tmp_path / "b"), "--cells-per-gpu", "4"], out=io.StringIO()) == EXIT_INVALID
    assert NO_CUDA in capsys.readouterr().err
    assert not (tmp_path / "b").exists()


def test_the_resume_command_repeats_the_flags():
    import argparse

    from nasbench_rss.cli.common import execution_words

    def words(jobs, k):
        return execution_words(argparse.Namespace(device=None, jobs=jobs, cells_per_gpu=k, executor=None))

    assert words(None, 1) == [] and words(1, 1) == ["--jobs", "1"] and words(3, 1) == ["--jobs", "3"]  # 1 is no default
    assert words(None, 4) == ["--cells-per-gpu", "4"]
    assert words(1, 4) == ["--jobs", "1", "--cells-per-gpu", "4"]  # a cap of 1 matters with K > 1
