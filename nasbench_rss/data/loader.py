"""Epochs of batches gathered by index from tensors already on the training device.

No worker processes, no per-image decoding: an epoch is one ``randperm`` on the device, each
batch one ``index_select`` of uint8 images plus one batched transform.  For small images
this costs well under a millisecond per batch, where a DataLoader over PIL images would
dominate a small subnet's training step.
"""

from __future__ import annotations

from typing import Callable, Iterator

import torch

from nasbench_rss.data.dataset import DatasetError

Transform = Callable[[torch.Tensor, "torch.Generator | None"], torch.Tensor]
"""(uint8 batch, generator or None) -> float batch, e.g. a BatchAugmenter or its ``evaluate``."""


class BatchLoader:
    """Iterate ``(inputs, labels)`` batches over device tensors, one pass per ``iter()``.

    ``generator`` draws the order (one ``randperm`` per epoch when ``shuffle``);
    ``aug_generator`` is handed to ``transform`` for augmentation.  Two generators, so the
    data order and the augmentations are independent streams of the cell's seed: changing
    the policy never changes which images a batch holds.  ``len()`` is the number of batches
    per epoch (the last one short unless ``drop_last``; 0 when ``drop_last`` and fewer
    images than ``batch_size``: callers decide whether that is an error).
    """

    def __init__(
        self,
        images: torch.Tensor,
        labels: torch.Tensor,
        batch_size: int,
        transform: Transform,
        generator: torch.Generator | None = None,
        aug_generator: torch.Generator | None = None,
        *,
        shuffle: bool = True,
        drop_last: bool = False,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise DatasetError(f"batch_size: {batch_size!r} not allowed; allowed: integers >= 1")
        if images.shape[0] != labels.shape[0]:
            raise DatasetError(f"BatchLoader: {images.shape[0]} images but {labels.shape[0]} labels")
        if images.device != labels.device:
            raise DatasetError(f"BatchLoader: images on {images.device} but labels on {labels.device}; move both")
        if shuffle and generator is None:
            raise DatasetError("BatchLoader: shuffle=True needs a generator (the data-order stream)")
        if generator is not None and generator.device.type != images.device.type:
            raise DatasetError(
                f"BatchLoader: generator on {generator.device} but images on {images.device}; "
                "use a generator on the images' device"
            )
        self.images = images
        self.labels = labels
        self.batch_size = batch_size
        self.transform = transform
        self.generator = generator
        self.aug_generator = aug_generator
        self.shuffle = shuffle
        self.drop_last = drop_last

    @property
    def num_samples(self) -> int:
        """Images per epoch (those in dropped last batches excluded)."""
        return len(self) * self.batch_size if self.drop_last else int(self.images.shape[0])

    def __len__(self) -> int:
        n = int(self.images.shape[0])
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def order(self) -> torch.Tensor | None:
        """This epoch's permutation (consumes ``generator``), or None in storage order."""
        if not self.shuffle:
            return None
        return torch.randperm(self.images.shape[0], generator=self.generator, device=self.images.device)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        order = self.order()
        for batch in range(len(self)):
            start = batch * self.batch_size
            stop = min(start + self.batch_size, int(self.images.shape[0]))
            if order is None:  # slices are views: no copy before the transform
                images, labels = self.images[start:stop], self.labels[start:stop]
            else:
                index = order[start:stop]
                images, labels = self.images.index_select(0, index), self.labels.index_select(0, index)
            yield self.transform(images, self.aug_generator), labels
