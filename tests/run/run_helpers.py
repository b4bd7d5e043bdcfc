"""A tiny suite on synthetic data (16x16, 4 steps per epoch) that the run tests write and run.

Its evaluation measures 2 subnets in each of the buckets 3, 5 and 7 MFLOPs (MobileNetV3
at 1x16x16 spans 2.37 to 7.60), and lists bucket 9, which no network reaches.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SUITE = """\
name: {name}
description: run tests
seeds: {seeds}
device: cpu
defaults:
  architecture: {{name: mobilenet-v3}}
  dataset:
    name: synthetic
    options: {{train_size: 128, test_size: 32, num_classes: 4, channels: 1, image_size: 16}}
  training: {{batch_size: 32, image_size: 16}}
  evaluation: {{buckets: [3, 5, 7, 9], per_bucket: 2, recalibration_images: 64, recalibration_batch_size: 32, batch_size: 32}}
{matrix}runs:
{runs}"""

RSS_RUN = "  rss: {sampler: rss, epochs: %d}\n"


def suite_text(name="tiny", seeds="[0]", runs=None, epochs=2, matrix="") -> str:
    return SUITE.format(name=name, seeds=seeds, matrix=matrix, runs=runs or RSS_RUN % epochs)


def cli(*args: str, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """``nasbench-rss ARGS`` in a fresh interpreter (as a user runs it), output captured."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(
        [sys.executable, "-m", "nasbench_rss.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=timeout, env=env
    )


def _as_a_terminal_job() -> None:
    """In the child before exec: Ctrl-C (SIGINT) does what it does for a command typed in a terminal.

    Tests run by a shell in the background (``pytest &``, a CI runner) inherit SIGINT
    ignored, and Python keeps an ignored SIGINT ignored.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_process(*args: str, log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """``nasbench-rss ARGS`` started in its own process group (as a terminal's job), output into ``log``."""
    with open(log, "w") as stream:
        return subprocess.Popen(
            [sys.executable, "-m", "nasbench_rss.cli", *args],
            stdout=stream, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_as_a_terminal_job,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )  # fmt: skip


def epochs_in(cell_dir: Path) -> list[int]:
    """The epochs events.jsonl records (its complete lines)."""
    path = cell_dir / "events.jsonl"
    if not path.exists():
        return []
    lines = path.read_text().split("\n")[:-1]
    return [json.loads(line)["epoch"] for line in lines if line.strip() and json.loads(line).get("event") == "epoch"]


def cell_dirs(out: Path) -> list[Path]:
    return sorted((out / "cells").glob("*/*/*/*")) if (out / "cells").exists() else []


def wait_for_epochs(out: Path, total: int, process: subprocess.Popen, timeout: float = 300) -> None:
    """Until the run has logged ``total`` epochs in all and a cell is mid-way (no result yet)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before it could be stopped"
        cells = cell_dirs(out)
        logged = sum(len(epochs_in(cell)) for cell in cells)
        mid_cell = any(epochs_in(cell) and not (cell / "result.json").exists() for cell in cells)
        if logged >= total and mid_cell:
            return
        time.sleep(0.1)
    raise AssertionError(f"no progress in {timeout} s")


def interrupt(process: subprocess.Popen, how: str = "group-sigint", timeout: float = 120) -> int:
    """Stop a run as a user would: Ctrl-C in its terminal (the whole group), or a signal to the run alone."""
    if how == "group-sigint":
        os.killpg(process.pid, signal.SIGINT)
    elif how == "sigint":
        os.kill(process.pid, signal.SIGINT)
    elif how == "sigterm":
        os.kill(process.pid, signal.SIGTERM)
    else:
        raise ValueError(how)
    return process.wait(timeout=timeout)
