"""The five built-in datasets in the plugin registry, their sources (shape, sizes, files), and option handling."""

from __future__ import annotations

import subprocess
import sys

import pydantic
import pytest

import nasbench_rss.data.torchvision_files as tvfiles
from nasbench_rss import hookimpl
from nasbench_rss.data.dataset import DatasetError, ImageDataset
from nasbench_rss.data.options import SyntheticOptions, TorchvisionOptions
from nasbench_rss.data.registry import dataset_info, dataset_options, load_dataset
from nasbench_rss.data.source import DatasetInfo
from nasbench_rss.plugins import OptionsError, PluginRegistry, Registration, UnknownName, clear_registry_cache

BUILTIN_DATASETS = ["cifar10", "cifar100", "fashion-mnist", "mnist", "synthetic"]


@pytest.fixture(autouse=True)
def _fresh_registry():
    clear_registry_cache()
    yield
    clear_registry_cache()


def test_builtin_datasets_are_registered_with_their_options_models():
    registry = PluginRegistry.load(entry_points=False)
    assert registry.names("dataset") == BUILTIN_DATASETS
    for entry in registry.entries("dataset"):
        assert entry.plugin == "nasbench_rss.data.plugin"
        assert entry.options_model is (SyntheticOptions if entry.name == "synthetic" else TorchvisionOptions)
        assert entry.options_model.model_config["extra"] == "forbid"
        assert entry.description and "\n" not in entry.description


