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
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

import pydantic

from nasbench_rss.arch.options import architecture_space
from nasbench_rss.errors import NasbenchError
from nasbench_rss.config.claims import RUN_KEYS
from nasbench_rss.config.evaluation import EvaluationConfig
from nasbench_rss.plugins import OptionsError, PluginRegistry
from nasbench_rss.protocols import DEFAULT_PROTOCOL, get_protocol
from nasbench_rss.suite.problems import Problem
from nasbench_rss.config.training import TrainConfig
from nasbench_rss.validation import data_path, field_problems, format_path


@dataclass(frozen=True)
class SettingSource:
    """Where a resolved value came from: the suite (at ``path``), a protocol, or the field's default."""

    kind: Literal["suite", "protocol", "default"]
    path: tuple[Any, ...] = ()
    protocol: str = ""


DEFAULT_SOURCE = SettingSource("default")


@dataclass(frozen=True)
class GridEntry:
    """One architecture or dataset of the grid, every option resolved (JSON-ready)."""

    name: str
    options: dict[str, Any]
    path: tuple[Any, ...]
    train_subset: int | None = None
    test_subset: int | None = None
    space: Any = field(default=None, compare=False, repr=False)  # the architecture's SearchSpace
    valid_size: int | None = None
    """Held-out training images as the suite sets them (None: each run's protocol decides)."""
    valid_size_path: tuple[Any, ...] | None = None
    """Where the suite sets ``valid_size`` (this entry or the defaults' dataset), when it does."""

    def to_document(self, kind: str) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": self.name, "options": self.options}
        if kind == "dataset":
            entry.update(train_subset=self.train_subset, test_subset=self.test_subset)
            if self.valid_size is not None:
                entry["valid_size"] = self.valid_size
        return entry


@dataclass(frozen=True)
class ResolvedRun:
    """A run with its sampler options resolved and its training merged over the defaults."""

    name: str
    description: str
    sampler: str
    options: dict[str, Any]
    epochs: int | dict[str, int]
    training: TrainConfig
    path: tuple[Any, ...]
    protocol: str = DEFAULT_PROTOCOL
    sources: dict[str, SettingSource] = field(default_factory=dict, compare=False, repr=False)
    """``training.lr``, ``options.kd_ratio``, ``protocol``, ...: where each resolved value came from."""

    def epochs_for(self, dataset: str) -> int:
        return self.epochs if isinstance(self.epochs, int) else self.epochs[dataset]

    def valid_size_for(self, dataset: GridEntry) -> tuple[int, SettingSource]:
        """Training images the run holds out of ``dataset``, and where that number came from."""
        return valid_size_for(dataset, self.protocol)

    def to_document(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "sampler": self.sampler,
            "protocol": self.protocol,
            "options": self.options,
            "epochs": self.epochs,
            "training": self.training.model_dump(mode="json"),
        }


def valid_size_for(dataset: GridEntry, protocol_name: str) -> tuple[int, SettingSource]:
    """Training images held out of ``dataset`` under ``protocol_name`` (the suite's value wins), and where it came from."""
    if dataset.valid_size is not None:
        return dataset.valid_size, SettingSource("suite", dataset.valid_size_path or ())
    protocol = get_protocol(protocol_name)
    if "valid_size" in protocol.dataset:
        return protocol.dataset["valid_size"].value, SettingSource("protocol", protocol=protocol_name)
    return 0, DEFAULT_SOURCE


REFERENCES_RUN = "references"
"""The ``run`` of every stand-alone reference cell (cell ids ``arch/dataset/references/ENCODING/seedN``)."""


@dataclass(frozen=True)
class ResolvedReferences:
    """The suite's ``references:`` with its training merged over the defaults and the protocol."""

    per_bucket: int
    epochs: int | dict[str, int]
    seeds: tuple[int, ...]
    training: TrainConfig
    compile: str
    protocol: str
    path: tuple[Any, ...] = ("references",)
    sources: dict[str, SettingSource] = field(default_factory=dict, compare=False, repr=False)
    """``training.lr``, ``per_bucket``, ...: where each resolved value came from."""

    def epochs_for(self, dataset: str) -> int:
        return self.epochs if isinstance(self.epochs, int) else self.epochs[dataset]

    def to_document(self) -> dict[str, Any]:
        return {
            "per_bucket": self.per_bucket,
            "epochs": self.epochs,
            "seeds": list(self.seeds),
            "training": self.training.model_dump(mode="json"),
            "compile": self.compile,
        }


