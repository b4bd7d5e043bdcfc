"""Checks of the document as a whole: distinct seeds, per-dataset epochs, unknown option keys,
the runs and buckets that ``baseline``, comparisons and claims name, and how many cells it plans.
"""

from __future__ import annotations

from typing import Any, Mapping

from nasbench_rss.config.claims import RUN_KEYS
from nasbench_rss.config.evaluation import EvaluationConfig
from nasbench_rss.errors import NasbenchError
from nasbench_rss.limits import MAX_CELLS
from nasbench_rss.plugins import PluginRegistry
from nasbench_rss.space.buckets import bucket_key
from nasbench_rss.suite.problems import Problem
from nasbench_rss.validation import did_you_mean


def seed_problems(seeds: list[int]) -> list[Problem]:
    first: dict[int, int] = {}
    problems = []
    for index, seed in enumerate(seeds):
        if seed in first:
            problems.append(
                Problem(("seeds", index), f"seed {seed} repeats seeds[{first[seed]}]; allowed: distinct integers >= 0")
            )
        first.setdefault(seed, index)
    return problems


def epochs_problems(path: tuple[Any, ...], epochs: Mapping[str, int], datasets: list[str]) -> list[Problem]:
    problems = [
        Problem(
            (*path, "epochs", name),
            f"{name!r} is not a dataset of this suite{did_you_mean(name, datasets)}; allowed: {', '.join(datasets)}",
            at_key=True,
        )
        for name in epochs
        if name not in datasets
    ]
    missing = [name for name in datasets if name not in epochs]
    if missing:
        problems.append(
            Problem(
                (*path, "epochs"),
                f"no epochs for dataset(s) {', '.join(missing)}; allowed: a mapping naming every dataset "
                f"({', '.join(datasets)}), or one integer for all",
            )
        )
    return problems


def option_key_problems(raw: Any, registry: PluginRegistry) -> list[Problem]:
    """Unknown keys in options whose model does not forbid them (pydantic would drop them silently)."""
    problems = []
    for kind, path, options in _raw_options(raw):
        name = options[0]
        try:
            model = registry.get(kind, name).options_model
        except NasbenchError:
            continue
        if model is None or model.model_config.get("extra") == "forbid" or not isinstance(options[1], dict):
            continue
        allowed = {field.alias or key for key, field in model.model_fields.items()} | set(model.model_fields)
        for key in options[1]:
            if key not in allowed:
                problems.append(
                    Problem(
                        (*path, key),
                        f"unknown key {key!r}{did_you_mean(key, allowed)}; allowed: {', '.join(sorted(allowed))} "
                        f"({kind} {name!r}'s options model would ignore it silently)",
                        at_key=True,
                    )
                )
    return problems


def _raw_options(raw: Any):
    """(kind, path of options, (plugin name, raw options)) for every options mapping in ``raw``."""
    if not isinstance(raw, dict):
        return
    defaults = raw.get("defaults") if isinstance(raw.get("defaults"), dict) else {}
    matrix = raw.get("matrix") if isinstance(raw.get("matrix"), dict) else {}
    runs = raw.get("runs") if isinstance(raw.get("runs"), dict) else {}
    for kind in ("architecture", "dataset"):
        entry = defaults.get(kind)
        if isinstance(entry, dict) and "options" in entry:
            yield kind, ("defaults", kind, "options"), (entry.get("name"), entry["options"])
        items = matrix.get(kind) if isinstance(matrix.get(kind), list) else []
        for index, entry in enumerate(items):
            if isinstance(entry, dict) and "options" in entry:
                yield kind, ("matrix", kind, index, "options"), (entry.get("name"), entry["options"])
    for run_name, run in runs.items():
        if isinstance(run, dict) and "options" in run:
            yield "sampler", ("runs", run_name, "options"), (run.get("sampler"), run["options"])


