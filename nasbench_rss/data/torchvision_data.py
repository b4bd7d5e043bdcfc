"""MNIST, Fashion-MNIST, CIFAR-10 and CIFAR-100 read through ``torchvision.datasets``.

The files live under a data root in torchvision's own layout (``<root>/MNIST/raw/...``,
``<root>/cifar-10-batches-py/...``), so a root filled by torchvision's download, by hand,
or by an earlier run works unchanged.  Nothing touches the network unless the options say
``download: true``.  Fashion-MNIST is also found in Debian's ``dataset-fashion-mnist``
package: its gzipped files are unpacked into the root, exactly as torchvision's download
would leave them, so CI and offline machines need no network at all.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from nasbench_rss.data.dataset import DatasetError, ImageDataset, channel_stats
from nasbench_rss.data.options import DATA_ROOT_ENV, DEFAULT_DATA_ROOT, TorchvisionOptions

DEBIAN_FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
"""Where Debian's ``dataset-fashion-mnist`` package puts the gzipped files (tests override it)."""


@dataclass(frozen=True)
class _Spec:
    """One torchvision dataset: its class, where its files go, and how to read it."""

    name: str
    title: str
    loader: Callable[..., Any]  # the torchvision dataset class, looked up lazily
    flip: bool

    def torchvision_class(self) -> Any:
        return self.loader()

    def folder(self, root: Path) -> Path:
        """The folder that holds this dataset's files under ``root``."""
        cls = self.torchvision_class()
        if hasattr(cls, "base_folder"):  # CIFAR
            return root / cls.base_folder
        return root / cls.__name__ / "raw"  # MNIST family: <root>/<ClassName>/raw

    def file_names(self) -> list[str]:
        """The files torchvision reads, derived from its class so the two never drift apart."""
        cls = self.torchvision_class()
        if hasattr(cls, "resources"):  # MNIST family: gzipped downloads, read unpacked
            return [os.path.splitext(os.path.basename(url))[0] for url, _ in cls.resources]
        return [name for name, _ in cls.train_list + cls.test_list] + [cls.meta["filename"]]

    def missing(self, root: Path) -> list[Path]:
        folder = self.folder(root)
        return [folder / name for name in self.file_names() if not (folder / name).is_file()]


def _mnist():
    from torchvision.datasets import MNIST

    return MNIST


def _fashion_mnist():
    from torchvision.datasets import FashionMNIST

    return FashionMNIST


def _cifar10():
    from torchvision.datasets import CIFAR10

    return CIFAR10


def _cifar100():
    from torchvision.datasets import CIFAR100

    return CIFAR100


SPECS: dict[str, _Spec] = {
    "mnist": _Spec("mnist", "MNIST", _mnist, flip=False),
    "fashion-mnist": _Spec("fashion-mnist", "Fashion-MNIST", _fashion_mnist, flip=True),
    "cifar10": _Spec("cifar10", "CIFAR-10", _cifar10, flip=True),
    "cifar100": _Spec("cifar100", "CIFAR-100", _cifar100, flip=True),
}
"""The torchvision datasets by registered name (see ``options.TORCHVISION_DATASETS``)."""


def resolve_root(root: Path | None) -> tuple[Path, str]:
    """The data root, and where it came from (for error messages)."""
    if root is not None:
        return Path(root).expanduser(), "the 'root' option"
    env = os.environ.get(DATA_ROOT_ENV, "").strip()
    if env:
        return Path(env).expanduser(), f"${DATA_ROOT_ENV}"
    return DEFAULT_DATA_ROOT.expanduser(), f"the default (neither the 'root' option nor ${DATA_ROOT_ENV} is set)"


