"""Sections 6-7 of docs/writing-plugins.md: datasets, architectures and reporters (plugin API 1.0)."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from nasbench_rss.arch.architecture import Architecture
from nasbench_rss.arch.layout import Shape
from nasbench_rss.arch.options import SpaceOptions
from nasbench_rss.data.dataset import ImageDataset
from nasbench_rss.data.registry import dataset_info, load_dataset
from nasbench_rss.data.source import DatasetError, DatasetInfo, DatasetSource
from nasbench_rss.plugins import Registration, get_registry
from nasbench_rss.report import Report, write_report
from nasbench_rss.testing import RegistrationPlugin, registry_with
from tests.contract.signatures import assert_signature

SMALL = {"train_size": 32, "test_size": 16, "num_classes": 4, "channels": 1, "image_size": 8}


def test_dataset_info_is_a_frozen_record_of_shape_sizes_and_problem():
    assert [(f.name, f.default) for f in dataclasses.fields(DatasetInfo)] == [
        ("channels", dataclasses.MISSING), ("num_classes", dataclasses.MISSING), ("image_size", dataclasses.MISSING),
        ("train_size", dataclasses.MISSING), ("test_size", dataclasses.MISSING), ("problem", None),
    ]  # fmt: skip
    info = DatasetInfo(1, 10, 8, 1437, 360)
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.problem = "x"  # type: ignore[misc]


def test_a_dataset_source_has_info_and_load_and_the_registry_gives_both_with_resolved_options():
    assert_signature(dataset_info, "(name, options=None, registry=None)", "dataset_info")
    assert_signature(load_dataset, "(name, options=None, registry=None)", "load_dataset")
    info, resolved = dataset_info("synthetic", SMALL)
    assert isinstance(info, DatasetInfo) and (info.channels, info.num_classes, info.train_size, info.problem) == (1, 4, 32, None)
    assert resolved["train_size"] == 32 and "seed" in resolved  # every default filled in
    dataset, again = load_dataset("synthetic", SMALL)
    assert isinstance(dataset, ImageDataset) and again == resolved
    assert dataset.train_images.dtype.is_floating_point is False and tuple(dataset.train_images.shape) == (32, 1, 8, 8)
    assert {"name", "train_images", "train_labels", "test_images", "test_labels", "num_classes", "mean", "std", "flip"} <= {
        f.name for f in dataclasses.fields(ImageDataset)
    }
    entry = get_registry().get("dataset", "synthetic")
    assert isinstance(entry.factory(entry.options_model()), DatasetSource)


def test_a_dataset_factory_returning_no_source_is_a_dataset_error_naming_the_plugin():
    registry = registry_with(RegistrationPlugin("dataset", Registration("contract-data", "returns the data itself", lambda options: "images")))
    with pytest.raises(DatasetError, match=r"dataset 'contract-data': the factory registered by <test> \(plugin test-dataset-contract-data\) returned str; expected a nasbench_rss.data.source.DatasetSource"):
        dataset_info("contract-data", None, registry)


def test_an_architecture_factory_takes_nothing_and_gives_space_flops_and_build():
    for entry in get_registry().entries("architecture"):
        architecture = entry.factory()
        assert isinstance(architecture, Architecture)
        assert entry.options_model is SpaceOptions
    assert_signature(Architecture.space, "(self, kernel=(3, 5, 7), expand=(3, 4, 6), depth=(2, 3, 4))", "Architecture.space")
    assert_signature(Architecture.flops_table, "(self, shape, space=None)", "Architecture.flops_table")
    assert_signature(Architecture.build, "(self, shape, space=None, dropout=0.1)", "Architecture.build")
    assert set(SpaceOptions.model_fields) == {"kernel", "expand", "depth"}
    space = get_registry().get("architecture", "mobilenet-v3").factory().space(kernel=(3,), expand=(3,), depth=(2,))
    assert space.kernel_choices == (3,)
    assert isinstance(Shape(in_channels=1, num_classes=4, image_size=8), Shape)


def test_a_reporter_gets_a_report_of_analysis_document_figures_and_writes_into_a_directory():
    assert [f.name for f in dataclasses.fields(Report)] == ["analysis", "document", "figures"]
    assert "formats" in inspect.signature(write_report).parameters  # write_report(..., formats=...)
    for entry in get_registry().entries("reporter"):
        reporter = entry.factory(entry.options_model() if entry.options_model else None)
        assert callable(reporter.write), entry.name
