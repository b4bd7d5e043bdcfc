"""Options models of the built-in datasets: pydantic only, no torch.

The plugin hook imports these to register the datasets; keeping torch out of this module
keeps loading the plugin registry (``nasbench-rss plugins``) fast.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nasbench_rss.limits import Seed

DATA_ROOT_ENV = "NASBENCH_RSS_DATA"
"""Environment variable naming the data root when the options give none."""

DEFAULT_DATA_ROOT = Path("~/.cache/nasbench-rss/data")
"""The data root when neither the options nor :data:`DATA_ROOT_ENV` give one."""

TORCHVISION_DATASETS: tuple[str, ...] = ("mnist", "fashion-mnist", "cifar10", "cifar100")

DESCRIPTIONS: dict[str, str] = {
    "mnist": "MNIST handwritten digits, 60k/10k 28x28 grey, 10 classes (torchvision layout; no flips)",
    "fashion-mnist": "Fashion-MNIST clothing, 60k/10k 28x28 grey, 10 classes (torchvision layout or Debian's package)",
    "cifar10": "CIFAR-10 objects, 50k/10k 32x32 colour, 10 classes (torchvision layout)",
    "cifar100": "CIFAR-100 objects, 50k/10k 32x32 colour, 100 classes (torchvision layout)",
}


class TorchvisionOptions(BaseModel):
    """Where the files are, and whether torchvision may download them."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    root: Path | None = None
    """Data root in torchvision's layout; None: ``$NASBENCH_RSS_DATA``, else ``~/.cache/nasbench-rss/data``."""
    download: bool = False
    """Let torchvision download missing files (needs a network); never done otherwise."""


class SyntheticOptions(BaseModel):
    """Sizes, shape, difficulty and seed of the synthetic dataset."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    train_size: int = Field(2048, ge=1)
    test_size: int = Field(512, ge=1)
    num_classes: int = Field(10, ge=2)
    channels: int = Field(3, ge=1, le=16)
    image_size: int = Field(32, ge=8, le=512)
    noise: float = Field(1.0, ge=0.0, le=10.0)
    """Std of per-pixel Gaussian noise relative to the unit-std class template.

    At the defaults a nearest-class-mean classifier scores about 0.85 and a three-layer CNN
    goes from chance (0.1) to about 0.6 in five epochs of 2048 images.
    """
    clutter: float = Field(1.5, ge=0.0, le=10.0)
    """Weight of each image's random low-frequency clutter pattern relative to the template.

    ``noise: 0, clutter: 0`` leaves shifted, contrast-varied templates only: an easy set for
    tests that must see the loss fall within a few dozen steps.
    """
    seed: Seed = 0

    @model_validator(mode="after")
    def _every_class_in_both_splits(self) -> SyntheticOptions:
        for field in ("train_size", "test_size"):
            value = getattr(self, field)
            if value < self.num_classes:
                raise ValueError(
                    f"{field}: {value} not allowed; allowed: >= num_classes ({self.num_classes}), "
                    "so that every class appears in the split"
                )
        return self
