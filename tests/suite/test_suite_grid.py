"""Expansion into cells: counts, order, per-dataset epochs, inheritance, hashes, the resolved document."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import yaml

from nasbench_rss.arch.layout import Shape
from nasbench_rss.arch.options import architecture_space
from nasbench_rss.plugins import get_registry
from nasbench_rss.samplers.base import SamplerContext
from nasbench_rss.samplers.registry import build_sampler
from nasbench_rss.suite import PlannedCell, config_hash, parse_suite
from nasbench_rss.config.training import CellConfig, TrainConfig

GRID = """\
name: grid
seeds: [3, 1]
defaults:
  architecture: {name: mobilenet-v3, options: {kernel: [3, 5]}}
  dataset: {name: fashion-mnist, train_subset: 600, test_subset: 200, options: {download: false}}
  training: {lr: 0.02, batch_size: 32}
  evaluation: {recalibration_images: 500, recalibration_batch_size: 100}
matrix:
  architecture: [mobilenet-v3, proxylessnas]
  dataset:
    - mnist
    - fashion-mnist
    - {name: cifar10, train_subset: 500, test_subset: null}
runs:
  ofa:
    sampler: progressive-shrinking
    epochs: {mnist: 37, fashion-mnist: 82, cifar10: 590}
  rss:
    sampler: rss
    epochs: 7
    training: {batch_size: 16}
