"""Stratified subsets: exact size, proportional class counts, seeded picks, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nasbench_rss.data.dataset import DatasetError
from nasbench_rss.data.subset import apply_subsets, stratified_allocation, stratified_subset, subset_indices
from nasbench_rss.data.synthetic import make_synthetic
from nasbench_rss.data.options import SyntheticOptions


def labels_from_counts(counts: list[int]) -> torch.Tensor:
    return torch.tensor(np.repeat(np.arange(len(counts)), counts), dtype=torch.int64)


@given(counts=st.lists(st.integers(0, 40), min_size=1, max_size=8).filter(lambda c: sum(c) > 0), data=st.data())
@settings(max_examples=200, deadline=None)
def test_allocation_exact_bounded_and_proportional(counts, data):
    total = sum(counts)
    n = data.draw(st.integers(0, total), label="n")
    alloc = stratified_allocation(np.array(counts), n)
    assert alloc.sum() == n
    assert np.all(alloc >= 0) and np.all(alloc <= counts)
    present = [k for k, c in enumerate(counts) if c > 0]
    if n >= len(present):
        assert all(alloc[k] >= 1 for k in present)
    quotas = np.array(counts) * n / total
    if all(quotas[k] >= 1 for k in present):  # no class needed its minimum: pure largest remainders
        assert np.all(np.abs(alloc - quotas) < 1)


def test_allocation_largest_remainders():
    # quotas 3.5, 2.1, 1.4 of n = 7: floors 3, 2, 1 leave one item, to the largest remainder (class 0).
    assert stratified_allocation(np.array([50, 30, 20]), 7).tolist() == [4, 2, 1]
    # A class too small for its quota still gets one item, taken from the largest class.
    assert stratified_allocation(np.array([97, 1, 2]), 3).tolist() == [1, 1, 1]


@given(counts=st.lists(st.integers(1, 30), min_size=2, max_size=6), data=st.data(), seed=st.integers(0, 2**32))
@settings(max_examples=60, deadline=None)
def test_subset_exact_size_unique_and_reproducible(counts, data, seed):
    labels = labels_from_counts(counts)
    images = torch.arange(len(labels), dtype=torch.uint8).view(-1, 1, 1, 1).expand(-1, 1, 2, 2).clone()
    n = data.draw(st.integers(1, len(labels)), label="n")
    sub_images, sub_labels = stratified_subset(images, labels, n, np.random.default_rng(seed))
    index = subset_indices(labels, n, np.random.default_rng(seed))
    assert len(sub_labels) == n == len(set(index.tolist()))
    assert torch.equal(sub_labels, labels[index])
    assert torch.equal(sub_images, images[index])
    assert torch.equal(index, index.sort().values)  # dataset order
    assert np.bincount(sub_labels.numpy(), minlength=len(counts)).tolist() == stratified_allocation(np.array(counts), n).tolist()
    again = subset_indices(labels, n, np.random.default_rng(seed))
    assert torch.equal(index, again)


def test_subset_proportions_on_an_imbalanced_split():
    labels = labels_from_counts([600, 300, 100])
    _, sub = stratified_subset(torch.zeros(1000, 1, 1, 1, dtype=torch.uint8), labels, 100, np.random.default_rng(0))
    assert torch.bincount(sub).tolist() == [60, 30, 10]


def test_different_seeds_pick_different_images():
    labels = labels_from_counts([100] * 10)
    a = subset_indices(labels, 50, np.random.default_rng(0))
    b = subset_indices(labels, 50, np.random.default_rng(1))
    assert not torch.equal(a, b)


@pytest.mark.parametrize("n", [0, -3, 11, True, 2.5])
def test_subset_size_errors_name_the_field_and_the_range(n):
    labels = labels_from_counts([5, 5])
    with pytest.raises(DatasetError, match=r"train_subset: .* not allowed; allowed: integers from 1 to 10 \(the size of mnist's train split\)"):
        stratified_subset(torch.zeros(10, 1, 1, 1, dtype=torch.uint8), labels, n, np.random.default_rng(0),
                          field="train_subset", of="mnist's train split")


def test_apply_subsets_keeps_stats_and_splits_independent():
    data = make_synthetic(SyntheticOptions(train_size=200, test_size=100))
    both = apply_subsets(data, 50, 30, np.random.default_rng(7))
    test_only = apply_subsets(data, None, 30, np.random.default_rng(7))
    assert (len(both.train_labels), len(both.test_labels)) == (50, 30)
    assert torch.bincount(both.train_labels).tolist() == [5] * 10
    assert test_only.train_images is data.train_images  # None keeps a split whole
    assert torch.equal(both.test_images, test_only.test_images)  # the train pick never shifts the test pick
    assert (both.mean, both.std) == (data.mean, data.std)
    assert apply_subsets(data, None, None, np.random.default_rng(0)) is data
    with pytest.raises(DatasetError, match=r"test_subset: 101 not allowed.*synthetic's test split"):
        apply_subsets(data, None, 101, np.random.default_rng(0))
