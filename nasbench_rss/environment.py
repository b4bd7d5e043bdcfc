"""Where a result was made: versions, device and source revision, for manifests and results.

A reader of a run directory must be able to tell which code, libraries and hardware made
it, so these are recorded rather than assumed.
"""

from __future__ import annotations

import platform
import subprocess
from pathlib import Path
from typing import Any

import torch

import nasbench_rss


def cpu_name() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux), else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def device_name(device: torch.device) -> str:
    """The GPU's name for a CUDA device, the CPU's model name otherwise."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return cpu_name()


def versions() -> dict[str, str | None]:
    """Python, torch, CUDA and cuDNN (None without them) and this package."""
    cudnn = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": str(cudnn) if cudnn is not None else None,
        "nasbench_rss": nasbench_rss.__version__,
    }


def git_state(path: Path | None = None) -> dict[str, Any]:
    """Commit and dirty flag of the checkout holding ``path`` (default: this package's source).

    ``{"commit": None, "dirty": None}`` when it is not a git checkout (e.g. installed from a
    wheel): then the package version is what identifies the code.
    """
    where = Path(path) if path is not None else Path(nasbench_rss.__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(where), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(where), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": bool(status.strip())}
