"""Where the torchvision datasets' files are, what they hold, and what to say when they are missing.

The files live under a data root in torchvision's own layout (``<root>/MNIST/raw/...``,
``<root>/cifar-10-batches-py/...``), so a root filled by torchvision's download, by hand,
or by an earlier run works unchanged.  Fashion-MNIST is also found in Debian's
``dataset-fashion-mnist`` package.  This module knows all that without importing torch or
torchvision, so a suite's datasets are checked (shape, sizes, files present) in an
instant; :mod:`nasbench_rss.data.torchvision_data` reads the files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from nasbench_rss.data.options import DATA_ROOT_ENV, DEFAULT_DATA_ROOT, TorchvisionOptions
from nasbench_rss.data.source import DatasetError, DatasetInfo

DEBIAN_FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
"""Where Debian's ``dataset-fashion-mnist`` package puts the gzipped files (tests override it)."""

_MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


@dataclass(frozen=True)
class Spec:
    """One torchvision dataset: its class, its files under the data root, and its published sizes.

    ``folder`` and ``files`` are what torchvision's class reads (a test checks them against
    torchvision's own attributes, so the two never drift apart).
    """

    name: str
    title: str
    class_name: str
    folder: str
    files: tuple[str, ...]
    flip: bool
    channels: int
    num_classes: int
    image_size: int
    train_size: int
    test_size: int

    def path(self, root: Path) -> Path:
        """The folder that holds this dataset's files under ``root``."""
        return root / self.folder

    def missing(self, root: Path) -> list[Path]:
        folder = self.path(root)
        return [folder / name for name in self.files if not (folder / name).is_file()]

    def info(self, problem: str | None = None) -> DatasetInfo:
        return DatasetInfo(self.channels, self.num_classes, self.image_size, self.train_size, self.test_size, problem)


SPECS: dict[str, Spec] = {
    "mnist": Spec("mnist", "MNIST", "MNIST", "MNIST/raw", _MNIST_FILES, False, 1, 10, 28, 60000, 10000),
    "fashion-mnist": Spec("fashion-mnist", "Fashion-MNIST", "FashionMNIST", "FashionMNIST/raw", _MNIST_FILES, True, 1, 10, 28, 60000, 10000),
    "cifar10": Spec(
        "cifar10", "CIFAR-10", "CIFAR10", "cifar-10-batches-py",
        ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch", "batches.meta"),
        True, 3, 10, 32, 50000, 10000,
    ),
    "cifar100": Spec("cifar100", "CIFAR-100", "CIFAR100", "cifar-100-python", ("train", "test", "meta"), True, 3, 100, 32, 50000, 10000),
}
"""The torchvision datasets by registered name (see ``options.TORCHVISION_DATASETS``)."""


def spec_of(name: str) -> Spec:
    try:
        return SPECS[name]
    except KeyError:
        raise DatasetError(f"torchvision dataset {name!r} unknown; allowed: {', '.join(SPECS)}") from None


def resolve_root(root: Path | None) -> tuple[Path, str]:
    """The data root, and where it came from (for error messages)."""
    if root is not None:
        return Path(root).expanduser(), "the 'root' option"
    env = os.environ.get(DATA_ROOT_ENV, "").strip()
    if env:
        return Path(env).expanduser(), f"${DATA_ROOT_ENV}"
    return DEFAULT_DATA_ROOT.expanduser(), f"the default (neither the 'root' option nor ${DATA_ROOT_ENV} is set)"


def files_problem(name: str, options: TorchvisionOptions | None = None, debian_dir: Path | None = None) -> str | None:
    """None when dataset ``name``'s files are there (or will be: Debian's, or a download), else what is missing.

    Only checks that the files exist; reading them is :func:`~nasbench_rss.data.torchvision_data.load_torchvision`'s.
    """
    spec = spec_of(name)
    options = options if options is not None else TorchvisionOptions()
    root, origin = resolve_root(options.root)
    debian = debian_path(debian_dir)
    missing = spec.missing(root)
    if not missing or options.download or (name == "fashion-mnist" and debian_complete(debian)):
        return None
    return missing_message(spec, root, origin, missing, debian)


# ---------------------------------------------------------------------- Debian's Fashion-MNIST


def debian_path(debian_dir: Path | None = None) -> Path:
    """``debian_dir``, else :data:`DEBIAN_FASHION_MNIST_DIR` (read at call time, so tests can point it elsewhere)."""
    return Path(debian_dir if debian_dir is not None else DEBIAN_FASHION_MNIST_DIR)


def debian_files() -> list[str]:
    """Debian ships the files as torchvision downloads them: gzipped."""
    return [f"{name}.gz" for name in SPECS["fashion-mnist"].files]


def debian_complete(debian: Path) -> bool:
    return all((debian / name).is_file() for name in debian_files())


# ---------------------------------------------------------------------- messages


def how_to_get(spec: Spec, root: Path) -> str:
    ways = [
        "set 'download: true' in the dataset options where there is a network",
        f"or put torchvision's files in {spec.path(root)} (or point 'root' / ${DATA_ROOT_ENV} at a root that has them)",
    ]
    if spec.name == "fashion-mnist":
        ways.append("or install Debian's package: apt-get install dataset-fashion-mnist")
    return "to get them: " + ", ".join(ways)


def missing_message(spec: Spec, root: Path, origin: str, missing: list[Path], debian: Path) -> str:
    names = ", ".join(path.name for path in missing)
    message = (
        f"{spec.name}: {spec.title} files not found: looked for {names} in {spec.path(root)} "
        f"(data root {root}, from {origin})"
    )
    if spec.name == "fashion-mnist":
        gz = ", ".join(debian_files())
        message += f", and for {gz} in Debian's {debian} (not all there)"
    return f"{message}; {how_to_get(spec, root)}"