@dataclass(frozen=True)
class ResolvedSuite:
    """Everything the grid is made of; ``cells.expand`` crosses it with the seeds.

    ``raw`` is the YAML data it was resolved from (to tell where a setting is written).
    After a problem it holds only what resolved: a :class:`~nasbench_rss.suite.Suite` is
    made from a complete one alone.
    """

    architectures: tuple[GridEntry, ...]
    datasets: tuple[GridEntry, ...]
    runs: tuple[ResolvedRun, ...]
    training: TrainConfig
    evaluation: EvaluationConfig
    default_architecture: GridEntry | None
    default_dataset: GridEntry | None
    raw: Any = field(default=None, compare=False, repr=False)
    observers: tuple[tuple[str, dict[str, Any]], ...] = ()
    """(name, options) of the observers every cell trains with (not part of its identity)."""
    protocol: str = DEFAULT_PROTOCOL
    """``defaults.protocol`` (what the evaluation's values come from; runs may name their own)."""
    evaluation_sources: dict[str, SettingSource] = field(default_factory=dict, compare=False, repr=False)
    references: ResolvedReferences | None = None
    """The stand-alone references (None: the suite has no ``references:``)."""

    def written_at(self, *candidates: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """The first of ``candidates`` (paths into the document) that the document writes, else None."""
        return next((path for path in candidates if data_path(self.raw, path) == path), None)


def resolve(document: Any, raw: Any, registry: PluginRegistry) -> tuple[ResolvedSuite, list[Problem]]:
    """Resolve a schema-valid ``document`` (``raw``: the YAML data it came from); problems without positions.

    What fails is left out of the result (see the module docstring); the result is
    complete only when there are no problems.
    """
    problems: list[Problem] = []
    problems += _seed_problems(document.seeds)
    problems += _option_key_problems(raw, registry)

    defaults = document.defaults
    default_arch = _architecture(defaults.architecture, ("defaults", "architecture"), registry, problems)
    default_data = _dataset(defaults.dataset, ("defaults", "dataset"), problems)
    architectures = _axis("architecture", document.matrix.architecture, defaults.architecture, default_arch, registry, problems)
    datasets = _axis("dataset", document.matrix.dataset, defaults.dataset, default_data, registry, problems)
    dataset_names = _axis_names(document.matrix.dataset, defaults.dataset)

    suite_protocol = getattr(defaults, "protocol", None) or DEFAULT_PROTOCOL
    evaluation, evaluation_sources = _with_protocol(
        EvaluationConfig,
        get_protocol(suite_protocol).settings("evaluation"),
        suite_protocol,
        [(("defaults", "evaluation"), defaults.evaluation)],
        ("defaults", "evaluation"),
        problems,
    )
    runs = []
    for name, run in document.runs.items():
        path = ("runs", name)
        found = len(problems)
        protocol_name = getattr(run, "protocol", None) or suite_protocol
        protocol = get_protocol(protocol_name)
        training, sources = _with_protocol(
            TrainConfig,
            protocol.settings("training"),
            protocol_name,
            [(("defaults", "training"), defaults.training), ((*path, "training"), run.training)],
            (*path, "training"),
            problems,
        )
        option_model = type(run.options)
        options, option_sources = _with_protocol(
            option_model,
            {k: v for k, v in protocol.settings("sampler_options", run.sampler).items() if k in option_model.model_fields},
            protocol_name,
            [((*path, "options"), run.options)],
            (*path, "options"),
            problems,
        )
        if isinstance(run.epochs, dict) and dataset_names:
            problems += _epochs_problems(path, run.epochs, dataset_names)
        if len(problems) == found:
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
            runs.append(
                ResolvedRun(
                    name, run.description, run.sampler, options.model_dump(mode="json"), run.epochs, training, path,
                    protocol_name, all_sources,
                )
            )  # fmt: skip

    if document.baseline is not None and document.baseline not in document.runs:
        problems.append(
            Problem(
                ("baseline",),
                f"{document.baseline!r} is not a run of this suite{_close(document.baseline, document.runs)}; "
                f"allowed: {', '.join(document.runs)}",
            )
        )
    problems += _named_run_problems(document, evaluation or defaults.evaluation)
    observers = _observers(getattr(document, "observers", []), registry, problems)
    references = _references(document, suite_protocol, evaluation or defaults.evaluation, dataset_names, problems)
    suite = ResolvedSuite(
        tuple(architectures), tuple(datasets), tuple(runs), defaults.training, evaluation or defaults.evaluation,
        default_arch, default_data, raw, observers, suite_protocol, {f"evaluation.{k}": v for k, v in evaluation_sources.items()},
        references,
    )  # fmt: skip
    return suite, problems


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
    problems += [Problem((*path, "seeds", *p.path[1:]), p.message) for p in _seed_problems(list(seeds))]
    if isinstance(block.epochs, dict) and dataset_names:
        problems += _epochs_problems((*path,), block.epochs, dataset_names)
    training, training_sources = _with_protocol(
        TrainConfig,
        get_protocol(protocol_name).settings("training"),
        protocol_name,
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
    protocol_settings: Mapping[str, Any],
    protocol_name: str,
    layers: list[tuple[tuple[Any, ...], pydantic.BaseModel]],
    path: tuple[Any, ...],
    problems: list[Problem],
) -> tuple[Any, dict[str, SettingSource]]:
    """``model`` from the protocol's values under each layer's explicit fields (later layers win).

    Returns the validated model (None when it fails: the problems say why, at ``path``) and,
    for every field, where its value came from.
    """
    values = {key: setting.value for key, setting in protocol_settings.items()}
    sources = {key: SettingSource("protocol", protocol=protocol_name) for key in protocol_settings}
    for layer_path, layer in layers:
        explicit = layer.model_fields_set
        values.update(layer.model_dump(include=explicit))
        sources.update({key: SettingSource("suite", (*layer_path, key)) for key in explicit})
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


# --------------------------------------------------------------------------- entries


def _axis(
    kind: str,
    entries: list[Any] | None,
    default_model: Any,
    default: GridEntry | None,
    registry: PluginRegistry,
    problems: list[Problem],
) -> list[GridEntry]:
    """The resolved entries of one matrix axis (the default alone when the axis is not given); failed ones left out."""
    if entries is None:
        if default is None:
            if default_model is None:
                problems.append(
                    Problem(
                        ("defaults",),
                        f"no {kind} given; allowed: defaults.{kind} (one {kind}) or matrix.{kind} (a list), "
                        f"naming one of: {', '.join(registry.names(kind)) or 'none registered'}",
                    )
                )
            return []
        return [default]
    resolved: list[GridEntry] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        path = ("matrix", kind, index)
        if entry.name in seen:
            problems.append(
                Problem(
                    path,
                    f"{kind} {entry.name!r} is listed twice (first as matrix.{kind}[{seen[entry.name]}]); "
                    f"allowed: each {kind} once (cell ids are architecture/dataset/run/seed)",
                )
            )
        elif (inherited := _inherit(entry, default_model, path, problems)) is not None:
            inherited_valid = "valid_size" not in entry.model_fields_set and getattr(inherited, "valid_size", None) is not None
            grid_entry = (
                _architecture(inherited, path, registry, problems)
                if kind == "architecture"
                else _dataset(inherited, path, problems, ("defaults", "dataset", "valid_size") if inherited_valid else None)
            )
            if grid_entry is not None:
                resolved.append(grid_entry)
        seen.setdefault(entry.name, index)
    return resolved


def _axis_names(entries: list[Any] | None, default: Any) -> list[str]:
    """The names an axis lists (resolved or not), in order, each once."""
    if entries is None:
        return [default.name] if default is not None else []
    return list(dict.fromkeys(entry.name for entry in entries))


def _inherit(entry: Any, default: Any, path: tuple[Any, ...], problems: list[Problem]) -> Any:
    """``entry`` with the keys it omits taken from ``default`` (options only for the same plugin); None when that fails."""
    if default is None:
        return entry
    given = entry.model_fields_set
    updates = {
        name: getattr(default, name)
        for name in type(entry).model_fields
        if name not in given and name not in ("name", "options") and name in type(default).model_fields
    }
    if entry.name == default.name:
        if "options" not in given:
            updates["options"] = default.options
        else:
            merged = _merge(type(entry.options), default.options, entry.options, (*path, "options"), problems)
            if merged is None:
                return None
            updates["options"] = merged
    return entry.model_copy(update=updates)


def _merge(model: type[pydantic.BaseModel], base: Any, override: Any, path: tuple[Any, ...], problems: list[Problem]) -> Any:
    """``base`` with the fields ``override`` sets explicitly, validated again as a whole (None when that fails)."""
    values = {**base.model_dump(), **override.model_dump(include=override.model_fields_set)}
    try:
        return model.model_validate(values)
    except pydantic.ValidationError as error:
        for problem in field_problems(error, model, values):
            where = f"{format_path(problem.path)}: " if problem.path else ""
            problems.append(Problem(path, f"after merging over the defaults: {where}{problem.message}"))
        return None


def _architecture(entry: Any, path: tuple[Any, ...], registry: PluginRegistry, problems: list[Problem]) -> GridEntry | None:
    if entry is None:
        return None
    options = entry.options.model_dump(mode="json")
    try:
        space, resolved = architecture_space(registry.get("architecture", entry.name), options)
    except OptionsError as error:
        problems += [Problem((*path, "options", *problem.path), problem.message) for problem in error.problems]
        return None
    except NasbenchError as error:
        problems.append(Problem((*path, "options"), str(error)))
        return None
    return GridEntry(entry.name, resolved, path, space=space)


def _dataset(entry: Any, path: tuple[Any, ...], problems: list[Problem], valid_size_path: tuple[Any, ...] | None = None) -> GridEntry | None:
    if entry is None:
        return None
    valid_size = getattr(entry, "valid_size", None)
    if valid_size is not None and valid_size_path is None:
        valid_size_path = (*path, "valid_size")
    return GridEntry(
        entry.name, entry.options.model_dump(mode="json"), path, entry.train_subset, entry.test_subset,
        valid_size=valid_size, valid_size_path=valid_size_path if valid_size is not None else None,
    )  # fmt: skip


# --------------------------------------------------------------------------- checks


def _seed_problems(seeds: list[int]) -> list[Problem]:
    first: dict[int, int] = {}
    problems = []
    for index, seed in enumerate(seeds):
        if seed in first:
            problems.append(
                Problem(("seeds", index), f"seed {seed} repeats seeds[{first[seed]}]; allowed: distinct integers >= 0")
            )
        first.setdefault(seed, index)
    return problems


def _epochs_problems(path: tuple[Any, ...], epochs: Mapping[str, int], datasets: list[str]) -> list[Problem]:
    problems = [
        Problem(
            (*path, "epochs", name),
            f"{name!r} is not a dataset of this suite{_close(name, datasets)}; allowed: {', '.join(datasets)}",
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


def _option_key_problems(raw: Any, registry: PluginRegistry) -> list[Problem]:
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
                        f"unknown key {key!r}{_close(key, allowed)}; allowed: {', '.join(sorted(allowed))} "
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


def _named_run_problems(document: Any, evaluation: EvaluationConfig) -> list[Problem]:
    """Every run a comparison or claim names must be a run of the suite; every bucket a claim names, an evaluated one."""
    runs = list(document.runs)
    problems: list[Problem] = []

    def check(path: tuple[Any, ...], name: str) -> None:
        if name not in document.runs:
            problems.append(Problem(path, f"{name!r} is not a run of this suite{_close(name, runs)}; allowed: {', '.join(runs)}"))

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
    targets = [float(b) for b in evaluation.buckets] if evaluation is not None else []
    for i, claim in enumerate(getattr(document, "claims", None) or []):
        options = claim.options()
        base = ("claims", i, claim.kind)
        for path, name in named_runs(options):
            check(base + path, name)
        for path, bucket in named_buckets(options):
            if targets and not any(abs(bucket - t) < 1e-9 for t in targets):
                allowed = ", ".join(f"{t:g}" for t in targets)
                problems.append(Problem(base + path, f"{bucket:g} is not a bucket of the evaluation; allowed: {allowed}"))
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


def _close(word: Any, choices: Any) -> str:
    close = difflib.get_close_matches(str(word), [str(choice) for choice in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
