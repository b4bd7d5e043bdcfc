"""Build every run's sampler once, as the trainer will, so a run that cannot train fails now.

A sampler's options can be valid on their own and still not fit the run: progressive
shrinking needs at least 6 epochs, ``supernet_epochs`` must add up with the run's epochs,
a ``single`` sampler's encoding must exist in the architecture's space, a switch epoch
must lie inside the run.  Only the sampler knows, so each distinct (sampler, options,
epochs, architecture, shape) is built with :func:`build_sampler` and a seeded generator;
building is cheap (no data, no network; the shape comes from the dataset's
:class:`~nasbench_rss.data.source.DatasetInfo`).  A problem points at the option the
sampler names (``SamplerError(..., option="subnet")``), else at the run.

The phases it plans are checked against the run's training too: a warmup must leave
the first phase an epoch to train in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from nasbench_rss.arch.layout import Shape
from nasbench_rss.data.source import DatasetInfo
from nasbench_rss.plugins import OptionsError, PluginRegistry
from nasbench_rss.samplers.base import Phase, SamplerContext, SamplerError
from nasbench_rss.samplers.registry import build_sampler
from nasbench_rss.suite.problems import Problem
from nasbench_rss.suite.resolved import GridEntry, ResolvedRun, ResolvedSuite
from nasbench_rss.validation import format_path


@dataclass(frozen=True)
class _Failure:
    """What building one sampler said: where (a path under the run's options, or None: the run) and what."""

    option: tuple[Any, ...] | None
    message: str


def sampler_problems(
    suite: ResolvedSuite, registry: PluginRegistry, infos: dict[str, DatasetInfo], skip: frozenset[str] = frozenset()
) -> list[Problem]:
    """One problem per run and distinct failure, naming the cells (architecture/dataset) it hits.

    ``skip`` containing ``training`` leaves out the checks of the training settings (they
    failed validation), containing ``runs`` every check (the runs all failed).
    """
    if "runs" in skip:
        return []
    failures: dict[tuple[str, _Failure], list[str]] = {}
    built: dict[tuple[Any, ...], list[_Failure] | tuple[Phase, ...]] = {}
    runs = {run.name: run for run in suite.runs}
    for run, arch, dataset, epochs, shape in sampler_builds(suite, infos):
        key = (run.sampler, _canonical(run.options), epochs, arch.name, _canonical(arch.options), shape)
        if key not in built:
            built[key] = build_phases(run.sampler, run.options, epochs, arch.name, arch.space, shape, registry)
        outcome = built[key]
        found = outcome if isinstance(outcome, list) else [] if "training" in skip else _warmup_failures(run, outcome)
        for failure in found:
            failures.setdefault((run.name, failure), []).append(f"{arch.name}/{dataset.name} ({epochs} epochs)")
    return [_problem(suite, runs[name], failure, where) for (name, failure), where in failures.items()]


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


def build_phases(
    sampler: str, options: dict[str, Any], epochs: int, arch_name: str, space: Any, shape: Shape, registry: PluginRegistry
) -> list[_Failure] | tuple[Phase, ...]:
    """The phases the sampler plans, or what went wrong building it (also what ``validate``'s phase plans show)."""
    try:
        arch = registry.get("architecture", arch_name).factory()
        context = SamplerContext(space=space, epochs=epochs, rng=np.random.default_rng(0), flops=arch.flops_table(shape, space))
        return tuple(build_sampler(sampler, options, context, registry=registry).phases)
    except SamplerError as error:
        return [_Failure(error.option, error.detail)]
    except OptionsError as error:
        return [_Failure(problem.path, problem.message) for problem in error.problems]
    except Exception as error:  # a plugin's sampler may raise anything; every failure is the user's to see
        return [_Failure(None, f"{type(error).__name__}: {error}")]


def _warmup_failures(run: ResolvedRun, phases: tuple[Phase, ...]) -> list[_Failure]:
    """A warmup as long as the first phase leaves it nothing to train (the trainer would stop there)."""
    warmup = run.training.warmup_epochs
    if not phases or not warmup or warmup < phases[0].epochs:
        return []
    first = phases[0]
    return [
        _Failure(
            ("training", "warmup_epochs"),
            f"{warmup} warmup epoch{'s leave' if warmup != 1 else ' leaves'} no epoch of the first phase ({first.name!r}, "
            f"{first.epochs} epoch{'s' if first.epochs != 1 else ''} of {run.sampler}) to train after the warmup; "
            f"allowed: {'0 (no warmup)' if first.epochs == 1 else f'0 to {first.epochs - 1}'}",
        )
    ]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
