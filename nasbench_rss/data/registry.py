"""Look a dataset up by name and build it from plain options (a config file's mapping).

The trainer and the CLI call :func:`load_dataset`; the options are validated by the
dataset's own pydantic model, and an unknown or invalid option, or missing files, is a
:class:`~nasbench_rss.data.dataset.DatasetError` naming the dataset and the option (an
unknown dataset name is the registry's ``UnknownName``, listing the available ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pydantic

from nasbench_rss.data.dataset import DatasetError, ImageDataset


def dataset_options(name: str, options: Mapping[str, Any] | pydantic.BaseModel | None = None) -> pydantic.BaseModel | None:
    """``options`` validated by dataset ``name``'s options model (None when it has none).

    An unknown ``name`` raises the registry's :class:`~nasbench_rss.plugins.UnknownName`,
    which lists the registered datasets.
    """
    from nasbench_rss.plugins import get_registry

    entry = get_registry().get("dataset", name)
    model = entry.options_model
    if model is None:
        if options:
            raise DatasetError(f"dataset {name!r} takes no options, got {dict(options)!r}")
        return None
    if isinstance(options, model):
        return options
    if isinstance(options, pydantic.BaseModel):
        options = options.model_dump()
    try:
        return model.model_validate(dict(options or {}))
    except pydantic.ValidationError as exc:
        raise DatasetError(f"dataset {name!r} options: {describe_validation_error(exc, model)}") from exc
    except (TypeError, ValueError) as exc:
        raise DatasetError(
            f"dataset {name!r} options: expected a mapping of option names to values, got {options!r}"
        ) from exc


def load_dataset(
    name: str, options: Mapping[str, Any] | pydantic.BaseModel | None = None
) -> tuple[ImageDataset, dict[str, Any]]:
    """Dataset ``name`` built from ``options`` (CPU tensors), and the options it was built with.

    The second item is the validated options with every default filled in, as JSON-ready
    values, for recording in a run's resolved configuration.  ``nasbench-rss plugins`` lists
    the names.
    """
    from nasbench_rss.plugins import get_registry

    validated = dataset_options(name, options)
    factory = get_registry().get("dataset", name).factory
    dataset = factory(validated) if validated is not None else factory()
    if not isinstance(dataset, ImageDataset):
        raise DatasetError(f"dataset {name!r}: its factory returned {type(dataset).__name__}, expected an ImageDataset")
    resolved = validated.model_dump(mode="json") if validated is not None else {}
    return dataset, resolved


def describe_validation_error(exc: pydantic.ValidationError, model: type[pydantic.BaseModel]) -> str:
    """One clause per problem: the option, what was wrong, the value given, and what is allowed."""
    fields = ", ".join(model.model_fields)
    parts = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"])
        if error["type"] == "extra_forbidden":
            parts.append(f"{where}: unknown option; allowed: {fields}")
        elif where:
            parts.append(f"{where}: {error['msg']} (got {error['input']!r})")
        else:  # a model-level check; its message names the field(s)
            parts.append(str(error["msg"]).removeprefix("Value error, "))
    return "; ".join(parts)
