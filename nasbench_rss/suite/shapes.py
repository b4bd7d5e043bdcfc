"""The input shape of a dataset without loading it, for checking samplers at validation time.

Validating a suite builds every run's sampler once (to catch, say, too few epochs for
progressive shrinking), and a sampler's context carries the FLOPs table of the space at
the dataset's shape.  Loading CIFAR-100 to learn "3 channels, 100 classes" would make
``nasbench-rss validate`` slow and would fail where the data is not downloaded yet, so the
shape comes from the dataset's options when they say it (``channels``, ``num_classes``, as
the synthetic dataset's do), from the known shapes of the built-in torchvision datasets,
and otherwise from :class:`Shape`'s defaults.  The built-in samplers do not read FLOPs at
all; a FLOPs-aware plugin sampler sees the real table when the cell trains.
"""

from __future__ import annotations

from typing import Any, Mapping

from nasbench_rss.arch.layout import Shape

KNOWN_SHAPES: dict[str, tuple[int, int]] = {
    "mnist": (1, 10),
    "fashion-mnist": (1, 10),
    "cifar10": (3, 10),
    "cifar100": (3, 100),
}
"""Built-in dataset -> (channels, classes); the images are resized to the training image size."""


def dataset_shape(name: str, options: Mapping[str, Any], image_size: int) -> Shape:
    """Best known :class:`Shape` of dataset ``name`` with ``options`` at the training ``image_size``."""
    channels, classes = KNOWN_SHAPES.get(name, (Shape.in_channels, Shape.num_classes))
    channels = options.get("channels", channels)
    classes = options.get("num_classes", classes)
    if not (isinstance(channels, int) and channels >= 1 and isinstance(classes, int) and classes >= 2):
        channels, classes = Shape.in_channels, Shape.num_classes
    return Shape(in_channels=channels, num_classes=classes, image_size=image_size)
