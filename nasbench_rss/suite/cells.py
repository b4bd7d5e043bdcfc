"""The grid of a suite: one :class:`PlannedCell` per architecture x dataset x run x seed,
plus the stand-alone references: per architecture x dataset, the first ``per_bucket``
subnets of every bucket's evaluation list x the references' seeds.

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
from nasbench_rss.suite.resolve import REFERENCES_RUN, ResolvedSuite, valid_size_for
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
    subnet: str | None = None
    """A stand-alone reference's subnet (its encoding); None for a run's cell."""
    buckets: tuple[str, ...] = ()
    """The buckets whose evaluation list the reference was drawn from."""

    @property
    def kind(self) -> str:
        return "reference" if self.subnet is not None else "run"

    @property
    def id(self) -> str:
        if self.subnet is not None:
            return f"{self.arch}/{self.dataset}/{self.run}/{self.subnet}/seed{self.seed}"
        return f"{self.arch}/{self.dataset}/{self.run}/seed{self.seed}"

    @cached_property
    def config_hash(self) -> str:
        return config_hash(self.config)

    @property
    def directory(self) -> PurePosixPath:
        run = self.run if self.subnet is None else f"{self.run}/{self.subnet}"
        return PurePosixPath(f"cells/{self.arch}/{self.dataset}/{run}/seed{self.seed}-{self.config_hash}")

    def record(self) -> dict[str, Any]:
        """The cell as JSON: what a run directory's ``cell.json`` holds (enough to train and
        evaluate it without the suite) and what ``validate --json`` lists."""
        record = {
            "id": self.id,
            "kind": self.kind,
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
        if self.subnet is not None:
            record.update(subnet=self.subnet, buckets=list(self.buckets))
        return record


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


def reference_cells(suite: ResolvedSuite, infos: dict[str, Any], registry: Any) -> list[PlannedCell]:
    """The stand-alone reference cells (none without ``references:``), shared by every run.

    Per architecture and dataset, the first ``per_bucket`` distinct subnets of each
    bucket's evaluation list (the list every run is measured on, drawn as the evaluation
    draws it), each trained alone from scratch with the ``stand-alone`` sampler, per
    reference seed.  A subnet two buckets hold is one cell.  A dataset without a known
    shape plans none (its missing data is a problem of its own).
    """
    from nasbench_rss.arch.layout import Shape
    from nasbench_rss.evaluate.subnets import draw_population
    from nasbench_rss.samplers.stand_alone import StandAloneSampler

    references = suite.references
    if references is None:
        return []
    cells = []
    for arch in suite.architectures:
        architecture = registry.get("architecture", arch.name).factory()
        for dataset in suite.datasets:
            info = infos.get(dataset.name)
            if info is None:
                continue
            shape = Shape(in_channels=info.channels, num_classes=info.num_classes, image_size=references.training.image_size)
            chosen = reference_subnets(draw_population(architecture.flops_table(shape, arch.space), suite.evaluation), references.per_bucket)
            for encoding, buckets in chosen.items():
                options = StandAloneSampler.Config(subnet=encoding, compile=references.compile).model_dump(mode="json")
                for seed in references.seeds:
                    config = CellConfig(
                        arch=arch.name,
                        arch_options=arch.options,
                        dataset=dataset.name,
                        dataset_options=dataset.options,
                        sampler="stand-alone",
                        sampler_options=options,
                        epochs=references.epochs_for(dataset.name),
                        seed=seed,
                        train_subset=dataset.train_subset,
                        test_subset=dataset.test_subset,
                        valid_size=valid_size_for(dataset, references.protocol)[0],
                        protocol=references.protocol,
                        train=references.training,
                    )
                    cells.append(
                        PlannedCell(REFERENCES_RUN, arch.name, dataset.name, seed, config, suite.evaluation, suite.observers, encoding, buckets)
                    )
    return cells


def reference_subnets(draws: list[Any], per_bucket: int) -> dict[str, tuple[str, ...]]:
    """Encoding -> the buckets it was drawn for: the first ``per_bucket`` distinct subnets of each bucket's list."""
    chosen: dict[str, list[str]] = {}
    for draw in draws:
        taken: list[str] = []
        for subnet in draw.subnets:
            encoding = subnet.encode()
            if encoding not in taken:
                taken.append(encoding)
            if len(taken) == per_bucket:
                break
        for encoding in taken:
            chosen.setdefault(encoding, []).append(draw.label)
    return {encoding: tuple(buckets) for encoding, buckets in chosen.items()}
