"""From a schema-valid document to the grid's resolved parts, checking what pydantic cannot.

Resolution fills every default, applies inheritance (a matrix entry takes the keys it
omits from ``defaults``; its options only when it names the same plugin, merged key by
key; a run's ``training`` is merged key by key over ``defaults.training``), applies the
protocol (a run's, else ``defaults.protocol``, else ``project``) under everything the
suite sets explicitly, records where each resolved value came from, and checks the
document as a whole: distinct seeds, ``baseline`` naming a run, comparisons and claims
naming runs (and evaluated buckets), per-dataset epochs naming
exactly the suite's datasets, architecture options the space accepts, distinct grid
names, and options models that do not forbid unknown keys (whose unknown keys would be
silently dropped).

Resolution goes on past a problem: an entry or run that fails is left out of the
:class:`ResolvedSuite` and the rest is resolved, so the later checks (the data in
:mod:`nasbench_rss.suite.data_check`, the samplers in :mod:`nasbench_rss.suite.sampler_check`)
still run for everything else and one validation lists every independent mistake.

What it produces is in :mod:`~nasbench_rss.suite.resolved`, the matrix axes are resolved by
:mod:`~nasbench_rss.suite.axes`, the document-wide checks are :mod:`~nasbench_rss.suite.consistency`.
"""
from __future__ import annotations

from typing import Any

import pydantic

from nasbench_rss.config.evaluation import EvaluationConfig
from nasbench_rss.config.training import TrainConfig
from nasbench_rss.errors import NasbenchError
from nasbench_rss.plugins import PluginRegistry
from nasbench_rss.protocols import DEFAULT_PROTOCOL, get_protocol
from nasbench_rss.suite.axes import axis, axis_names, resolve_architecture, resolve_dataset
from nasbench_rss.suite.consistency import (
    epochs_problems,
    named_run_problems,
    option_key_problems,
    seed_problems,
)
from nasbench_rss.suite.problems import Problem
from nasbench_rss.suite.resolved import (
    DEFAULT_SOURCE,
    REFERENCES_RUN,
    ResolvedReferences,
    ResolvedRun,
    ResolvedSuite,
    SettingSource,
)
from nasbench_rss.validation import did_you_mean, field_problems, format_path


def resolve(document: Any, raw: Any, registry: PluginRegistry) -> tuple[ResolvedSuite, list[Problem]]:
    """Resolve a schema-valid ``document`` (``raw``: the YAML data it came from); problems without positions.

    What fails is left out of the result (see the module docstring); the result is
    complete only when there are no problems.
    """
    problems: list[Problem] = []
    problems += seed_problems(document.seeds)
    problems += option_key_problems(raw, registry)

    defaults = document.defaults
    default_arch = resolve_architecture(defaults.architecture, ("defaults", "architecture"), registry, problems)
    default_data = resolve_dataset(defaults.dataset, ("defaults", "dataset"), problems)
    architectures = axis("architecture", document.matrix.architecture, defaults.architecture, default_arch, registry, problems)
    datasets = axis("dataset", document.matrix.dataset, defaults.dataset, default_data, registry, problems)
    dataset_names = axis_names(document.matrix.dataset, defaults.dataset)

    suite_protocol = getattr(defaults, "protocol", None) or DEFAULT_PROTOCOL
    evaluation, evaluation_sources = _with_protocol(
        EvaluationConfig,
        suite_protocol,
        "evaluation",
        [(("defaults", "evaluation"), defaults.evaluation)],
        ("defaults", "evaluation"),
        problems,
    )
    runs = [
        resolved
        for name, run in document.runs.items()
        if (resolved := _resolve_run(name, run, defaults, suite_protocol, dataset_names, problems)) is not None
    ]
    problems += _baseline_problems(document)
    problems += named_run_problems(document, evaluation or defaults.evaluation)
    observers = _observers(getattr(document, "observers", []), registry, problems)
    references = _references(document, suite_protocol, evaluation or defaults.evaluation, dataset_names, problems)
    suite = ResolvedSuite(
        tuple(architectures), tuple(datasets), tuple(runs), defaults.training, evaluation or defaults.evaluation,
        default_arch, default_data, raw, observers, suite_protocol, {f"evaluation.{k}": v for k, v in evaluation_sources.items()},
        references,
    )  # fmt: skip
    return suite, problems


def _resolve_run(
    name: str, run: Any, defaults: Any, suite_protocol: str, dataset_names: list[str], problems: list[Problem]
) -> ResolvedRun | None:
    """One run: its training over the defaults' and its options over the protocol's; None when that fails."""
    path = ("runs", name)
    found = len(problems)
    protocol_name = getattr(run, "protocol", None) or suite_protocol
    training, sources = _with_protocol(
        TrainConfig,
        protocol_name,
        "training",
        [(("defaults", "training"), defaults.training), ((*path, "training"), run.training)],
        (*path, "training"),
        problems,
    )
    options, option_sources = _with_protocol(
        type(run.options), protocol_name, "sampler_options", [((*path, "options"), run.options)], (*path, "options"), problems, run.sampler
    )
    if isinstance(run.epochs, dict) and dataset_names:
        problems += epochs_problems(path, run.epochs, dataset_names)
    if len(problems) != found:
        return None
    if getattr(run, "protocol", None):
        protocol_source = SettingSource("suite", (*path, "protocol"))
    elif getattr(defaults, "protocol", None):
        protocol_source = SettingSource("suite", ("defaults", "protocol"))
    else:
        protocol_source = DEFAULT_SOURCE
    all_sources = {
        "protocol": protocol_source,
        **{f"training.{k}": v for k, v in sources.items()},
        **{f"options.{k}": v for k, v in option_sources.items() if k != "name"},
    }
    return ResolvedRun(
        name, run.description, run.sampler, options.model_dump(mode="json"), run.epochs, training, path, protocol_name, all_sources
    )


