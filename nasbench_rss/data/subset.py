"""Seeded, class-stratified subsets: smaller cells that keep the dataset's class balance.

A random subset of a small size can leave a class out or skew the balance by chance, which
would change what a benchmark cell measures; allocating per class (proportional, largest
remainders) makes the subset's class counts a function of the sizes alone, and only which
images are picked depends on the seed.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from nasbench_rss.data.dataset import DatasetError, ImageDataset


def stratified_allocation(counts: np.ndarray, n: int) -> np.ndarray:
    """How many items of each class a stratified subset of ``n`` takes.

    Proportional to ``counts`` with the largest-remainder method (ties: larger class, then
    lower label), so the total is exactly ``n`` and no class is off its quota by a whole
    item; then, when ``n`` is at least the number of non-empty classes, every class gets
    at least one, taken from the class with the largest allocation.
    """
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if not 0 <= n <= total:
        raise DatasetError(f"n: {n} not allowed; allowed: 0 to {total}")
    quotas = counts * n  # exact integer arithmetic: quota_k = counts_k * n / total
    alloc = quotas // total
    remainders = quotas % total
    short = n - int(alloc.sum())
    # Largest remainder first; then the larger class; then the lower label (lexsort: last key is primary).
    order = np.lexsort((np.arange(len(counts)), -counts, -remainders))
    alloc[order[:short]] += 1

    present = counts > 0
    if n >= int(present.sum()):
        for k in order:  # classes with the largest remainder get their minimum first
            if present[k] and alloc[k] == 0:
                donor = int(np.argmax(alloc))  # has >= 2: n >= classes and class k has none
                alloc[donor] -= 1
                alloc[k] = 1
    return alloc


def subset_indices(
    labels: torch.Tensor, n: int, rng: np.random.Generator, *, field: str = "n", of: str = "the split"
) -> torch.Tensor:
    """Sorted indices of a stratified subset of ``n`` items of ``labels`` (int64, on CPU)."""
    size = int(labels.shape[0])
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= size:
        raise DatasetError(f"{field}: {n!r} not allowed; allowed: integers from 1 to {size} (the size of {of})")
    y = labels.detach().cpu().numpy()
    if size and y.min() < 0:
        raise DatasetError(f"{field}: labels must be >= 0, got {int(y.min())}")
    counts = np.bincount(y)
    alloc = stratified_allocation(counts, int(n))
    picked = []
    for k in np.flatnonzero(alloc):  # one draw per class, in label order: reproducible
        members = np.flatnonzero(y == k)
        picked.append(rng.choice(members, size=int(alloc[k]), replace=False))
    return torch.from_numpy(np.sort(np.concatenate(picked)))


def stratified_subset(
    images: torch.Tensor,
    labels: torch.Tensor,
    n: int,
    rng: np.random.Generator,
    *,
    field: str = "n",
    of: str = "the split",
) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` images and their labels, class-stratified and drawn with ``rng``, in dataset order.

    ``field`` names the option and ``of`` the split in error messages (e.g. ``"train_subset"``,
    ``"cifar10's train split"``).
    """
    if images.shape[0] != labels.shape[0]:
        raise DatasetError(f"{field}: {of} has {images.shape[0]} images but {labels.shape[0]} labels")
    index = subset_indices(labels, n, rng, field=field, of=of)
    return images.index_select(0, index.to(images.device)), labels.index_select(0, index.to(labels.device))


def apply_subsets(
    dataset: ImageDataset, train_subset: int | None, test_subset: int | None, rng: np.random.Generator
) -> ImageDataset:
    """``dataset`` with stratified subsets of its splits (None keeps a split whole).

    The two splits draw from independent children of ``rng``, so subsetting one never changes
    the other's pick.  ``mean``/``std`` are kept: they describe the dataset, not the subset,
    so a subset cell normalises exactly like a full one.
    """
    train_rng, test_rng = rng.spawn(2)
    changes = {}
    for split, n, split_rng in (("train", train_subset, train_rng), ("test", test_subset, test_rng)):
        if n is None:
            continue
        images, labels = getattr(dataset, f"{split}_images"), getattr(dataset, f"{split}_labels")
        changes[f"{split}_images"], changes[f"{split}_labels"] = stratified_subset(
            images, labels, n, split_rng, field=f"{split}_subset", of=f"{dataset.name}'s {split} split"
        )
    return replace(dataset, **changes) if changes else dataset


VALID_SEED = 2147483647
"""OFA's and the paper's code's seed of the validation split (``DataProvider.VALID_SEED``, base_provider.py:18)."""


def hold_out(dataset: ImageDataset, valid_size: int) -> ImageDataset:
    """``dataset`` without the ``valid_size`` training images OFA holds out for validation.

    OFA's split (``random_sample_valid_set``, base_provider.py:46-55, in both OFA and the
    paper's code): a ``torch.randperm`` of the training split from a generator seeded with
    :data:`VALID_SEED`; its first ``valid_size`` indices are held out.  The seed is fixed,
    not the cell's, as in both sources: every cell of a dataset holds out the same images.
    The rest keep their dataset order.  0 holds out nothing.
    """
    size = int(dataset.train_labels.shape[0])
    if isinstance(valid_size, bool) or not isinstance(valid_size, (int, np.integer)) or not 0 <= valid_size < size:
        raise DatasetError(
            f"valid_size: {valid_size!r} not allowed; allowed: integers from 0 to {size - 1} "
            f"({dataset.name}'s train split has {size} images)"
        )
    if valid_size == 0:
        return dataset
    order = torch.randperm(size, generator=torch.Generator().manual_seed(VALID_SEED))
    kept = torch.sort(order[valid_size:]).values
    return replace(
        dataset,
        train_images=dataset.train_images.index_select(0, kept.to(dataset.train_images.device)),
        train_labels=dataset.train_labels.index_select(0, kept.to(dataset.train_labels.device)),
    )