def load_torchvision(
    name: str, options: TorchvisionOptions | None = None, *, debian_dir: Path | None = None
) -> ImageDataset:
    """Read dataset ``name`` (a key of :data:`SPECS`) from the data root, as CPU tensors.

    ``debian_dir`` overrides :data:`DEBIAN_FASHION_MNIST_DIR` (used for Fashion-MNIST only).
    """
    try:
        spec = SPECS[name]
    except KeyError:
        raise DatasetError(f"torchvision dataset {name!r} unknown; allowed: {', '.join(SPECS)}") from None
    options = options if options is not None else TorchvisionOptions()
    root, origin = resolve_root(options.root)
    debian = Path(debian_dir if debian_dir is not None else DEBIAN_FASHION_MNIST_DIR)

    missing = spec.missing(root)
    if missing and name == "fashion-mnist" and _debian_complete(debian):
        _unpack_debian(debian, spec.folder(root))
        missing = spec.missing(root)
    if missing and not options.download:
        raise DatasetError(_missing_message(spec, root, origin, missing, debian))

    cls = spec.torchvision_class()
    try:
        if options.download:
            root.mkdir(parents=True, exist_ok=True)
        train = cls(str(root), train=True, download=options.download)
        test = cls(str(root), train=False, download=options.download)
    except Exception as exc:  # torchvision: RuntimeError (corrupt/missing), URLError, OSError, ...
        how = "downloading or reading" if options.download else "reading"
        raise DatasetError(
            f"{spec.name}: {how} the files under {spec.folder(root)} (data root from {origin}) failed: "
            f"{type(exc).__name__}: {exc}; {_how_to_get(spec, root)}"
        ) from exc

    train_images, train_labels = _to_tensors(train.data, train.targets)
    test_images, test_labels = _to_tensors(test.data, test.targets)
    mean, std = channel_stats(train_images)
    return ImageDataset(
        name=spec.name,
        train_images=train_images,
        train_labels=train_labels,
        test_images=test_images,
        test_labels=test_labels,
        num_classes=len(train.classes),
        mean=mean,
        std=std,
        flip=spec.flip,
    )


def _to_tensors(data: Any, targets: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """torchvision's storage (MNIST: uint8 tensor N,H,W; CIFAR: numpy N,H,W,C) -> uint8 NCHW, int64."""
    if isinstance(data, np.ndarray):
        images = torch.from_numpy(np.ascontiguousarray(data))
    else:
        images = torch.as_tensor(data)
    if images.dim() == 3:
        images = images.unsqueeze(1)
    elif images.dim() == 4:
        images = images.permute(0, 3, 1, 2)
    images = images.to(torch.uint8).contiguous()
    labels = torch.as_tensor(targets, dtype=torch.int64).reshape(-1).clone()
    return images, labels


# ---------------------------------------------------------------------- Debian's Fashion-MNIST


def _debian_files() -> list[str]:
    """Debian ships the files as torchvision downloads them: gzipped."""
    return [f"{name}.gz" for name in SPECS["fashion-mnist"].file_names()]


def _debian_complete(debian: Path) -> bool:
    return all((debian / name).is_file() for name in _debian_files())


def _unpack_debian(debian: Path, raw_folder: Path) -> None:
    """Gunzip Debian's files into ``raw_folder``; each written to a temp file, then renamed.

    Readers never see a half-written file, and two runs unpacking at once both end with
    complete files.
    """
    try:
        raw_folder.mkdir(parents=True, exist_ok=True)
        for gz_name in _debian_files():
            target = raw_folder / gz_name[: -len(".gz")]
            if target.is_file():
                continue
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=raw_folder)
            try:
                with gzip.open(debian / gz_name, "rb") as src, os.fdopen(fd, "wb") as dst:
                    shutil.copyfileobj(src, dst, length=1 << 20)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DatasetError(
            f"fashion-mnist: unpacking Debian's files from {debian} into {raw_folder} failed: "
            f"{type(exc).__name__}: {exc}; give a writable 'root' (or ${DATA_ROOT_ENV})"
        ) from exc


# ---------------------------------------------------------------------- messages


def _how_to_get(spec: _Spec, root: Path) -> str:
    ways = [
        "set 'download: true' in the dataset options where there is a network",
        f"or put torchvision's files in {spec.folder(root)} (or point 'root' / ${DATA_ROOT_ENV} at a root that has them)",
    ]
    if spec.name == "fashion-mnist":
        ways.append("or install Debian's package: apt-get install dataset-fashion-mnist")
    return "to get them: " + ", ".join(ways)


def _missing_message(spec: _Spec, root: Path, origin: str, missing: list[Path], debian: Path) -> str:
    names = ", ".join(path.name for path in missing)
    message = (
        f"{spec.name}: {spec.title} files not found: looked for {names} in {spec.folder(root)} "
        f"(data root {root}, from {origin})"
    )
    if spec.name == "fashion-mnist":
        gz = ", ".join(_debian_files())
        message += f", and for {gz} in Debian's {debian} (not all there)"
    return f"{message}; {_how_to_get(spec, root)}"