def _baseline_problems(document: Any) -> list[Problem]:
    """``baseline`` must name a run of the suite."""
    if document.baseline is None or document.baseline in document.runs:
        return []
    return [
        Problem(
            ("baseline",),
            f"{document.baseline!r} is not a run of this suite{did_you_mean(document.baseline, list(document.runs))}; "
            f"allowed: {', '.join(document.runs)}",
        )
    ]


def _references(
    document: Any, protocol_name: str, evaluation: EvaluationConfig, dataset_names: list[str], problems: list[Problem]
) -> ResolvedReferences | None:
    """``references:`` resolved: training over defaults.training and the suite's protocol, seeds defaulted, checked."""
    block = getattr(document, "references", None)
    if block is None:
        return None
    path = ("references",)
    found = len(problems)
    if REFERENCES_RUN in document.runs:
        problems.append(
            Problem(("runs", REFERENCES_RUN), f"run name {REFERENCES_RUN!r} is taken by the stand-alone references; rename the run")
        )
    if block.per_bucket > evaluation.per_bucket:
        problems.append(
            Problem(
                (*path, "per_bucket"),
                f"{block.per_bucket} references per bucket, but the evaluation draws {evaluation.per_bucket}; allowed: 1 to "
                f"{evaluation.per_bucket} (references are drawn from the evaluation list, so every run is measured on them)",
            )
        )
    seeds = tuple(block.seeds) if block.seeds is not None else (document.seeds[0],)
    problems += [Problem((*path, "seeds", *p.path[1:]), p.message) for p in seed_problems(list(seeds))]
    if isinstance(block.epochs, dict) and dataset_names:
        problems += epochs_problems((*path,), block.epochs, dataset_names)
    training, training_sources = _with_protocol(
        TrainConfig,
        protocol_name,
        "training",
        [(("defaults", "training"), document.defaults.training), ((*path, "training"), block.training)],
        (*path, "training"),
        problems,
    )
    if len(problems) != found:
        return None
    written = block.model_fields_set
    sources = {key: SettingSource("suite", (*path, key)) if key in written else DEFAULT_SOURCE for key in ("per_bucket", "epochs", "seeds", "compile")}
    if "seeds" not in written:
        sources["seeds"] = SettingSource("suite", ("seeds",))  # the suite's first seed
    if getattr(document.defaults, "protocol", None):
        sources["protocol"] = SettingSource("suite", ("defaults", "protocol"))
    sources.update({f"training.{k}": v for k, v in training_sources.items()})
    return ResolvedReferences(block.per_bucket, block.epochs, seeds, training, block.compile, protocol_name, path, sources)


def _with_protocol(
    model: type[pydantic.BaseModel],
    protocol_name: str,
    section: str,
    layers: list[tuple[tuple[Any, ...], pydantic.BaseModel]],
    path: tuple[Any, ...],
    problems: list[Problem],
    sampler: str | None = None,
) -> tuple[Any, dict[str, SettingSource]]:
    """``model`` from the protocol's ``section`` under each layer's explicit fields (later layers win).

    Returns the validated model (None when it fails: the problems say why, at ``path``) and,
    for every field, where its value came from.
    """
    explicit = [(where, layer.model_dump(include=layer.model_fields_set)) for where, layer in layers]
    values, origins = get_protocol(protocol_name).merge(section, explicit, sampler, fields=model.model_fields)
    sources = {
        key: SettingSource("protocol", protocol=protocol_name) if where is None else SettingSource("suite", (*where, key))
        for key, where in origins.items()
    }
    try:
        resolved = model.model_validate(values)
    except pydantic.ValidationError as error:
        for problem in field_problems(error, model, values):
            where = f"{format_path(problem.path)}: " if problem.path else ""
            key = problem.path[0] if problem.path else None
            from_protocol = key is not None and sources.get(key, DEFAULT_SOURCE).kind == "protocol"
            origin = f"with protocol {protocol_name}'s {key}" if from_protocol else "after merging over the defaults"
            problems.append(Problem(path, f"{origin}: {where}{problem.message}"))
        return None, {}
    return resolved, {key: sources.get(key, DEFAULT_SOURCE) for key in model.model_fields}


def _observers(entries: list[Any], registry: PluginRegistry, problems: list[Problem]) -> tuple[tuple[str, dict[str, Any]], ...]:
    """Each observer once, built once here (so a missing package such as tensorboard is found now, not per cell)."""
    from nasbench_rss.plugins import build_entry

    resolved: list[tuple[str, dict[str, Any]]] = []
    for index, entry in enumerate(entries):
        options = entry.options.model_dump(mode="json")
        if any(name == entry.name for name, _ in resolved):
            problems.append(Problem(("observers", index), f"observer {entry.name!r} is listed twice; allowed: each observer once"))
            continue
        try:
            build_entry(registry.get("observer", entry.name), options)
        except Exception as error:  # a plugin's factory may raise anything; the user is to see it
            detail = str(error) if isinstance(error, NasbenchError) else f"{type(error).__name__}: {error}"
            problems.append(Problem(("observers", index), detail))
            continue
        resolved.append((entry.name, options))
    return tuple(resolved)

