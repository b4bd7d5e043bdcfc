"""Real datasets from a data root in torchvision's layout, Debian's Fashion-MNIST, missing data."""

from __future__ import annotations

import gzip
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

import nasbench_rss.data.torchvision_files as tvfiles
from nasbench_rss.data.dataset import DatasetError, channel_stats
from nasbench_rss.data.options import DATA_ROOT_ENV, TorchvisionOptions
from nasbench_rss.data.registry import load_dataset
from nasbench_rss.data.torchvision_data import load_torchvision
from nasbench_rss.data.torchvision_files import DEBIAN_FASHION_MNIST_DIR

DEBIAN_FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


@pytest.fixture(autouse=True)
def _no_network_and_no_env(monkeypatch):
    """Any download attempt fails the test; the data root comes from the test alone."""
    import urllib.request

    from torchvision.datasets import cifar, mnist, utils

    def no_network(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")

    for module in (utils, mnist, cifar):
        monkeypatch.setattr(module, "download_and_extract_archive", no_network)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    monkeypatch.delenv(DATA_ROOT_ENV, raising=False)


@pytest.fixture
def empty_debian(tmp_path, monkeypatch) -> Path:
    debian = tmp_path / "debian-empty"
    debian.mkdir()
    monkeypatch.setattr(tvfiles, "DEBIAN_FASHION_MNIST_DIR", debian)
    return debian


def idx_labels(path: Path) -> np.ndarray:
    """An independent reader of a gzipped idx1 label file: big-endian magic 2049, count, bytes."""
    with gzip.open(path, "rb") as file:
        magic, count = struct.unpack(">II", file.read(8))
        assert magic == 2049
        return np.frombuffer(file.read(), dtype=np.uint8)[:count]


# ---------------------------------------------------------------------- Fashion-MNIST from Debian's package


@pytest.mark.skipif(
    not all((DEBIAN_FASHION_MNIST_DIR / f"{name}.gz").is_file() for name in DEBIAN_FILES),
    reason=f"Debian's Fashion-MNIST is not installed in {DEBIAN_FASHION_MNIST_DIR} (apt-get install dataset-fashion-mnist)",
)
def test_fashion_mnist_through_the_debian_fallback(tmp_path, monkeypatch):
    root = tmp_path / "root"
    data, resolved = load_dataset("fashion-mnist", {"root": str(root)})
    assert resolved == {"root": str(root), "download": False}
    assert data.train_images.shape == (60000, 1, 28, 28) and data.test_images.shape == (10000, 1, 28, 28)
    assert data.train_images.dtype == torch.uint8 and data.train_labels.dtype == torch.int64
    assert (data.num_classes, data.flip) == (10, True)
    expected = idx_labels(DEBIAN_FASHION_MNIST_DIR / "train-labels-idx1-ubyte.gz")
    assert data.train_labels[:20].tolist() == expected[:20].tolist()
    assert data.train_labels[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert torch.bincount(data.test_labels).tolist() == [1000] * 10
    assert data.mean[0] == pytest.approx(0.2860, abs=1e-4) and data.std[0] == pytest.approx(0.3530, abs=1e-4)

    # Unpacked exactly as torchvision's download leaves them, with no temp files behind ...
    raw = root / "FashionMNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(DEBIAN_FILES)
    # ... so the root alone serves the next load.
    monkeypatch.setattr(tvfiles, "DEBIAN_FASHION_MNIST_DIR", tmp_path / "nowhere")
    again = load_torchvision("fashion-mnist", TorchvisionOptions(root=root))
    assert torch.equal(again.test_images, data.test_images)


# ---------------------------------------------------------------------- missing data


def test_missing_fashion_mnist_says_where_it_looked_and_how_to_get_it(tmp_path, empty_debian):
    root = tmp_path / "root"
    with pytest.raises(DatasetError) as info:
        load_dataset("fashion-mnist", {"root": str(root)})
    message = str(info.value)
    assert message.startswith("fashion-mnist: ")
    for part in (str(root / "FashionMNIST" / "raw"), "train-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
                 str(empty_debian), "train-images-idx3-ubyte.gz", "download: true",
                 "apt-get install dataset-fashion-mnist"):
        assert part in message, part
    assert not root.exists()  # nothing created, nothing downloaded


def test_missing_cifar_names_its_files_and_the_root_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_ROOT_ENV, str(tmp_path))
    with pytest.raises(DatasetError) as info:
        load_dataset("cifar100", {})
    message = str(info.value)
    for part in ("cifar100", str(tmp_path / "cifar-100-python"), "train, test, meta", f"${DATA_ROOT_ENV}",
                 "download: true", "put torchvision's files in"):
        assert part in message, part
    assert "apt-get" not in message


def test_download_failure_is_a_dataset_error(tmp_path, monkeypatch):
    from torchvision.datasets import MNIST

    def offline(self):
        raise OSError("network unreachable")

    monkeypatch.setattr(MNIST, "download", offline)
    with pytest.raises(DatasetError, match=r"mnist: downloading or reading .* OSError: network unreachable"):
        load_torchvision("mnist", TorchvisionOptions(root=tmp_path, download=True))


# ---------------------------------------------------------------------- tiny fake files in torchvision's layout


def write_idx(folder: Path, prefix: str, images: np.ndarray, labels: np.ndarray) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    n, rows, cols = images.shape
    (folder / f"{prefix}-images-idx3-ubyte").write_bytes(struct.pack(">IIII", 2051, n, rows, cols) + images.tobytes())
    (folder / f"{prefix}-labels-idx1-ubyte").write_bytes(struct.pack(">II", 2049, n) + labels.tobytes())


def test_mnist_from_tiny_idx_files(tmp_path, empty_debian):
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, (20, 28, 28), dtype=np.uint8)
    test = rng.integers(0, 256, (6, 28, 28), dtype=np.uint8)
    raw = tmp_path / "MNIST" / "raw"
    write_idx(raw, "train", train, np.arange(20, dtype=np.uint8) % 10)
    write_idx(raw, "t10k", test, np.arange(6, dtype=np.uint8))
    data, _ = load_dataset("mnist", {"root": str(tmp_path)})
    assert data.train_images.shape == (20, 1, 28, 28) and data.test_images.shape == (6, 1, 28, 28)
    assert torch.equal(data.train_images[:, 0], torch.from_numpy(train))
    assert data.train_labels.tolist() == [i % 10 for i in range(20)]
    assert (data.num_classes, data.flip) == (10, False)
    assert (data.mean, data.std) == channel_stats(data.train_images)


