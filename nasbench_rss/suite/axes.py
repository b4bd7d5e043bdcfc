"""A matrix axis resolved: each architecture or dataset entry with the keys it omits inherited.

A matrix entry takes the keys it omits from the defaults' entry (its options only when it
names the same plugin, merged key by key); an architecture's options are checked against
the space it builds.  A failed entry is left out (its problems say why).
"""

from __future__ import annotations

from typing import Any

import pydantic

from nasbench_rss.arch.options import architecture_space
from nasbench_rss.errors import NasbenchError
from nasbench_rss.plugins import OptionsError, PluginRegistry
from nasbench_rss.suite.problems import Problem
from nasbench_rss.suite.resolved import GridEntry
from nasbench_rss.validation import field_problems, format_path


def axis(
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
                resolve_architecture(inherited, path, registry, problems)
                if kind == "architecture"
                else resolve_dataset(inherited, path, problems, ("defaults", "dataset", "valid_size") if inherited_valid else None)
            )
            if grid_entry is not None:
                resolved.append(grid_entry)
        seen.setdefault(entry.name, index)
    return resolved


def axis_names(entries: list[Any] | None, default: Any) -> list[str]:
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


def resolve_architecture(entry: Any, path: tuple[Any, ...], registry: PluginRegistry, problems: list[Problem]) -> GridEntry | None:
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


def resolve_dataset(entry: Any, path: tuple[Any, ...], problems: list[Problem], valid_size_path: tuple[Any, ...] | None = None) -> GridEntry | None:
    if entry is None:
        return None
    valid_size = getattr(entry, "valid_size", None)
    if valid_size is not None and valid_size_path is None:
        valid_size_path = (*path, "valid_size")
    return GridEntry(
        entry.name, entry.options.model_dump(mode="json"), path, entry.train_subset, entry.test_subset,
        valid_size=valid_size, valid_size_path=valid_size_path if valid_size is not None else None,
    )  # fmt: skip

