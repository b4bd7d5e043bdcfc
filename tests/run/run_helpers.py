"""A tiny suite on synthetic data (16x16, 4 steps per epoch) that the run tests write and run.

Its evaluation measures 2 subnets in each of the buckets 3, 5 and 7 MFLOPs (MobileNetV3
at 1x16x16 spans 2.37 to 7.60), and lists bucket 9, which no network reaches.
"""

from __future__ import annotations

import os
import subprocess
import sys
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
