"""A dataset as four tensors: uint8 images (N, C, H, W) and int64 labels, train and test.

Small image datasets fit on any device whole, so nothing is decoded per image during
training: batches are gathered by index and augmented batched on the device.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from nasbench_rss.data.source import DatasetError  # noqa: F401  (defined without torch; imported from here too)


@dataclass(frozen=True, eq=False)
class ImageDataset:
    """Train and test splits of one image-classification dataset.

    ``mean``/``std`` are per channel on the [0, 1] scale, computed by the dataset's plugin
    from its training images (the usual published values for the real datasets).
    ``native_size`` is the stored image size; ``flip`` says whether horizontal flips keep
    an image's class (not for digits).
    """

    name: str
    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    num_classes: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    flip: bool = True

    def __post_init__(self) -> None:
        for split, images, labels in (("train", self.train_images, self.train_labels), ("test", self.test_images, self.test_labels)):
            if images.dtype != torch.uint8 or images.dim() != 4:
                raise DatasetError(f"{self.name} {split} images: expected uint8 (N, C, H, W), got {images.dtype} {tuple(images.shape)}")
            if labels.dtype != torch.int64 or labels.shape != (images.shape[0],):
                raise DatasetError(f"{self.name} {split} labels: expected int64 ({images.shape[0]},), got {labels.dtype} {tuple(labels.shape)}")
        if self.train_images.shape[1:] != self.test_images.shape[1:]:
            raise DatasetError(f"{self.name}: train images {tuple(self.train_images.shape[1:])} and test images {tuple(self.test_images.shape[1:])} differ")
        if not (len(self.mean) == len(self.std) == self.channels):
            raise DatasetError(f"{self.name}: mean/std need one value per channel ({self.channels})")

    @property
    def channels(self) -> int:
        return int(self.train_images.shape[1])

    @property
    def native_size(self) -> int:
        return int(self.train_images.shape[-1])

    def to(self, device: torch.device | str) -> "ImageDataset":
        return replace(
            self,
            train_images=self.train_images.to(device),
            train_labels=self.train_labels.to(device),
            test_images=self.test_images.to(device),
            test_labels=self.test_labels.to(device),
        )


def channel_stats(images: torch.Tensor) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Exact per-channel mean and (population) std of uint8 images, on the [0, 1] scale.

    Counted through a 256-bin histogram per channel, so it is exact in float64 and never
    materialises a float copy of the images (CIFAR's train split would be 1.2 GB).
    """
    if images.dtype != torch.uint8 or images.dim() != 4 or images.shape[0] == 0:
        raise DatasetError(f"channel_stats: expected non-empty uint8 (N, C, H, W), got {images.dtype} {tuple(images.shape)}")
    values = torch.arange(256, dtype=torch.float64) / 255.0
    means, stds = [], []
    for channel in range(images.shape[1]):
        counts = torch.bincount(images[:, channel].reshape(-1), minlength=256).cpu().to(torch.float64)
        total = counts.sum()
        mean = (counts * values).sum() / total
        var = (counts * (values - mean) ** 2).sum() / total
        means.append(float(mean))
        stds.append(float(var.sqrt()))
    return tuple(means), tuple(stds)
