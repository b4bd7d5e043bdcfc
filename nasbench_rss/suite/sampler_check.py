"""Build every run's sampler once, as the trainer will, so a run that cannot train fails now.

A sampler's options can be valid on their own and still not fit the run: progressive
shrinking needs at least 6 epochs, ``supernet_epochs`` must add up with the run's epochs,
a ``single`` sampler's encoding must exist in the architecture's space, a switch epoch
must lie inside the run.  Only the sampler knows, so each distinct (sampler, options,
epochs, architecture, shape) is built with :func:`build_sampler` and a seeded generator;
building is cheap (no data, no network).  Problems point at the run.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from nasbench_rss.plugins import PluginRegistry
from nasbench_rss.samplers.base import SamplerContext
from nasbench_rss.samplers.registry import build_sampler
from nasbench_rss.suite.problems import Problem
from nasbench_rss.suite.resolve import ResolvedSuite
from nasbench_rss.suite.shapes import dataset_shape


def sampler_problems(suite: ResolvedSuite, registry: PluginRegistry) -> list[Problem]:
    """One problem per run and distinct failure, naming the cells (architecture/dataset) it hits."""
    failures: dict[tuple[str, str], list[str]] = {}
    built: dict[tuple[Any, ...], str | None] = {}
    runs = {run.name: run for run in suite.runs}
    for run in suite.runs:
        for arch in suite.architectures:
            for dataset in suite.datasets:
                epochs = run.epochs_for(dataset.name)
                shape = dataset_shape(dataset.name, dataset.options, run.training.image_size)
                key = (run.sampler, _canonical(run.options), epochs, arch.name, _canonical(arch.options), shape)
                if key not in built:
                    built[key] = _try_build(run.sampler, run.options, epochs, arch.name, arch.space, shape, registry)
                if built[key] is not None:
                    failures.setdefault((run.name, built[key]), []).append(f"{arch.name}/{dataset.name} ({epochs} epochs)")
    return [
        Problem(runs[name].path, f"{message} [in {', '.join(where)}]") for (name, message), where in failures.items()
    ]


def _try_build(sampler: str, options: dict[str, Any], epochs: int, arch_name: str, space: Any, shape: Any, registry: PluginRegistry) -> str | None:
    """None when the sampler builds, else what went wrong."""
    try:
        arch = registry.get("architecture", arch_name).factory()
        context = SamplerContext(space=space, epochs=epochs, rng=np.random.default_rng(0), flops=arch.flops_table(shape, space))
        build_sampler(sampler, options, context, registry=registry)
    except Exception as error:  # a plugin's sampler may raise anything; every failure is the user's to see
        message = str(error)
        return message if message.startswith(f"{sampler}: ") else f"{sampler}: {type(error).__name__}: {message}"
    return None


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