def write_pickle(path: Path, obj: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(obj))


@pytest.mark.parametrize("name", ["cifar10", "cifar100"])
def test_cifar_from_tiny_pickles_is_converted_to_nchw(tmp_path, monkeypatch, name):
    from torchvision.datasets import CIFAR10, CIFAR100, cifar

    monkeypatch.setattr(cifar, "check_integrity", lambda *args, **kwargs: True)  # fake files, fake md5s
    cls = CIFAR10 if name == "cifar10" else CIFAR100
    label_key, classes = ("labels", 10) if name == "cifar10" else ("fine_labels", 100)
    rng = np.random.default_rng(1)
    folder = tmp_path / cls.base_folder
    rows = {}
    for file_name, _ in cls.train_list + cls.test_list:
        rows[file_name] = rng.integers(0, 256, (3, 3072), dtype=np.uint8)  # torchvision's rows: R plane, G, B
        write_pickle(folder / file_name, {"data": rows[file_name], label_key: [1, 2, 3]})
    write_pickle(folder / cls.meta["filename"], {cls.meta["key"]: [f"class{i}" for i in range(classes)]})

    data = load_torchvision(name, TorchvisionOptions(root=tmp_path))
    first = cls.train_list[0][0]
    assert data.train_images.shape == (3 * len(cls.train_list), 3, 32, 32)
    assert data.test_images.shape == (3, 3, 32, 32)
    assert torch.equal(data.train_images[0], torch.from_numpy(rows[first][0].reshape(3, 32, 32)))
    assert data.train_images.is_contiguous()
    assert (data.num_classes, data.flip) == (classes, True)
    assert data.test_labels.tolist() == [1, 2, 3]
    assert len(data.mean) == 3


def test_corrupt_cifar_is_a_dataset_error(tmp_path):
    from torchvision.datasets import CIFAR10

    folder = tmp_path / CIFAR10.base_folder
    folder.mkdir()
    for file_name, _ in CIFAR10.train_list + CIFAR10.test_list:
        (folder / file_name).write_bytes(b"not a pickle")
    (folder / "batches.meta").write_bytes(b"")
    with pytest.raises(DatasetError, match=r"cifar10: reading the files under .*cifar-10-batches-py .*corrupted"):
        load_torchvision("cifar10", TorchvisionOptions(root=tmp_path))