def named_run_problems(document: Any, evaluation: EvaluationConfig) -> list[Problem]:
    """Every run a comparison or claim names must be a run of the suite; every bucket a claim names, an evaluated one."""
    runs = list(document.runs)
    problems: list[Problem] = []

    def check(path: tuple[Any, ...], name: str) -> None:
        if name not in document.runs:
            problems.append(Problem(path, f"{name!r} is not a run of this suite{did_you_mean(name, runs)}; allowed: {', '.join(runs)}"))

    for i, comparison in enumerate(getattr(document, "comparisons", None) or []):
        if hasattr(comparison, "change"):
            for key in ("change", "versus"):
                for j, name in enumerate(getattr(comparison, key)):
                    check(("comparisons", i, key, j), name)
        else:
            check(("comparisons", i, "run"), comparison.run)
            against = [comparison.against] if isinstance(comparison.against, str) else comparison.against
            for j, name in enumerate(against):
                check(("comparisons", i, "against") + (() if isinstance(comparison.against, str) else (j,)), name)
            if comparison.run in against:
                problems.append(Problem(("comparisons", i, "against"), f"run {comparison.run!r} is compared with itself; name another run"))
    keys = {bucket_key(b): b for b in evaluation.buckets} if evaluation is not None else {}
    for i, claim in enumerate(getattr(document, "claims", None) or []):
        options = claim.options()
        base = ("claims", i, claim.kind)
        for path, name in named_runs(options):
            check(base + path, name)
        for path, bucket in named_buckets(options):
            if keys and bucket_key(bucket) not in keys:  # as reports name buckets: by key
                allowed = ", ".join(keys)
                problems.append(Problem(base + path, f"{bucket_key(bucket)} is not a bucket of the evaluation; allowed: {allowed}"))
    return problems


def named_runs(options: Any) -> list[tuple[tuple[Any, ...], str]]:
    """(path, run name) of every run a claim's options name: their ``run_fields()``, else the usual keys."""
    if hasattr(options, "run_fields"):
        return options.run_fields()
    out: list[tuple[tuple[Any, ...], str]] = []
    for key in RUN_KEYS:
        value = getattr(options, key, None)
        if isinstance(value, str):
            out.append(((key,), value))
        elif isinstance(value, (list, tuple)):
            out += [((key, j), v) for j, v in enumerate(value) if isinstance(v, str)]
    return out


def named_buckets(options: Any) -> list[tuple[tuple[Any, ...], float]]:
    """(path, bucket target) of every bucket a claim's options name (their ``bucket_fields()``, else none)."""
    return options.bucket_fields() if hasattr(options, "bucket_fields") else []


def cell_count_problems(suite: Any, seeds: list[int]) -> list[Problem]:
    """A problem when the grid (and its references, at most ``per_bucket`` per bucket each) plans more than
    :data:`~nasbench_rss.limits.MAX_CELLS` cells: counted before a cell is made, at the largest factor's line."""
    archs, datasets, runs = len(suite.architectures), len(suite.datasets), len(suite.runs)
    grid = archs * datasets * runs * len(seeds)
    what = f"{_count(archs, 'architecture')} x {_count(datasets, 'dataset')} x {_count(runs, 'run')} x {_count(len(seeds), 'seed')}"
    references = suite.references
    if references is None:
        total, text = grid, f"{grid} cells ({what})"
    else:
        most = references.per_bucket * len(suite.evaluation.buckets) * len(references.seeds) * archs * datasets
        total = grid + most
        text = (
            f"up to {total} cells ({_count(grid, 'run cell')} + up to {most} stand-alone references: {references.per_bucket} "
            f"per bucket x {_count(len(suite.evaluation.buckets), 'bucket')} x {_count(len(references.seeds), 'seed')} x "
            f"{_count(archs, 'architecture')} x {_count(datasets, 'dataset')})"
        )
    if total <= MAX_CELLS:
        return []
    if grid <= MAX_CELLS:
        path: tuple[Any, ...] = ("references", "per_bucket")
    else:
        path = ("seeds",) if len(seeds) >= runs else ("runs",)
    return [
        Problem(
            path,
            f"{text} not allowed; allowed: at most {MAX_CELLS} cells per suite (each is a directory, a manifest entry "
            "and a record held while planning; split the suite)",
        )
    ]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
