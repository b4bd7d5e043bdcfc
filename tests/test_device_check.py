"""benchmarks/device_check.py reads what each benchmark prints: checked here on the CPU, so a GPU loan is not spent on a parser."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def device_check():
    spec = importlib.util.spec_from_file_location("device_check", ROOT / "benchmarks" / "device_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_the_roofline_benchmarks_output_is_parsed():
    output = subprocess.run(
        [sys.executable, "benchmarks/bench_roofline.py", "--steps", "1", "--gemm", "256", "--batch", "8"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=True,
    ).stdout  # fmt: skip
    record: dict = {}
    device_check().parse_roofline(output, record)
    assert set(record["subnets"]) == {"smallest", "middle", "largest"}
    assert set(record["ceilings_gmacs"]) == {"GEMM fp32", "GEMM bf16"}
    assert all(row["fp32_gmacs"] > 0 and row["bf16_speedup"] > 0 for row in record["subnets"].values())
    assert record["summary"].startswith("steps at ") and "bf16 GEMM" in record["summary"]
