"""Synthetic evidence with a known answer: accuracies, exposure and times chosen by the test."""

from __future__ import annotations

import zlib
from typing import Callable, Sequence

from nasbench_rss.claims.base import CellTime, Evidence
from nasbench_rss.analysis.populations import Subnet

TARGETS = (4, 6, 8, 10, 12, 14)


def make_evidence(
    runs: Sequence[str],
    accuracy: Callable[[str, int, float, int], float],
    seeds: Sequence[int] = (0, 1, 2),
    per_bucket: int = 10,
    targets: Sequence[float] = TARGETS,
    trained: dict[str, list[tuple[float, int]]] | None = None,
    times: dict[str, Callable[[int], CellTime]] | None = None,
) -> Evidence:
    """Every run evaluated at every seed on the same subnets (encodings shared), ``accuracy(run, seed, target, index)``."""
    populations = {}
    for run in runs:
        populations[run] = {
            seed: {
                f"{t:g}": [Subnet(f"{t:g}", i, f"enc-{t:g}-{i}", t - 0.3 + 0.05 * i, accuracy(run, seed, t, i)) for i in range(per_bucket)]
                for t in targets
            }
            for seed in seeds
        }
    buckets = [{"label": f"{t:g}", "target": float(t), "status": "evaluated"} for t in targets]
    return Evidence(
        arch="mobilenet-v3",
        dataset="synthetic",
        populations=populations,
        buckets=buckets,
        trained={run: {seed: rows for seed in seeds} for run, rows in (trained or {}).items()},
        times={run: {seed: make(seed) for seed in seeds} for run, make in (times or {}).items()},
    )


def noise(run: str, seed: int, target: float, index: int) -> float:
    """A deterministic, distinct, pseudo-random value in [-0.01, 0.01] (no ties between subnets)."""
    h = zlib.crc32(f"{run}/{seed}/{float(target)}/{index}".encode()) / 2**32
    return 0.02 * (h - 0.5)
