"""Built-in dataset plugin: registered through the same hook as third-party plugins.

Each factory takes an instance of its ``options_model`` (or None for the defaults) and
returns a :class:`~nasbench_rss.data.source.DatasetSource`: ``info()`` gives the shape and
sizes from the options or the published sizes and checks the files exist, ``load()``
reads the data as an :class:`~nasbench_rss.data.dataset.ImageDataset` of CPU tensors.
Registering and ``info()`` import only pydantic: torch and torchvision load with ``load()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nasbench_rss.data.source import DatasetInfo
from nasbench_rss.hookspecs import hookimpl

if TYPE_CHECKING:
    from nasbench_rss.data.dataset import ImageDataset
    from nasbench_rss.data.options import SyntheticOptions, TorchvisionOptions

SYNTHETIC_DESCRIPTION = (
    "Synthetic class templates with shifts, clutter and noise: no files, learnable in seconds (tests, smoke runs)"
)


@hookimpl
def register_datasets(register) -> None:
    from nasbench_rss.data.options import DESCRIPTIONS, TORCHVISION_DATASETS, SyntheticOptions, TorchvisionOptions
    from nasbench_rss.plugins import Registration

    for name in TORCHVISION_DATASETS:
        register(Registration(name, DESCRIPTIONS[name], _torchvision_factory(name), TorchvisionOptions))
    register(Registration("synthetic", SYNTHETIC_DESCRIPTION, SyntheticSource, SyntheticOptions))


def _torchvision_factory(name: str):
    def factory(options: TorchvisionOptions | None = None) -> TorchvisionSource:
        return TorchvisionSource(name, options)

    factory.__qualname__ = f"factory[{name}]"
    factory.__doc__ = f"{name} under the data root in torchvision's layout (options: TorchvisionOptions)."
    return factory


class TorchvisionSource:
    """MNIST, Fashion-MNIST, CIFAR-10 or CIFAR-100: published sizes, and whether the files are there."""

    def __init__(self, name: str, options: TorchvisionOptions | None = None) -> None:
        self.name = name
        self.options = options

    def info(self) -> DatasetInfo:
        from nasbench_rss.data.torchvision_files import files_problem, spec_of

        return spec_of(self.name).info(files_problem(self.name, self.options))

    def load(self) -> ImageDataset:
        from nasbench_rss.data.torchvision_data import load_torchvision

        return load_torchvision(self.name, self.options)


class SyntheticSource:
    """The synthetic dataset: everything about it follows from its options."""

    def __init__(self, options: SyntheticOptions | None = None) -> None:
        from nasbench_rss.data.options import SyntheticOptions

        self.options = options if options is not None else SyntheticOptions()

    def info(self) -> DatasetInfo:
        o = self.options
        return DatasetInfo(o.channels, o.num_classes, o.image_size, o.train_size, o.test_size)

    def load(self) -> ImageDataset:
        from nasbench_rss.data.synthetic import make_synthetic

        return make_synthetic(self.options)
