"""Building a cell: its plugins resolved, its data on the device, its supernet and sampler.

Everything a cell is made of comes from its :class:`CellConfig` and the plugin registry,
so a worker process can rebuild the cell from its ``cell.json`` alone.  The cell's
provenance (which code, plugins, libraries, device and numerics made it) is derived here,
where all of them are at hand.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

import nasbench_rss
from nasbench_rss import DISTRIBUTION_NAME
from nasbench_rss.arch.layout import Shape
from nasbench_rss.arch.init import initialize_weights
from nasbench_rss.arch.options import architecture_space
from nasbench_rss.arch.static import StaticMBNet
from nasbench_rss.cell.provenance import source_digest
from nasbench_rss.clock import timestamp
from nasbench_rss.data.augment import BatchAugmenter, prepare
from nasbench_rss.data.dataset import ImageDataset
from nasbench_rss.data.loader import BatchLoader
from nasbench_rss.data.registry import load_dataset
from nasbench_rss.data.subset import apply_subsets, hold_out
from nasbench_rss.environment import device_name
from nasbench_rss.errors import NasbenchError
from nasbench_rss.plugins import Entry, PluginRegistry, get_registry
from nasbench_rss.samplers.base import Sampler
from nasbench_rss.samplers.registry import sampler_for
from nasbench_rss.seeding import AUGMENTATION, DATA_ORDER, INIT, SAMPLER, SUBSET, forked_global_rng, numpy_rng, torch_generator
from nasbench_rss.config.training import CellConfig
from nasbench_rss.runtime.device import Numerics


@dataclass
class Cell:
    """A cell's resolved parts: everything the loop and the evaluation need."""

    config: CellConfig
    resolved: dict[str, Any]
    """The config with every plugin option filled in (``config.json``)."""
    device: torch.device
    dataset: ImageDataset
    shape: Shape
    model: nn.Module
    sampler: Sampler
    augmenter: BatchAugmenter
    loader: BatchLoader
    numerics: Numerics
    plugins: tuple[Entry, ...]
    """The registry entries the cell uses: its architecture, dataset and sampler."""
    architecture: Any = None
    """The architecture plugin's object (builds networks of the space: an untrained teacher)."""


def build_cell(config: CellConfig, device: torch.device, registry: PluginRegistry | None = None) -> Cell:
    """Resolve the plugins, load the data onto ``device`` and build supernet and sampler."""
    train = config.train
    registry = registry or get_registry()
    arch_entry = registry.get("architecture", config.arch)
    arch = arch_entry.factory()
    dataset, dataset_options = load_dataset(config.dataset, config.dataset_options)
    dataset = hold_out(dataset, config.valid_size)
    dataset = apply_subsets(dataset, config.train_subset, config.test_subset, numpy_rng(config.seed, SUBSET))
    dataset = prepare(dataset, train.image_size).to(device)
    shape = Shape(in_channels=dataset.channels, num_classes=dataset.num_classes, image_size=train.image_size)
    space, arch_options = architecture_space(arch_entry, config.arch_options)
    sampler = sampler_for(
        config.sampler, config.sampler_options, epochs=config.epochs, architecture=arch, space=space, shape=shape,
        rng=numpy_rng(config.seed, SAMPLER), registry=registry,
    )  # fmt: skip

    numerics = Numerics.choose(train, device)
    if sampler.trains_stand_alone:
        model = stand_alone_network(arch, shape, space, sampler, train, config.seed, device)
    else:
        with forked_global_rng(config.seed, INIT, device):
            model = arch.build(shape, space, dropout=train.dropout)
            initialize_weights(model, train.init)
    model = model.to(device, memory_format=numerics.memory_format)
    augmenter = BatchAugmenter(train.augmentation, dataset, channels_last=numerics.channels_last)
    loader = BatchLoader(
        dataset.train_images,
        dataset.train_labels,
        batch_size=train.batch_size,
        transform=augmenter,
        generator=torch_generator(config.seed, DATA_ORDER, device),
        aug_generator=torch_generator(config.seed, AUGMENTATION, device),
        drop_last=train.drop_last,
    )
    if len(loader) == 0:
        raise NasbenchError(
            f"train_subset: {len(dataset.train_labels)} training images give no batch of {train.batch_size} with drop_last; "
            "use more images, a smaller batch_size or drop_last false"
        )
    resolved = config.model_dump(mode="json")
    resolved["dataset_options"] = dataset_options
    resolved["sampler_options"] = sampler.config.model_dump(mode="json")
    resolved["arch_options"] = arch_options
    entries = (arch_entry, registry.get("dataset", config.dataset), registry.get("sampler", config.sampler))
    return Cell(config, resolved, device, dataset, shape, model, sampler, augmenter, loader, numerics, entries, arch)


def stand_alone_network(arch: Any, shape: Shape, space: Any, sampler: Sampler, train: Any, seed: int, device: torch.device) -> nn.Module:
    """The sampler's subnet as its own network, initialised from scratch as a network of that shape is.

    Its architecture is what the supernet would extract; its weights are drawn anew on
    the plain modules (``he_fout`` sees each conv's own kernel and width, not the
    supernet's largest), from the cell's ``init`` stream.
    """
    from nasbench_rss.arch.stand_alone import StandAloneNetwork
    from nasbench_rss.samplers.stand_alone import compile_wanted

    with forked_global_rng(seed, INIT, device):
        record = arch.build(shape, space, dropout=train.dropout).extract(sampler.subnet).architecture()
        net = StaticMBNet.from_architecture(record)
        initialize_weights(net, train.init)
    return StandAloneNetwork(net, sampler.subnet, compile=compile_wanted(sampler.config, device.type))


def provenance(cell: Cell, registry: PluginRegistry) -> dict[str, Any]:
    """What this process would make the cell with: code, plugins, libraries, device, numerics, threads.

    Observers are not in it: they never change training, so they are no part of what made a cell.
    """
    entries = cell.plugins
    code = {DISTRIBUTION_NAME: {"version": nasbench_rss.__version__, "source": source_digest("nasbench_rss")}}
    for entry in entries:
        module = registry.plugin_module(entry.plugin)
        code.setdefault(entry.distribution, {"version": entry.version, "source": source_digest(module)})
    return {
        "recorded": timestamp(),
        "code": code,
        "plugins": [
            {"kind": e.kind, "name": e.name, "plugin": e.plugin, "distribution": e.distribution, "version": e.version}
            for e in entries
        ],
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "device": str(cell.device),
        "device_type": cell.device.type,
        "device_name": device_name(cell.device),
        "threads": torch.get_num_threads(),
        **cell.numerics.describe(),
    }