"""


@pytest.fixture(scope="module")
def grid():
    return parse_suite(GRID, "grid.yaml")


def test_cells_are_arch_x_dataset_x_run_x_seed_in_order(grid):
    cells = grid.cells()
    assert len(cells) == 2 * 3 * 2 * 2
    expected = [
        f"{a}/{d}/{r}/seed{s}"
        for a, d, r, s in itertools.product(["mobilenet-v3", "proxylessnas"], ["mnist", "fashion-mnist", "cifar10"], ["ofa", "rss"], [3, 1])
    ]
    assert [cell.id for cell in cells] == expected
    assert len({cell.directory for cell in cells}) == len(cells)
    assert all(isinstance(cell, PlannedCell) and isinstance(cell.config, CellConfig) for cell in cells)


def test_per_dataset_epochs(grid):
    epochs = {(c.dataset, c.run): c.config.epochs for c in grid.cells()}
    assert epochs == {
        ("mnist", "ofa"): 37, ("fashion-mnist", "ofa"): 82, ("cifar10", "ofa"): 590,
        ("mnist", "rss"): 7, ("fashion-mnist", "rss"): 7, ("cifar10", "rss"): 7,
    }


def test_matrix_entries_inherit_from_the_defaults(grid):
    by_dataset = {c.dataset: c.config for c in grid.cells() if c.arch == "mobilenet-v3" and c.run == "rss" and c.seed == 3}
    assert (by_dataset["mnist"].train_subset, by_dataset["mnist"].test_subset) == (600, 200)
    assert (by_dataset["cifar10"].train_subset, by_dataset["cifar10"].test_subset) == (500, None)
    # options inherit only for the same plugin: the default's root/download, resolved
    assert by_dataset["fashion-mnist"].dataset_options == {"root": None, "download": False}
    # architecture options: mobilenet-v3 inherits kernel [3, 5]; proxylessnas gets its own defaults
    arch_options = {c.arch: c.config.arch_options for c in grid.cells()}
    assert arch_options["mobilenet-v3"] == {"kernel": [3, 5], "expand": [3, 4, 6], "depth": [2, 3, 4]}
    assert arch_options["proxylessnas"] == {"kernel": [3, 5, 7], "expand": [3, 4, 6], "depth": [2, 3, 4]}


def test_training_is_merged_key_by_key(grid):
    train = {c.run: c.config.train for c in grid.cells()}
    assert train["ofa"] == TrainConfig(lr=0.02, batch_size=32)
    assert train["rss"] == TrainConfig(lr=0.02, batch_size=16)


def test_options_are_resolved_with_defaults(grid):
    cell = grid.cells()[0]
    assert cell.config.sampler_options["name"] == "progressive-shrinking"
    assert cell.config.sampler_options["lr_divisors"] == pytest.approx([2.6 / 0.96, 32.5, 2.6 / 0.24, 32.5, 2.6 / 0.24])
    assert cell.evaluation.per_bucket == 100


def test_matrix_options_are_merged_over_the_default_of_the_same_plugin():
    text = GRID.replace("    - fashion-mnist\n", "    - {name: fashion-mnist, options: {download: true}}\n")
    text = text.replace("options: {download: false}", "options: {download: false, root: /data}")
    options = {c.dataset: c.config.dataset_options for c in parse_suite(text).cells()}
    assert options["fashion-mnist"] == {"root": "/data", "download": True}
    assert options["mnist"] == {"root": None, "download": False}


def test_without_a_matrix_the_defaults_are_the_grid():
    text = "name: one\ndefaults:\n  architecture: {name: mobilenet-v3}\n  dataset: {name: synthetic}\nruns:\n  a: {sampler: rss, epochs: 1}\n"
    (cell,) = parse_suite(text).cells()
    assert cell.id == "mobilenet-v3/synthetic/a/seed0"
    assert cell.directory.as_posix() == f"cells/mobilenet-v3/synthetic/a/seed0-{cell.config_hash}"


BASE = "name: h\ndefaults:\n  architecture: {name: mobilenet-v3}\n  dataset: {name: synthetic}\nruns:\n  a: {sampler: rss, epochs: 2}\n"


def hash_of(text: str) -> str:
    (cell,) = parse_suite(text).cells()
    return cell.config_hash


def test_config_hash_ignores_defaults_written_out():
    explicit = BASE.replace("{name: synthetic}", "{name: synthetic, options: {train_size: 2048, noise: 1.0}}")
    explicit = explicit.replace("{sampler: rss, epochs: 2}", "{sampler: rss, epochs: 2, options: {distribution: per-dimension}, training: {lr: 0.01}}")
    assert hash_of(explicit) == hash_of(BASE)
    assert hash_of(BASE.replace("{name: mobilenet-v3}", "{name: mobilenet-v3, options: {kernel: [3, 5, 7]}}")) == hash_of(BASE)


@pytest.mark.parametrize(
    "old, new",
    [
        ("epochs: 2", "epochs: 3"),
        ("{sampler: rss, epochs: 2}", "{sampler: rss, epochs: 2, training: {lr: 0.02}}"),
        ("{sampler: rss, epochs: 2}", "{sampler: rss, epochs: 2, options: {distribution: uniform}}"),
        ("{name: synthetic}", "{name: synthetic, options: {noise: 0.5}}"),
        ("{name: synthetic}", "{name: synthetic, train_subset: 2000}"),
        ("{name: mobilenet-v3}", "{name: mobilenet-v3, options: {kernel: [3, 5]}}"),
    ],
)
def test_config_hash_changes_with_any_setting(old, new):
    assert old in BASE
    assert hash_of(BASE.replace(old, new)) != hash_of(BASE)


def test_config_hash_is_sha256_of_canonical_json():
    import hashlib
    import json

    (cell,) = parse_suite(BASE).cells()
    text = json.dumps(cell.config.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    assert cell.config_hash == hashlib.sha256(text.encode()).hexdigest()[:10] == config_hash(cell.config)


def test_seed_changes_the_hash_and_the_evaluation_does_not():
    two = parse_suite(BASE.replace("name: h\n", "name: h\nseeds: [0, 1]\n")).cells()
    assert two[0].config_hash != two[1].config_hash
    evaluated = parse_suite(BASE.replace("  dataset: {name: synthetic}\n", "  dataset: {name: synthetic}\n  evaluation: {per_bucket: 5}\n"))
    assert hash_of(BASE) == evaluated.cells()[0].config_hash
    assert evaluated.cells()[0].evaluation.per_bucket == 5


def test_resolved_document_round_trips(grid):
    document = grid.resolved_document()
    assert document["runs"]["rss"]["training"]["batch_size"] == 16
    assert document["matrix"]["dataset"][2] == {"name": "cifar10", "options": {"root": None, "download": False}, "train_subset": 500, "test_subset": None}
    text = grid.resolved_yaml()
    assert "&id" not in text and "*id" not in text  # no YAML anchors from shared objects
    assert yaml.safe_load(text) == document
    again = parse_suite(text, "resolved.yaml")
    assert [(c.id, c.config_hash) for c in again.cells()] == [(c.id, c.config_hash) for c in grid.cells()]


def test_suite_attributes(grid):
    assert (grid.name, grid.seeds, grid.device, grid.baseline, grid.requires, grid.source) == ("grid", [3, 1], "auto", None, [], None)
    assert grid.runs == ["ofa", "rss"]


def test_cell_configs_build_their_sampler_as_the_trainer_does(grid):
    """What ``train_cell`` does with a config: resolve the space, build the sampler (options validated again)."""
    registry = get_registry()
    for cell in grid.cells()[:4]:
        config = cell.config
        space, arch_options = architecture_space(registry.get("architecture", config.arch), config.arch_options)
        assert arch_options == config.arch_options
        arch = registry.get("architecture", config.arch).factory()
        context = SamplerContext(space, config.epochs, np.random.default_rng(0), arch.flops_table(Shape(1, 10, 32), space))
        sampler = build_sampler(config.sampler, config.sampler_options, context)
        assert sampler.config.model_dump(mode="json") == config.sampler_options
