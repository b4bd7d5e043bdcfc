"""The five built-in datasets in the plugin registry, and load_dataset's option handling."""

from __future__ import annotations

import subprocess
import sys

import pytest

from nasbench_rss.data.dataset import DatasetError, ImageDataset
from nasbench_rss.data.options import SyntheticOptions, TorchvisionOptions
from nasbench_rss.data.registry import dataset_options, load_dataset
from nasbench_rss.plugins import PluginRegistry, UnknownName, clear_registry_cache

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
    with pytest.raises(DatasetError, match=r"dataset 'mnist' options: download: Input should be a valid boolean.* \(got 'maybe'\)"):
        dataset_options("mnist", {"download": "maybe"})
    with pytest.raises(DatasetError, match=r"dataset 'cifar10' options: path: unknown option; allowed: root, download"):
        dataset_options("cifar10", {"path": "/data"})
    with pytest.raises(DatasetError, match=r"expected a mapping of option names to values"):
        dataset_options("synthetic", ["train_size"])


def test_unknown_dataset_lists_the_available_ones():
    with pytest.raises(UnknownName, match=r"unknown dataset 'cifar' \(did you mean 'cifar10'\?\); available: cifar10, cifar100"):
        load_dataset("cifar", {})
