"""Hook specifications: what a plugin may register, one hook per kind of thing.

A plugin is a module (or any object) with functions marked ``@hookimpl`` whose names are
those below.  Each hook gets a ``register`` callback; the plugin calls it once per thing it
provides, with a :class:`nasbench_rss.plugins.Registration`::

    from nasbench_rss import hookimpl
    from nasbench_rss.plugins import Registration

    @hookimpl
    def register_samplers(register):
        register(Registration("my-sampler", "Uniform over networks", MySampler, MySampler.Config))

    where ``MySampler(config, context)`` subclasses ``nasbench_rss.samplers.base.Sampler``.

Third-party plugins are found through the entry-point group ``nasbench_rss``
(``[project.entry-points.nasbench_rss] my-plugin = "my_package.plugin"``).  Built-ins are
registered through these same hooks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import pluggy

if TYPE_CHECKING:
    from nasbench_rss.plugins import Registration

PROJECT_NAME = "nasbench_rss"
"""The pluggy project name, which is also the entry-point group of third-party plugins."""

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

Register = Callable[["Registration"], None]

# Kind (singular, as used by lookups and listings) -> name of the hook that registers it.
# Adding a kind is a new hookspec below plus one line here.
HOOKS_BY_KIND: dict[str, str] = {
    "architecture": "register_architectures",
    "sampler": "register_samplers",
    "dataset": "register_datasets",
    "reporter": "register_reporters",
    "executor": "register_executors",
    "observer": "register_observers",
    "claim": "register_claims",
}


@hookspec
def register_architectures(register: Register) -> None:
    """Register supernet architectures.

    ``Registration.factory()`` (no arguments) returns an
    :class:`nasbench_rss.arch.architecture.Architecture`; ``options_model`` validates its options (the built-ins take :class:`nasbench_rss.arch.options.SpaceOptions`).
    """


@hookspec
def register_samplers(register: Register) -> None:
    """Register subnet samplers (training methods such as progressive shrinking or RSS).

    ``Registration.factory(config, context)`` returns a
    :class:`nasbench_rss.samplers.base.Sampler`; ``context`` is a
    :class:`nasbench_rss.samplers.base.SamplerContext` (space, epochs, rng, FLOPs table) and
    ``options_model`` is the sampler's pydantic ``Config`` model (with ``extra="forbid"``).
    """


@hookspec
def register_datasets(register: Register) -> None:
    """Register datasets.

    ``Registration.factory(options)`` (an instance of ``options_model``, or None) returns a
    :class:`nasbench_rss.data.source.DatasetSource`: ``info()`` gives the shape and sizes
    without loading anything, ``load()`` the dataset (train/test uint8 tensors, labels,
    classes, mean/std).
    """


@hookspec
def register_reporters(register: Register) -> None:
    """Register reporters, which turn a run directory's results into report files.

    The registered name is the format ``nasbench-rss report --format`` takes.
    ``Registration.factory(options)`` (an instance of ``options_model``, or None) returns an
    object with ``write(report, out_dir) -> list[Path]``; ``report`` is a
    :class:`nasbench_rss.report.Report` with ``.analysis`` (every number, as ``report.json``
    holds them), ``.document`` (the blocks the Markdown and HTML reports render) and ``.figures``.
    """


@hookspec
def register_executors(register: Register) -> None:
    """Register executors, which run a suite's cells (in local processes, on a cluster, ...).

    The registered name is what ``nasbench-rss run --executor`` takes.
    ``Registration.factory(options, context)`` (``options`` an instance of ``options_model``
    or None; ``context`` a :class:`nasbench_rss.run.executors.base.ExecutorContext`) returns
    a :class:`nasbench_rss.run.executors.base.Executor`: ``run(jobs, progress)`` runs each
    job's cell with :class:`nasbench_rss.run.runner.CellRunner` and returns every job's outcome.
    """


@hookspec
def register_observers(register: Register) -> None:
    """Register training observers, which watch a cell's training (TensorBoard scalars, probes).

    A suite turns one on by name (``observers: [tensorboard]``), ``nasbench-rss train`` with
    ``--observer NAME``.  ``Registration.factory(options)`` (an instance of ``options_model``,
    or None) returns a :class:`nasbench_rss.train.observers.base.TrainObserver`; it is built
    in the worker that trains the cell, once per cell.
    """


@hookspec
def register_claims(register: Register) -> None:
    """Register claim kinds, the vocabulary of a suite's ``claims:`` (``better``, ``faster``, ...).

    The registered name is the key a claim is written under (``- better: {run: rss, than:
    ofa}``); ``options_model`` validates what follows it (its ``run_fields()`` and
    ``bucket_fields()`` name the runs and buckets the suite's resolver checks).
    ``Registration.factory(options)`` returns an object with ``describe() -> str`` (the claim
    in plain words) and ``evaluate(evidence) -> ClaimTest`` (see
    :mod:`nasbench_rss.claims.base`).
    """
