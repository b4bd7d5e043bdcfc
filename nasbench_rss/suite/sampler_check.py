"""Build every run's sampler once, as the trainer will, so a run that cannot train fails now.

A sampler's options can be valid on their own and still not fit the run: progressive
shrinking needs at least 6 epochs, ``supernet_epochs`` must add up with the run's epochs,
a ``single`` sampler's encoding must exist in the architecture's space, a switch epoch
must lie inside the run.  Only the sampler knows, so each distinct (sampler, options,
epochs, architecture, shape) is built with :func:`build_sampler` and a seeded generator;
building is cheap (no data, no network; the shape comes from the dataset's
:class:`~nasbench_rss.data.source.DatasetInfo`).  A problem points at the option the
sampler names (``SamplerError(..., option="subnet")``), else at the run.

The phases it plans are checked against the run's training too (a warm-up must leave
the first phase an epoch to train in, and not add to the sampler's own), and kept with
the suite (:class:`~nasbench_rss.suite.plans.CellPlan`): the run's ETA and ``validate``'s
phase plans read them, so no sampler is built again before the worker builds its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Iterator

import numpy as np

from nasbench_rss.arch.layout import Shape
from nasbench_rss.data.source import DatasetInfo
from nasbench_rss.plugins import OptionsError, PluginRegistry
from nasbench_rss.samplers.base import SamplerError
from nasbench_rss.samplers.registry import sampler_for
from nasbench_rss.suite.plans import CellPlan, PlanKey
from nasbench_rss.suite.problems import Problem
from nasbench_rss.suite.resolved import GridEntry, ResolvedRun, ResolvedSuite
from nasbench_rss.train.schedule import warmup_problem
from nasbench_rss.validation import format_path


@dataclass(frozen=True)
class _Failure:
    """What building one sampler said: where (a path under the run's options, or None: the run) and what."""

    option: tuple[Any, ...] | None
    message: str


Outcome = CellPlan | list[_Failure]
"""A sampler's plan, or what went wrong building it."""


def plan_samplers(suite: ResolvedSuite, registry: PluginRegistry, infos: dict[str, DatasetInfo]) -> dict[PlanKey, Outcome]:
    """Every run x architecture x dataset's sampler (datasets with an info), built once per distinct configuration."""
    built: dict[tuple[Any, ...], Outcome] = {}
    architectures: dict[str, Any] = {}
    outcomes: dict[PlanKey, Outcome] = {}
    for run, arch, dataset, epochs, shape in sampler_builds(suite, infos):
        key = (run.sampler, _canonical(run.options), epochs, arch.name, _canonical(arch.options), shape)
        if key not in built:
            built[key] = build_plan(run.sampler, run.options, epochs, arch, shape, infos[dataset.name], registry, architectures)
        outcome = built[key]  # shared by datasets of one shape; each plan holds its own dataset's info
        outcomes[(run.name, arch.name, dataset.name, None)] = outcome if isinstance(outcome, list) else replace(outcome, info=infos[dataset.name])
    return outcomes


def sampler_problems(suite: ResolvedSuite, outcomes: dict[PlanKey, Outcome], skip: frozenset[str] = frozenset()) -> list[Problem]:
    """One problem per run and distinct failure, naming the cells (architecture/dataset) it hits.

    ``skip`` containing ``training`` leaves out the checks of the training settings (they
    failed validation), containing ``runs`` every check (the runs all failed).
    """
    if "runs" in skip:
        return []
    failures: dict[tuple[str, _Failure], list[str]] = {}
    runs = {run.name: run for run in suite.runs}
    for (name, arch, dataset, _), outcome in outcomes.items():
        run = runs[name]
        found = outcome if isinstance(outcome, list) else [] if "training" in skip else _warmup_failures(run, outcome)
        for failure in found:
            failures.setdefault((name, failure), []).append(f"{arch}/{dataset} ({run.epochs_for(dataset)} epochs)")
    return [_problem(suite, runs[name], failure, where) for (name, failure), where in failures.items()]


def reference_plans(cells: list[Any], suite: ResolvedSuite, registry: PluginRegistry, infos: dict[str, DatasetInfo]) -> tuple[dict[PlanKey, CellPlan], list[Problem]]:
    """The plan of each stand-alone reference of ``cells`` (planned cells), and a problem for any that does not build."""
    entries = {arch.name: arch for arch in suite.architectures}
    architectures: dict[str, Any] = {}
    plans: dict[PlanKey, CellPlan] = {}
    problems = []
    for cell in cells:
        key = (cell.run, cell.arch, cell.dataset, cell.subnet)
        if cell.subnet is None or key in plans:
            continue
        config, info = cell.config, infos[cell.dataset]
        shape = Shape(in_channels=info.channels, num_classes=info.num_classes, image_size=config.train.image_size)
        outcome = build_plan(config.sampler, config.sampler_options, config.epochs, entries[cell.arch], shape, info, registry, architectures)
        if isinstance(outcome, list):
            problems += [Problem(("references",), f"reference {cell.id}: {failure.message}") for failure in outcome]
        else:
            plans[key] = outcome
    return plans, problems


def sampler_builds(suite: ResolvedSuite, infos: dict[str, DatasetInfo]) -> Iterator[tuple[ResolvedRun, GridEntry, GridEntry, int, Shape]]:
    """(run, architecture, dataset, epochs, shape) of every sampler the grid builds (datasets with an info only)."""
    for run in suite.runs:
        for arch in suite.architectures:
            for dataset in suite.datasets:
                info = infos.get(dataset.name)
                if info is not None:
                    shape = Shape(in_channels=info.channels, num_classes=info.num_classes, image_size=run.training.image_size)
                    yield run, arch, dataset, run.epochs_for(dataset.name), shape


def _problem(suite: ResolvedSuite, run: ResolvedRun, failure: _Failure, where: list[str]) -> Problem:
    cells = f" [in {', '.join(where)}]"
    if failure.option is not None and failure.option[:1] == ("training",):
        path = suite.written_at((*run.path, *failure.option), ("defaults", *failure.option)) or run.path
        return Problem(path, failure.message + cells)
    if failure.option is not None:
        path = (*run.path, "options", *failure.option)
        if suite.written_at(path):
            return Problem(path, failure.message.removeprefix(f"{format_path(failure.option)}: ") + cells)
    return Problem(run.path, f"sampler {run.sampler!r}: {failure.message}{cells}")


def build_plan(
    sampler: str,
    options: dict[str, Any],
    epochs: int,
    arch: GridEntry,
    shape: Shape,
    info: DatasetInfo,
    registry: PluginRegistry,
    architectures: dict[str, Any],
) -> Outcome:
    """The sampler's plan, built as the worker builds it (:func:`sampler_for`), or what went wrong building it.

    ``architectures`` keeps each architecture plugin's object by name, so its FLOPs tables
    are made once per shape.  The generator is a fixed one: a plan is the same for every seed.
    """
    try:
        if arch.name not in architectures:
            architectures[arch.name] = registry.get("architecture", arch.name).factory()
        architecture = architectures[arch.name]
        built = sampler_for(
            sampler, options, epochs=epochs, architecture=architecture, space=arch.space, shape=shape,
            rng=np.random.default_rng(0), registry=registry,
        )  # fmt: skip
        return CellPlan(tuple(built.phases), architecture.flops_table(shape, arch.space), info)
    except OptionsError as error:  # first: a sampler's OptionsError is a SamplerError too, with a problem per option
        return [_Failure(problem.path, problem.message) for problem in error.problems]
    except SamplerError as error:
        return [_Failure(error.option, error.detail)]
    except Exception as error:  # a plugin's sampler may raise anything; every failure is the user's to see
        return [_Failure(None, f"{type(error).__name__}: {error}")]


def _warmup_failures(run: ResolvedRun, plan: CellPlan) -> list[_Failure]:
    """The run's training warm-up against its sampler's first phase (the one rule: train/schedule.py warmup_problem)."""
    message = warmup_problem(run.training.warmup_epochs, plan.phases, run.sampler)
    return [] if message is None else [_Failure(("training", "warmup_epochs"), message)]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
