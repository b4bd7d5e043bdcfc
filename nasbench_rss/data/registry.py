"""Look a dataset up by name and build it from plain options (a config file's mapping).

A dataset plugin's factory returns a :class:`~nasbench_rss.data.source.DatasetSource`:
:func:`dataset_info` asks it for the shape and sizes (and whether the data is there)
without loading anything, which is what validating a suite does; :func:`load_dataset`
loads it, which is what the trainer does.  The options are validated by the dataset's
own model (an :class:`~nasbench_rss.plugins.OptionsError` naming the dataset and each
field); missing files are a :class:`~nasbench_rss.data.source.DatasetError`; an unknown
name is the registry's ``UnknownName``, listing the available ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pydantic

from nasbench_rss.data.source import DatasetError, DatasetInfo, DatasetSource

if TYPE_CHECKING:
    from nasbench_rss.data.dataset import ImageDataset
    from nasbench_rss.plugins import PluginRegistry

Options = Mapping[str, Any] | pydantic.BaseModel | None


def dataset_options(name: str, options: Options = None, registry: PluginRegistry | None = None) -> pydantic.BaseModel | None:
    """``options`` validated by dataset ``name``'s options model (None when it has none)."""
    from nasbench_rss.plugins import get_registry, validate_options

    return validate_options((registry or get_registry()).get("dataset", name), options)


def dataset_source(name: str, options: Options = None, registry: PluginRegistry | None = None) -> tuple[DatasetSource, dict[str, Any]]:
    """Dataset ``name``'s source for ``options``, and the options resolved (every default, JSON-ready)."""
    from nasbench_rss.plugins import build_entry, get_registry

    entry = (registry or get_registry()).get("dataset", name)
    source, validated = build_entry(entry, options)
    if not isinstance(source, DatasetSource):
        raise DatasetError(
            f"dataset {name!r}: the factory registered by {entry.distribution} (plugin {entry.plugin}) returned "
            f"{type(source).__name__}; expected a nasbench_rss.data.source.DatasetSource (with info() and load())"
        )
    return source, validated.model_dump(mode="json") if validated is not None else {}


def dataset_info(name: str, options: Options = None, registry: PluginRegistry | None = None) -> tuple[DatasetInfo, dict[str, Any]]:
    """Shape, sizes and availability of dataset ``name`` with ``options``, without loading it; and the resolved options."""
    source, resolved = dataset_source(name, options, registry)
    info = source.info()
    if not isinstance(info, DatasetInfo):
        raise DatasetError(f"dataset {name!r}: info() returned {type(info).__name__}; expected a nasbench_rss.data.source.DatasetInfo")
    return info, resolved


def load_dataset(name: str, options: Options = None, registry: PluginRegistry | None = None) -> tuple[ImageDataset, dict[str, Any]]:
    """Dataset ``name`` built from ``options`` (CPU tensors), and the options it was built with.

    The second item is the validated options with every default filled in, as JSON-ready
    values, for recording in a run's resolved configuration.  ``nasbench-rss plugins`` lists
    the names.
    """
    from nasbench_rss.data.dataset import ImageDataset

    source, resolved = dataset_source(name, options, registry)
    dataset = source.load()
    if not isinstance(dataset, ImageDataset):
        raise DatasetError(f"dataset {name!r}: load() returned {type(dataset).__name__}, expected an ImageDataset")
    return dataset, resolved
