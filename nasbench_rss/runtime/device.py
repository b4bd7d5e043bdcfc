"""The device a cell runs on and the numerics it runs with; shared by training and evaluation.

Precision and memory format are decided once per cell from its training config and the
device, so evaluation measures a subnet with the numerics it was trained with, and both
say the same thing in the cell's records.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import torch

from nasbench_rss.errors import NasbenchError
from nasbench_rss.config.training import TrainConfig


def resolve_device(name: str = "auto") -> torch.device:
    """``auto``: CUDA when there is one, else the CPU.  Asking for CUDA without one is an error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name not in ("cpu", "cuda") and not name.startswith("cuda:"):
        raise NasbenchError(f"device: {name!r} not allowed; allowed: auto, cpu, cuda, cuda:N")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise NasbenchError(f"device: {name!r} asked for, but torch sees no CUDA device here; use --device cpu or auto")
    return device


def cuda_device_count(name: str = "auto") -> int:
    """How many CUDA devices a run's device name spans: every GPU for ``auto``/``cuda``, one for ``cuda:N``, none for ``cpu`` or without CUDA."""
    if name == "cpu" or not torch.cuda.is_available():
        return 0
    if name in ("auto", "cuda"):
        return torch.cuda.device_count()
    return 1 if name.startswith("cuda:") else 0


def synchronize(device: torch.device) -> None:
    """Wait for the device's queued work, so a clock read afterwards measures it."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@dataclass(frozen=True)
class Numerics:
    """Autocast dtype (None: fp32) and memory format of one cell on one device."""

    autocast_dtype: torch.dtype | None
    channels_last: bool

    @classmethod
    def choose(cls, train: TrainConfig, device: torch.device) -> "Numerics":
        """``precision: auto`` is bf16 autocast on CUDA and fp32 on the CPU; ``memory_format: auto`` is channels_last."""
        bf16 = train.precision == "bf16" or (train.precision == "auto" and device.type == "cuda")
        return cls(torch.bfloat16 if bf16 else None, train.memory_format in ("auto", "channels_last"))

    @property
    def memory_format(self) -> torch.memory_format:
        return torch.channels_last if self.channels_last else torch.contiguous_format

    def autocast(self, device: torch.device) -> contextlib.AbstractContextManager:
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device.type, dtype=self.autocast_dtype)

    def describe(self) -> dict[str, Any]:
        return {
            "precision": "bf16 autocast" if self.autocast_dtype is not None else "fp32",
            "memory_format": "channels_last" if self.channels_last else "contiguous",
        }
