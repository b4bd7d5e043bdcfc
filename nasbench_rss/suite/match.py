"""Runs whose length is set by cost: ``epochs: {match: RUN, by: macs}``.

A run compared with another at equal epochs may do much less work (RSS trains one subnet
per step, progressive shrinking up to four and a teacher).  Written this way, a run trains
the number of epochs whose training MACs come closest to the named run's, so the two are
compared at (nearly) equal work.  Both costs are counted before anything trains, as the
trainer will count them (:mod:`nasbench_rss.train.cost`): each sampler is built as the
worker builds it, with each seed's own random stream, and asked for its subnets step by
step over the run's steps (the data's size, the batch size and ``drop_last`` give the
images of each step).  A cost is the mean over the suite's seeds; the epochs are the same
for every seed.

Deterministic, and exact for every sampler whose draws do not depend on training; a
sampler that picks subnets by their loss (``candidates``) cannot be costed before
training, and says so.  The epochs chosen spend the matched run's MACs within one epoch's
worth (the count is monotone in epochs: the first length reaching the target and the one
before it are compared, the closer wins).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Callable

from nasbench_rss.arch.layout import Shape
from nasbench_rss.data.source import DatasetInfo
from nasbench_rss.limits import MAX_EPOCHS
from nasbench_rss.plugins import PluginRegistry
from nasbench_rss.samplers.registry import sampler_for
from nasbench_rss.suite.problems import Problem
from nasbench_rss.suite.resolved import GridEntry, MatchedEpochs, ResolvedRun, ResolvedSuite
from nasbench_rss.train.cost import TrainingCost

SHORTEST_TRIED = 64
"""Lengths tried from 1 upwards for the first one a sampler can be built with (progressive shrinking needs 6)."""


class CannotMatch(Exception):
    """The run's cost cannot be computed or matched (said at the run's ``epochs``)."""


def step_images(images: int, batch_size: int, drop_last: bool) -> list[int]:
    """Images of each optimizer step of one epoch over ``images`` training images (the loader's batches)."""
    full, rest = divmod(images, batch_size)
    return [batch_size] * full + ([] if drop_last or not rest else [rest])


def training_macs(sampler: Any, epochs: int, steps: list[int]) -> int:
    """The training MACs the trainer will count for ``sampler`` over ``epochs`` epochs of ``steps`` (images per step)."""
    table = sampler.context.flops
    cost = TrainingCost(table, table.macs(sampler.context.space.largest()))
    for epoch in range(epochs):
        _, phase = sampler.phase_at(epoch)
        for step, images in enumerate(steps):
            if sampler.candidates(epoch, step):
                raise CannotMatch("its sampler picks subnets by their loss during training, so its cost is known only after training")
            cost.add_step(sampler.subnets(epoch, step), images, teacher=phase.kd_ratio > 0)
    return cost.record()["total"]


def closest_epochs(macs_at: Callable[[int], float | None], target: float) -> tuple[int, float, float]:
    """(epochs, their MACs, one epoch's MACs there) of the length whose MACs come closest to ``target``.

    ``macs_at(epochs)`` is None for a length the sampler cannot train.
    """
    shortest = next((e for e in range(1, SHORTEST_TRIED + 1) if macs_at(e) is not None), None)
    if shortest is None:
        raise CannotMatch(f"its sampler cannot be built with any length from 1 to {SHORTEST_TRIED} epochs")
    low, high = shortest, shortest
    while macs_at(high) < target:  # type: ignore[operator]
        low, high = high, min(MAX_EPOCHS, high * 2)
        if low == MAX_EPOCHS:
            raise CannotMatch(f"{MAX_EPOCHS} epochs spend {macs_at(MAX_EPOCHS):.4g} MACs, fewer than the {target:.4g} to match")
    while high - low > 1:  # the first length reaching the target lies in (low, high]
        middle = (low + high) // 2
        low, high = (middle, high) if macs_at(middle) < target else (low, middle)  # type: ignore[operator]
    best = high if high == shortest or abs(macs_at(high) - target) <= abs(macs_at(high - 1) - target) else high - 1  # type: ignore[operator]
    before = macs_at(best - 1) if best > shortest else None
    step = macs_at(best) - before if before is not None else macs_at(best) / best  # type: ignore[operator]
    return best, float(macs_at(best)), float(step)  # type: ignore[arg-type]


class _Costs:
    """Mean training MACs over seeds of one run on one architecture and dataset, per length (computed once each)."""

    def __init__(self, run: ResolvedRun, arch: GridEntry, architecture: Any, shape: Shape, steps: list[int], seeds: list[int], registry: PluginRegistry) -> None:
        self.run, self.arch, self.architecture, self.shape, self.steps, self.seeds, self.registry = run, arch, architecture, shape, steps, seeds, registry
        self.known: dict[int, float | None] = {}

    def __call__(self, epochs: int) -> float | None:
        if epochs not in self.known:
            try:
                samplers = [self._sampler(epochs, seed) for seed in self.seeds]
            except Exception:  # the sampler refuses this length (progressive shrinking under 6 epochs): try others
                self.known[epochs] = None
                return None
            self.known[epochs] = math.fsum(training_macs(s, epochs, self.steps) for s in samplers) / len(samplers)
        return self.known[epochs]

    def _sampler(self, epochs: int, seed: int) -> Any:
        from nasbench_rss.seeding import SAMPLER, numpy_rng  # imports torch: only for a suite that matches epochs

        return sampler_for(
            self.run.sampler, self.run.options, epochs=epochs, architecture=self.architecture, space=self.arch.space,
            shape=self.shape, rng=numpy_rng(seed, SAMPLER), registry=self.registry,
        )  # fmt: skip


def match_epochs(suite: ResolvedSuite, infos: dict[str, DatasetInfo], seeds: list[int], registry: PluginRegistry) -> tuple[ResolvedSuite, list[Problem]]:
    """The suite with every ``epochs: {match: ...}`` run's epochs computed per dataset, and what could not be."""
    runs = {run.name: run for run in suite.runs}
    if not any(_match_of(run) for run in suite.runs):
        return suite, []
    architectures = {arch.name: registry.get("architecture", arch.name).factory() for arch in suite.architectures}
    problems, resolved = [], []
    for run in suite.runs:
        match = _match_of(run)
        if match is None:
            resolved.append(run)
            continue
        where = (*run.path, "epochs", "match")
        target = runs.get(match.match)
        if target is None or target is run or _match_of(target) is not None:
            why = "names no run of the suite" if target is None else "is this run" if target is run else "sets its own epochs by a match"
            allowed = ", ".join(name for name, r in runs.items() if r is not run and _match_of(r) is None)
            problems.append(Problem(where, f"{match.match!r} {why}; allowed: a run with its own epochs ({allowed or 'none'})"))
            continue
        try:
            matched = {dataset.name: _matched(run, target, dataset, suite, infos, architectures, seeds, registry) for dataset in suite.datasets}
        except CannotMatch as error:
            problems.append(Problem(where, f"the epochs of run {run.name!r} cannot match run {target.name}'s training MACs: {error}"))
            continue
        resolved.append(dataclasses.replace(run, epochs={name: m.epochs for name, m in matched.items()}, matched=matched))
    if problems:
        return suite, problems
    return dataclasses.replace(suite, runs=tuple(resolved)), []


def _match_of(run: ResolvedRun) -> Any:
    """The run's ``{match, by}`` (an ``EpochsMatch``), or None for a run with its own epochs."""
    return run.epochs if hasattr(run.epochs, "match") else None


def _matched(
    run: ResolvedRun, target: ResolvedRun, dataset: GridEntry, suite: ResolvedSuite, infos: dict[str, DatasetInfo],
    architectures: dict[str, Any], seeds: list[int], registry: PluginRegistry,
) -> MatchedEpochs:  # fmt: skip
    """The matched epochs of ``run`` on ``dataset``: the same for every architecture, or CannotMatch."""
    info = infos.get(dataset.name)
    if info is None:
        raise CannotMatch(f"dataset {dataset.name!r} cannot say its size, so no step can be counted")
    found: dict[str, MatchedEpochs] = {}
    for arch in suite.architectures:
        costs = {}
        for who in (target, run):
            valid, _ = who.valid_size_for(dataset)
            images = dataset.train_subset or info.train_size - valid
            steps = step_images(images, who.training.batch_size, who.training.drop_last)
            shape = Shape(in_channels=info.channels, num_classes=info.num_classes, image_size=who.training.image_size)
            costs[who.name] = _Costs(who, arch, architectures[arch.name], shape, steps, seeds, registry)
        goal = costs[target.name](target.epochs_for(dataset.name))
        if goal is None:
            raise CannotMatch(f"{target.name!r}'s own sampler cannot be built with its {target.epochs_for(dataset.name)} epochs")
        epochs, macs, step = closest_epochs(costs[run.name], goal)
        if abs(macs - goal) > step:
            raise CannotMatch(
                f"its closest length, {epochs} epochs (the shortest its sampler can train), spends {macs / 1e9:.4g} GMACs against "
                f"run {target.name}'s {goal / 1e9:.4g}, more than one epoch's worth ({step / 1e9:.4g}) apart; allowed: a run it can reach"
            )
        found[arch.name] = MatchedEpochs(target.name, epochs, goal, macs, step)
    lengths = {m.epochs for m in found.values()}
    if len(lengths) > 1:
        per_arch = ", ".join(f"{name}: {m.epochs}" for name, m in found.items())
        raise CannotMatch(f"the architectures need different epochs on {dataset.name} ({per_arch}); give each its own suite or set epochs")
    return next(iter(found.values()))
