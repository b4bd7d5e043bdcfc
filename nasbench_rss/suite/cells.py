"""The grid of a suite: one :class:`PlannedCell` per architecture x dataset x run x seed.

A cell's identity is its id (``arch/dataset/run/seedN``, what ``--only`` matches) plus a
hash of its fully resolved :class:`CellConfig`: every option is written out with its
default, so writing a default explicitly changes nothing, while changing any setting
gives a new hash and so a new directory, never a silent mix with old results.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePosixPath
from typing import Any

from nasbench_rss.evaluate.config import EvaluationConfig
from nasbench_rss.hashing import json_hash
from nasbench_rss.suite.resolve import ResolvedSuite
from nasbench_rss.train.config import CellConfig

@dataclass(frozen=True)
class PlannedCell:
    """One cell to train and evaluate; ``config`` goes to ``train_cell`` unchanged."""

    run: str
    arch: str
    dataset: str
    seed: int
    config: CellConfig
    evaluation: EvaluationConfig
    observers: tuple[tuple[str, dict[str, Any]], ...] = ()
    """(name, options) of the observers it trains with; they never change training, so no part of its hash."""

    @property
    def id(self) -> str:
        return f"{self.arch}/{self.dataset}/{self.run}/seed{self.seed}"

    @cached_property
    def config_hash(self) -> str:
        return config_hash(self.config)

    @property
    def directory(self) -> PurePosixPath:
        return PurePosixPath(f"cells/{self.arch}/{self.dataset}/{self.run}/seed{self.seed}-{self.config_hash}")

    def record(self) -> dict[str, Any]:
        """The cell as JSON: what a run directory's ``cell.json`` holds (enough to train and
        evaluate it without the suite) and what ``validate --json`` lists."""
        return {
            "id": self.id,
            "run": self.run,
            "arch": self.arch,
            "dataset": self.dataset,
            "seed": self.seed,
            "config_hash": self.config_hash,
            "directory": str(self.directory),
            "config": self.config.model_dump(mode="json"),
            "evaluation": self.evaluation.model_dump(mode="json"),
            "observers": [{"name": name, "options": options} for name, options in self.observers],
        }


def config_hash(config: CellConfig) -> str:
    """First 10 hex digits of the SHA-256 of the config's canonical JSON."""
    return json_hash(config.model_dump(mode="json"))


def expand(suite: ResolvedSuite, seeds: list[int]) -> list[PlannedCell]:
    """Every cell, ordered by architecture, dataset, run, then seed (document order within each)."""
    cells = []
    for arch in suite.architectures:
        for dataset in suite.datasets:
            for run in suite.runs:
                for seed in seeds:
                    valid_size, _ = run.valid_size_for(dataset)
                    config = CellConfig(
                        arch=arch.name,
                        arch_options=arch.options,
                        dataset=dataset.name,
                        dataset_options=dataset.options,
                        sampler=run.sampler,
                        sampler_options=run.options,
                        epochs=run.epochs_for(dataset.name),
                        seed=seed,
                        train_subset=dataset.train_subset,
                        test_subset=dataset.test_subset,
                        valid_size=valid_size,
                        protocol=run.protocol,
                        train=run.training,
                    )
                    cells.append(PlannedCell(run.name, arch.name, dataset.name, seed, config, suite.evaluation, suite.observers))
    return cells
