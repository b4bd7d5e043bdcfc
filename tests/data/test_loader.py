"""BatchLoader: every image once per epoch, reproducible order, lengths, drop_last, transforms."""

from __future__ import annotations

import pytest
import torch

from nasbench_rss.data.augment import BatchAugmenter
from nasbench_rss.data.dataset import DatasetError
from nasbench_rss.data.loader import BatchLoader
from nasbench_rss.data.options import SyntheticOptions
from nasbench_rss.data.synthetic import make_synthetic


def identity(images, generator):
    return images


def indexed(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Images whose single pixel, and label, is their index (mod 256 for the pixel)."""
    labels = torch.arange(n, dtype=torch.int64)
    images = (labels % 256).to(torch.uint8).view(n, 1, 1, 1)
    return images, labels


def loader(n: int, batch_size: int, seed: int = 0, **kwargs) -> BatchLoader:
    images, labels = indexed(n)
    return BatchLoader(images, labels, batch_size, identity, torch.Generator().manual_seed(seed), None, **kwargs)


@pytest.mark.parametrize("n, batch_size", [(100, 7), (64, 64), (5, 10), (130, 32)])
def test_every_index_exactly_once_per_epoch(n, batch_size):
    data = loader(n, batch_size)
    for _ in range(2):
        batches = list(data)
        assert len(batches) == len(data) == -(-n // batch_size)
        labels = torch.cat([labels for _, labels in batches])
        assert sorted(labels.tolist()) == list(range(n))
        assert all(len(labels) == batch_size for _, labels in batches[:-1])
        for images, labels in batches:  # images travel with their labels
            assert torch.equal(images.view(-1).long(), labels % 256)


def test_drop_last_drops_the_short_batch_only():
    data = loader(100, 32, drop_last=True)
    assert len(data) == 3 and data.num_samples == 96
    labels = torch.cat([labels for _, labels in data])
    assert len(labels) == 96 == len(set(labels.tolist()))
    assert len(loader(96, 32, drop_last=True)) == 3
    assert len(loader(10, 32, drop_last=True)) == 0  # callers decide whether that is an error


def test_order_reproducible_from_the_generator_and_new_each_epoch():
    first = [labels for _, labels in loader(50, 8, seed=3)]
    again = [labels for _, labels in loader(50, 8, seed=3)]
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    other = torch.cat([labels for _, labels in loader(50, 8, seed=4)])
    assert not torch.equal(torch.cat(first), other)
    data = loader(50, 8, seed=3)
    epoch1, epoch2 = torch.cat([lab for _, lab in data]), torch.cat([lab for _, lab in data])
    assert not torch.equal(epoch1, epoch2)
    assert torch.equal(epoch1, torch.cat(first))


def test_no_shuffle_keeps_storage_order_without_a_generator():
    images, labels = indexed(10)
    data = BatchLoader(images, labels, 4, identity, shuffle=False)
    assert [lab.tolist() for _, lab in data] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_transform_gets_the_augmentation_generator_and_augments():
    data = make_synthetic(SyntheticOptions(train_size=100, test_size=10))
    augment = BatchAugmenter("standard", data)
    make = lambda: BatchLoader(data.train_images, data.train_labels, 16, augment,  # noqa: E731
                               torch.Generator().manual_seed(0), torch.Generator().manual_seed(1))
    batches = list(make())
    assert batches[0][0].shape == (16, 3, 32, 32) and batches[0][0].dtype == torch.float32
    assert all(torch.equal(a[0], b[0]) for a, b in zip(batches, make()))  # both streams seeded
    seen = []
    BatchLoader(data.train_images, data.train_labels, 50, lambda x, g: seen.append(g) or x.float(),
                torch.Generator().manual_seed(0), aug := torch.Generator().manual_seed(1)).__iter__().__next__()
    assert seen == [aug]


def test_invalid_arguments():
    images, labels = indexed(10)
    with pytest.raises(DatasetError, match=r"batch_size: 0 not allowed; allowed: integers >= 1"):
        BatchLoader(images, labels, 0, identity, torch.Generator())
    with pytest.raises(DatasetError, match=r"10 images but 9 labels"):
        BatchLoader(images, labels[:9], 4, identity, torch.Generator())
    with pytest.raises(DatasetError, match=r"shuffle=True needs a generator"):
        BatchLoader(images, labels, 4, identity)