@pytest.mark.slow
def test_registering_datasets_does_not_import_torch():
    code = (
        "import sys; from nasbench_rss.plugins import get_registry; "
        "assert 'synthetic' in get_registry().names('dataset'); sys.exit('torch' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_load_dataset_returns_the_dataset_and_its_resolved_options():
    data, resolved = load_dataset("synthetic", {"train_size": 30, "test_size": 20, "seed": 2})
    assert isinstance(data, ImageDataset) and len(data.train_labels) == 30
    assert resolved == {"train_size": 30, "test_size": 20, "num_classes": 10, "channels": 3,
                        "image_size": 32, "noise": 1.0, "clutter": 1.5, "seed": 2}
    same, _ = load_dataset("synthetic", SyntheticOptions(train_size=30, test_size=20, seed=2))
    assert same.train_images.equal(data.train_images)


def test_dataset_options_validates_with_the_model():
    assert dataset_options("mnist", None) == TorchvisionOptions()
    assert dataset_options("mnist", {"download": True}).download is True
    with pytest.raises(OptionsError, match=r"^dataset 'mnist': download: 'maybe' not allowed; allowed: a valid boolean; allowed options: root, download$"):
        dataset_options("mnist", {"download": "maybe"})
    with pytest.raises(OptionsError, match=r"^dataset 'cifar10': path: unknown key 'path'; allowed: root, download$"):
        dataset_options("cifar10", {"path": "/data"})
    with pytest.raises(OptionsError, match=r"^dataset 'synthetic': a list not allowed; allowed: a mapping of option names to values"):
        dataset_options("synthetic", ["train_size"])


def test_unknown_dataset_lists_the_available_ones():
    with pytest.raises(UnknownName, match=r"unknown dataset 'cifar' \(did you mean 'cifar10'\?\); available: cifar10, cifar100"):
        load_dataset("cifar", {})


# ---------------------------------------------------------------------- sources: shape and sizes without loading


def test_synthetic_info_follows_its_options_without_generating_anything():
    info, resolved = dataset_info("synthetic", {"train_size": 70, "test_size": 30, "channels": 1, "num_classes": 4, "image_size": 16})
    assert info == DatasetInfo(channels=1, num_classes=4, image_size=16, train_size=70, test_size=30, problem=None)
    assert resolved["train_size"] == 70
    data, _ = load_dataset("synthetic", resolved)
    assert (data.channels, data.num_classes, data.native_size, len(data.train_labels), len(data.test_labels)) == (1, 4, 16, 70, 30)


@pytest.mark.parametrize(
    "name, expected",
    [("mnist", (1, 10, 28, 60000, 10000)), ("fashion-mnist", (1, 10, 28, 60000, 10000)),
     ("cifar10", (3, 10, 32, 50000, 10000)), ("cifar100", (3, 100, 32, 50000, 10000))],
)
def test_torchvision_info_gives_the_published_sizes_and_finds_the_files(tmp_path, monkeypatch, name, expected):
    monkeypatch.setattr(tvfiles, "DEBIAN_FASHION_MNIST_DIR", tmp_path / "no-debian")
    info, _ = dataset_info(name, {"root": str(tmp_path)})
    assert (info.channels, info.num_classes, info.image_size, info.train_size, info.test_size) == expected
    spec = tvfiles.SPECS[name]
    assert info.problem is not None and info.problem.startswith(f"{name}: {spec.title} files not found")
    with pytest.raises(DatasetError) as refused:
        load_dataset(name, {"root": str(tmp_path)})
    assert str(refused.value) == info.problem  # one message, before anything runs and when the cell would load
    for file_name in spec.files:  # empty placeholders: info() checks that the files exist, it reads nothing
        (spec.path(tmp_path) / file_name).parent.mkdir(parents=True, exist_ok=True)
        (spec.path(tmp_path) / file_name).write_bytes(b"")
    assert dataset_info(name, {"root": str(tmp_path)})[0].problem is None
    assert dataset_info(name, {"root": str(tmp_path / "elsewhere"), "download": True})[0].problem is None


def test_fashion_mnist_info_counts_debians_package(tmp_path, monkeypatch):
    debian = tmp_path / "debian"
    debian.mkdir()
    monkeypatch.setattr(tvfiles, "DEBIAN_FASHION_MNIST_DIR", debian)
    options = {"root": str(tmp_path / "root")}
    problem = dataset_info("fashion-mnist", options)[0].problem
    assert problem is not None and str(debian) in problem and "apt-get install dataset-fashion-mnist" in problem
    for name in tvfiles.debian_files():
        (debian / name).write_bytes(b"")
    assert dataset_info("fashion-mnist", options)[0].problem is None


def test_the_file_names_are_torchvisions():
    import os

    from torchvision import datasets

    for spec in tvfiles.SPECS.values():
        cls = getattr(datasets, spec.class_name)
        if hasattr(cls, "resources"):
            assert spec.folder == f"{cls.__name__}/raw"
            assert spec.files == tuple(os.path.splitext(os.path.basename(url))[0] for url, _ in cls.resources)
        else:
            assert spec.folder == cls.base_folder
            assert spec.files == tuple([name for name, _ in cls.train_list + cls.test_list] + [cls.meta["filename"]])


@pytest.mark.slow
def test_dataset_info_imports_neither_torch_nor_torchvision():
    code = (
        "import sys; from nasbench_rss.data.registry import dataset_info; "
        "dataset_info('cifar10', {}); dataset_info('synthetic', {}); "
        "sys.exit(int(any(m in sys.modules for m in ('torch', 'torchvision'))))"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


class _TinySource:
    def __init__(self, options):
        self.options = options

    def info(self):
        return DatasetInfo(channels=1, num_classes=2, image_size=8, train_size=4, test_size=2)

    def load(self):
        import torch

        from nasbench_rss.data.dataset import ImageDataset

        images = torch.zeros((4, 1, 8, 8), dtype=torch.uint8)
        labels = torch.tensor([0, 1, 0, 1])
        return ImageDataset("tiny", images, labels, images[:2], labels[:2], 2, (0.0,), (1.0,))


class _TinyOptions(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    scale: int = 1


class _TinyPlugin:
    @staticmethod
    @hookimpl
    def register_datasets(register):
        register(Registration("tiny", "four blank images", _TinySource, _TinyOptions))
        register(Registration("raw-tensors", "the old contract: returns the data itself", lambda options: "a dataset"))
        register(Registration("bad-info", "info() is not a DatasetInfo", lambda options: _BadInfo()))


class _BadInfo(_TinySource):
    def __init__(self):
        super().__init__(None)

    def info(self):
        return {"channels": 1}


@pytest.fixture
def tiny_registry():
    registry = PluginRegistry.load(entry_points=False)
    registry.register_plugin(_TinyPlugin, "tiny-plugin", "acme-data", "1.0")
    return registry


def test_a_plugin_source_is_described_and_loaded_through_the_registry(tiny_registry):
    info, resolved = dataset_info("tiny", {"scale": 2}, registry=tiny_registry)
    assert (info.train_size, resolved) == (4, {"scale": 2})
    data, _ = load_dataset("tiny", {"scale": 2}, registry=tiny_registry)
    assert len(data.train_labels) == 4
    with pytest.raises(OptionsError, match=r"^dataset 'tiny': scale: 'x' not allowed; allowed: a valid integer"):
        dataset_info("tiny", {"scale": "x"}, registry=tiny_registry)


def test_a_factory_that_returns_no_source_is_an_error_naming_the_plugin(tiny_registry):
    with pytest.raises(DatasetError, match=r"^dataset 'raw-tensors': the factory registered by acme-data \(plugin tiny-plugin\) returned str; "
                                           r"expected a nasbench_rss\.data\.source\.DatasetSource"):
        load_dataset("raw-tensors", {}, registry=tiny_registry)
    with pytest.raises(DatasetError, match=r"^dataset 'bad-info': info\(\) returned dict; expected a nasbench_rss\.data\.source\.DatasetInfo"):
        dataset_info("bad-info", {}, registry=tiny_registry)


def test_dataset_info_checks_its_fields():
    with pytest.raises(DatasetError, match=r"DatasetInfo\.num_classes: 1 not allowed; allowed: integers >= 2"):
        DatasetInfo(channels=1, num_classes=1, image_size=8, train_size=4, test_size=2)
    with pytest.raises(DatasetError, match=r"DatasetInfo\.train_size: 0 not allowed"):
        DatasetInfo(channels=1, num_classes=2, image_size=8, train_size=0, test_size=2)
