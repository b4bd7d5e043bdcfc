"""A synthetic image dataset: no files, no network, learnable, and the same on every machine.

Each class has a random low-frequency template (a coarse Gaussian grid, upsampled bilinearly).
An image is its class template at a random shift and contrast, plus a random low-frequency
"clutter" pattern shared by no class, plus pixel noise.  The clutter and shifts keep a
nearest-mean or linear classifier well short of 100%, while a small CNN (translation
equivariant, with pooling) climbs well above chance within a few epochs, so tests and smoke
runs exercise real learning in seconds.
"""

from __future__ import annotations

import numpy as np
import torch

from nasbench_rss.data.dataset import ImageDataset, channel_stats
from nasbench_rss.data.options import SyntheticOptions
from nasbench_rss.seeding import SYNTHETIC_DATASET, numpy_rng

GRID = 4
"""Side of the coarse grid that templates and clutter are drawn on: low frequency."""
MAX_SHIFT_FRACTION = 8
"""Templates shift by up to ``image_size // MAX_SHIFT_FRACTION`` pixels each way (at least 1)."""
_CHUNK = 4096
"""Images generated per chunk (bounds memory; fixed, so the output never depends on it)."""


def make_synthetic(options: SyntheticOptions | None = None) -> ImageDataset:
    """Build the dataset from ``options`` alone: its own seeded generator, never global RNG."""
    options = options if options is not None else SyntheticOptions()
    rng = numpy_rng(options.seed, SYNTHETIC_DATASET)
    size, channels = options.image_size, options.channels
    max_shift = max(1, size // MAX_SHIFT_FRACTION)
    canvas = size + 2 * max_shift

    templates = _low_frequency(rng.standard_normal((options.num_classes, channels, GRID, GRID)), canvas)
    train_images, train_labels = _split(rng, templates, options.train_size, options, max_shift)
    test_images, test_labels = _split(rng, templates, options.test_size, options, max_shift)
    mean, std = channel_stats(train_images)
    return ImageDataset(
        name="synthetic",
        train_images=train_images,
        train_labels=train_labels,
        test_images=test_images,
        test_labels=test_labels,
        num_classes=options.num_classes,
        mean=mean,
        std=std,
        flip=True,
    )


def _low_frequency(grid: np.ndarray, size: int) -> np.ndarray:
    """Upsample coarse grids (N, C, g, g) bilinearly to (N, C, size, size); each image to unit std.

    In float64 numpy with an explicit interpolation matrix (what ``F.interpolate`` with
    ``align_corners=False`` computes), so the images do not depend on torch's kernels.
    """
    g = grid.shape[-1]
    src = np.clip((np.arange(size) + 0.5) * g / size - 0.5, 0, g - 1)
    weights = np.clip(1.0 - np.abs(src[:, None] - np.arange(g)[None, :]), 0.0, None)  # (size, g)
    up = weights @ grid @ weights.T
    up -= up.mean(axis=(-1, -2), keepdims=True)
    up /= np.maximum(up.reshape(len(up), -1).std(axis=1, ddof=1), 1e-6)[:, None, None, None]
    return up


def _split(
    rng: np.random.Generator, templates: np.ndarray, n: int, options: SyntheticOptions, max_shift: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` images with balanced labels (class counts differ by at most one), in random order."""
    labels = rng.permutation(np.arange(n) % options.num_classes)
    size = options.image_size
    chunks = []
    for start in range(0, n, _CHUNK):
        y = labels[start : start + _CHUNK]
        m = len(y)
        dy, dx = rng.integers(0, 2 * max_shift + 1, size=(2, m))
        contrast = rng.uniform(0.6, 1.4, size=(m, 1, 1, 1)).astype(np.float32)
        # Shifted class templates: crop each image's window out of its class's canvas.
        rows = dy[:, None] + np.arange(size)[None, :]
        cols = dx[:, None] + np.arange(size)[None, :]
        shifted = templates[y[:, None, None, None], np.arange(options.channels)[None, :, None, None],
                            rows[:, None, :, None], cols[:, None, None, :]]
        clutter = _low_frequency(rng.standard_normal((m, options.channels, GRID, GRID)), size)
        noise = rng.standard_normal(shifted.shape, dtype=np.float32)
        x = contrast * shifted + options.clutter * clutter + options.noise * noise
        chunks.append(np.clip(np.rint(128.0 + 40.0 * x), 0, 255).astype(np.uint8))
    images = torch.from_numpy(np.concatenate(chunks))
    return images, torch.from_numpy(labels.astype(np.int64))
