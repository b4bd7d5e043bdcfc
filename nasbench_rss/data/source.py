"""What a dataset plugin provides: a cheap *source* that knows the data's shape and sizes.

A dataset registration's ``factory(options)`` returns a :class:`DatasetSource`.  Its
:meth:`~DatasetSource.info` says what the data is (channels, classes, native image size,
split sizes) and whether it can be loaded, without reading or decoding anything, so a
suite is checked against its datasets before any cell trains (a subset larger than the
split, batches that do not fit, missing files).  :meth:`~DatasetSource.load` reads it.

Nothing here imports torch: validating a suite stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from nasbench_rss.errors import DatasetError  # noqa: F401  (documented here; defined with the other errors)

if TYPE_CHECKING:
    from nasbench_rss.data.dataset import ImageDataset


@dataclass(frozen=True)
class DatasetInfo:
    """A dataset's shape and sizes, known without loading it.

    ``image_size`` is the native (stored) side; the trainer resizes to its own
    ``image_size``.  ``problem`` is None when :meth:`DatasetSource.load` can load the data,
    else one sentence saying what is missing, where it looked and how to get it.
    """

    channels: int
    num_classes: int
    image_size: int
    train_size: int
    test_size: int
    problem: str | None = None

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name == "problem":
                if value is not None and not (isinstance(value, str) and value.strip()):
                    raise DatasetError(f"DatasetInfo.problem: {value!r} not allowed; allowed: None or a sentence")
            elif isinstance(value, bool) or not isinstance(value, int) or value < (2 if field.name == "num_classes" else 1):
                low = 2 if field.name == "num_classes" else 1
                raise DatasetError(f"DatasetInfo.{field.name}: {value!r} not allowed; allowed: integers >= {low}")


@runtime_checkable
class DatasetSource(Protocol):
    """A dataset as a plugin's factory returns it: described cheaply, loaded on demand."""

    def info(self) -> DatasetInfo:
        """Shape, sizes and availability; must not read or decode the data (it runs while validating)."""
        ...

    def load(self) -> ImageDataset:
        """The dataset as CPU tensors; a :class:`DatasetError` saying what is missing and how to get it."""
        ...
