"""The grid of a suite: one :class:`PlannedCell` per architecture x dataset x run x seed,
plus the stand-alone references: per architecture x dataset, the first ``per_bucket``
subnets of every bucket's evaluation list x the references' seeds.
"""

from __future__ import annotations

from typing import Any

from nasbench_rss.cell.planned import PlannedCell, config_hash
from nasbench_rss.config.training import CellConfig
from nasbench_rss.suite.resolved import REFERENCES_RUN, ResolvedSuite, valid_size_for

__all__ = ["PlannedCell", "config_hash", "expand", "reference_cells", "reference_subnets"]


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
