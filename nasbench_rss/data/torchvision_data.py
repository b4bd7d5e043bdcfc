"""MNIST, Fashion-MNIST, CIFAR-10 and CIFAR-100 read through ``torchvision.datasets``.

Where the files are, and the message when they are not, is
:mod:`nasbench_rss.data.torchvision_files` (no torch there, so a suite's datasets are
checked without importing it).  Nothing touches the network unless the options say
``download: true``.  Fashion-MNIST is also found in Debian's ``dataset-fashion-mnist``
package: its gzipped files are unpacked into the root, exactly as torchvision's download
would leave them, so CI and offline machines need no network at all.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nasbench_rss.data.dataset import DatasetError, ImageDataset, channel_stats
from nasbench_rss.data.options import DATA_ROOT_ENV, TorchvisionOptions
from nasbench_rss.data.torchvision_files import (  # noqa: F401  (DEBIAN_FASHION_MNIST_DIR, resolve_root: also read from here)
    DEBIAN_FASHION_MNIST_DIR,
    debian_complete,
    debian_files,
    debian_path,
    how_to_get,
    missing_message,
    resolve_root,
    spec_of,
)


def load_torchvision(
    name: str, options: TorchvisionOptions | None = None, *, debian_dir: Path | None = None
) -> ImageDataset:
    """Read dataset ``name`` (a key of ``torchvision_files.SPECS``) from the data root, as CPU tensors.

    ``debian_dir`` overrides ``torchvision_files.DEBIAN_FASHION_MNIST_DIR`` (used for Fashion-MNIST only).
    """
    spec = spec_of(name)
    options = options if options is not None else TorchvisionOptions()
    root, origin = resolve_root(options.root)
    debian = debian_path(debian_dir)

    missing = spec.missing(root)
    if missing and name == "fashion-mnist" and debian_complete(debian):
        _unpack_debian(debian, spec.path(root))
        missing = spec.missing(root)
    if missing and not options.download:
        raise DatasetError(missing_message(spec, root, origin, missing, debian))

    import torchvision.datasets

    cls = getattr(torchvision.datasets, spec.class_name)
    try:
        if options.download:
            root.mkdir(parents=True, exist_ok=True)
        train = cls(str(root), train=True, download=options.download)
        test = cls(str(root), train=False, download=options.download)
    except Exception as exc:  # torchvision: RuntimeError (corrupt/missing), URLError, OSError, ...
        how = "downloading or reading" if options.download else "reading"
        raise DatasetError(
            f"{spec.name}: {how} the files under {spec.path(root)} (data root from {origin}) failed: "
            f"{type(exc).__name__}: {exc}; {how_to_get(spec, root)}"
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


def _unpack_debian(debian: Path, raw_folder: Path) -> None:
    """Gunzip Debian's files into ``raw_folder``; each written to a temp file, then renamed.

    Readers never see a half-written file, and two runs unpacking at once both end with
    complete files.
    """
    try:
        raw_folder.mkdir(parents=True, exist_ok=True)
        for gz_name in debian_files():
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
