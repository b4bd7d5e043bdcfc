"""The synthetic dataset: deterministic from its options, balanced, and learnable but not trivial."""

from __future__ import annotations

import pytest
import torch

from nasbench_rss.data.dataset import channel_stats
from nasbench_rss.data.options import SyntheticOptions
from nasbench_rss.data.registry import load_dataset
from nasbench_rss.data.synthetic import make_synthetic
from nasbench_rss.plugins import OptionsError

SMALL = SyntheticOptions(train_size=300, test_size=100, num_classes=7, channels=2, image_size=16, seed=3)


def test_shapes_dtypes_and_stats():
    data = make_synthetic(SMALL)
    assert data.name == "synthetic"
    assert data.train_images.shape == (300, 2, 16, 16) and data.train_images.dtype == torch.uint8
    assert data.test_images.shape == (100, 2, 16, 16)
    assert data.train_labels.dtype == data.test_labels.dtype == torch.int64
    assert (data.num_classes, data.channels, data.native_size, data.flip) == (7, 2, 16, True)
    assert (data.mean, data.std) == channel_stats(data.train_images)


def test_deterministic_from_options_alone():
    torch.manual_seed(123)  # global RNG state must not matter
    a = make_synthetic(SMALL)
    torch.manual_seed(456)
    b = make_synthetic(SMALL)
    for name in ("train_images", "train_labels", "test_images", "test_labels"):
        assert torch.equal(getattr(a, name), getattr(b, name)), name
    other = make_synthetic(SMALL.model_copy(update={"seed": 4}))
    assert not torch.equal(a.train_images, other.train_images)


def test_balanced_classes_in_both_splits():
    data = make_synthetic(SMALL)
    for labels, size in ((data.train_labels, 300), (data.test_labels, 100)):
        counts = torch.bincount(labels, minlength=7)
        assert counts.sum() == size and counts.max() - counts.min() <= 1
    assert not torch.equal(data.train_labels[:20], data.train_labels[:20].sort().values)  # shuffled, not blocks


def test_learnable_well_above_chance_but_not_trivial():
    """A nearest-class-mean classifier: far above chance (0.1), yet short of perfect."""
    data = make_synthetic(SyntheticOptions(train_size=1000, test_size=500))
    train = data.train_images.flatten(1).float()
    test = data.test_images.flatten(1).float()
    means = torch.stack([train[data.train_labels == k].mean(0) for k in range(10)])
    accuracy = (torch.cdist(test, means).argmin(1) == data.test_labels).float().mean().item()
    assert 0.5 < accuracy < 0.99


def test_noise_and_clutter_set_the_difficulty():
    def ncm(noise: float, clutter: float) -> float:
        data = make_synthetic(SyntheticOptions(train_size=500, test_size=500, noise=noise, clutter=clutter))
        train, test = data.train_images.flatten(1).float(), data.test_images.flatten(1).float()
        means = torch.stack([train[data.train_labels == k].mean(0) for k in range(10)])
        return (torch.cdist(test, means).argmin(1) == data.test_labels).float().mean().item()

    easy = ncm(0.0, 0.0)
    assert easy > 0.95
    assert ncm(4.0, 0.0) < easy and ncm(0.0, 4.0) < easy


@pytest.mark.parametrize(
    "options, match",
    [
        ({"train_size": 0}, r"train_size: 0 not allowed; allowed: greater than or equal to 1"),
        ({"num_classes": 1}, r"num_classes: 1 not allowed; allowed: greater than or equal to 2"),
        ({"image_size": 4}, r"image_size: 4 not allowed; allowed: greater than or equal to 8"),
        ({"noise": -1}, r"noise: -1 not allowed; allowed: greater than or equal to 0"),
        ({"test_size": 5}, r"test_size: 5 not allowed; allowed: >= num_classes \(10\)"),
        ({"colour": True}, r"colour: unknown key 'colour' \(did you mean 'clutter'\?\); allowed: train_size, test_size, num_classes"),
    ],
)
def test_invalid_options_name_the_field(options, match):
    with pytest.raises(OptionsError, match=r"^dataset 'synthetic': " + match):
        load_dataset("synthetic", options)
