"""Fixtures of the CUDA tests (marked ``gpu``: skipped without a CUDA device, see tests/conftest.py).

cuBLAS reads ``CUBLAS_WORKSPACE_CONFIG`` when it makes its first handle, so it is set here,
at collection, before any test touches the GPU: with it (and deterministic algorithms) a
matrix product gives the same bits every time, which the exact-resume test needs.
"""

from __future__ import annotations

import os

import pytest
import torch

os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")


@pytest.fixture
def deterministic_cuda():
    """Deterministic cuDNN and cuBLAS kernels for one test (restored after it).

    ``warn_only``: an op with no deterministic CUDA kernel warns instead of failing, so a
    test that still differs names the op in its warnings rather than failing here.
    """
    saved = (torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled(),
             torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)  # fmt: skip
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
    yield
    torch.use_deterministic_algorithms(saved[0], warn_only=saved[1])
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = saved[2], saved[3]


@pytest.fixture
def strict_fp32():
    """fp32 that is fp32 on CUDA: no TF32 (10-bit mantissa) in convolutions and matrix products."""
    saved = (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32)
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    yield
    torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved
