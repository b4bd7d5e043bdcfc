"""Training throughput: nasbench-rss's trainer vs OFA's own pipeline, side by side.

Ours: the real trainer (``train.loop.Trainer``) running RSS on a Fashion-MNIST subset held on
the device, augmented batched (policy ``ofa``: random-resized-crop, flip and OFA's
ColorJitter, brightness 32/255 and saturation 0.5).
OFA's: its ``OFAMobileNetV3`` supernet fed by a torchvision ``DataLoader`` over
``torchvision.datasets.FashionMNIST`` with PIL transforms (resize 28->32, 3 channels as
OFA's first conv expects, RandomResizedCrop(32, scale 0.08-1), flip,
ColorJitter(brightness=32/255, saturation=0.5) as the paper's ``distort_color='tf'``,
ToTensor, Normalize), SGD with the paper's settings, as the paper's code trained.

Both train the same subnet in the same epoch (ours draws it with RSS; OFA is told the
same one), and their epochs alternate, so drift in machine load hits both alike.  Also
measured: the share of our epoch time spent in data loading and augmentation (our loader,
policy ``ofa`` with its jitter, run alone over an epoch, device synchronised; the issue's
target is at most 5%).

    python benchmarks/bench_train_throughput.py                  # 2560 images, 4 epochs
    python benchmarks/bench_train_throughput.py --epochs 6 --workers 0 2
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from tabulate import tabulate

from nasbench_rss.cell.directory import EVENTS_FILE, CellDirectory
from nasbench_rss.data.registry import load_dataset
from nasbench_rss.data.subset import subset_indices
from nasbench_rss.data.torchvision_data import resolve_root
from nasbench_rss.seeding import numpy_rng
from nasbench_rss.space.subnet import Subnet
from nasbench_rss.runtime.build import build_cell
from nasbench_rss.config.training import CellConfig
from nasbench_rss.runtime.device import resolve_device, synchronize
from nasbench_rss.train.loop import Trainer


def ofa_loader(root: Path, indices: list[int], workers: int, mean: float, std: float, seed: int):
    """OFA-style input pipeline: torchvision dataset, PIL transforms, DataLoader workers."""
    import torchvision
    from torchvision import transforms

    transform = transforms.Compose(
        [
            transforms.Resize(32),
            transforms.Grayscale(num_output_channels=3),
            transforms.RandomResizedCrop(32, scale=(0.08, 1.0)),
            transforms.RandomHorizontalFlip(),
            transforms.ColorJitter(brightness=32 / 255, saturation=0.5),  # the paper's distort_color='tf'
            transforms.ToTensor(),
            transforms.Normalize([mean] * 3, [std] * 3),
        ]
    )
    data = torchvision.datasets.FashionMNIST(str(root), train=True, download=False, transform=transform)
    subset = torch.utils.data.Subset(data, indices)
    generator = torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(
        subset, batch_size=64, shuffle=True, num_workers=workers, generator=generator, persistent_workers=workers > 0
    )


def ofa_supernet(num_classes: int, device: torch.device):
    from ofa.imagenet_classification.elastic_nn.networks import OFAMobileNetV3

    net = OFAMobileNetV3(n_classes=num_classes, dropout_rate=0.1, ks_list=[3, 5, 7], expand_ratio_list=[3, 4, 6], depth_list=[2, 3, 4])
    return net.to(device)


def ofa_epoch(net, loader, optimizer, subnet: Subnet, device: torch.device) -> tuple[float, int]:
    """One epoch as OFA's ``train_one_epoch`` runs it (fixed subnet, as RSS); seconds and images."""
    net.set_active_subnet(**subnet.to_ofa())
    net.train()
    synchronize(device)
    start = time.perf_counter()
    images = 0
    for inputs, labels in loader:
        inputs, labels = inputs.to(device), labels.to(device)
        optimizer.zero_grad()
        F.cross_entropy(net(inputs), labels).backward()
        optimizer.step()
        images += labels.shape[0]
    synchronize(device)
    return time.perf_counter() - start, images


def loader_epoch_seconds(loader, device: torch.device) -> float:
    synchronize(device)
    start = time.perf_counter()
    for inputs, labels in loader:
        pass
    synchronize(device)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train-subset", type=int, default=2560, help="training images (default 2560: 40 steps)")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 2], help="DataLoader workers to try for OFA's pipeline; the fastest counts")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    device = resolve_device(args.device)

    config = CellConfig(
        arch="mobilenet-v3", dataset="fashion-mnist", sampler="rss", epochs=args.epochs, seed=args.seed,
        train_subset=args.train_subset, train={"augmentation": "ofa"},
    )  # fmt: skip
    cell = build_cell(config, device)
    assert cell.augmenter.policy == "ofa", cell.augmenter  # crop, flip and ColorJitter: the share measured is that policy's
    directory = CellDirectory(Path(tempfile.mkdtemp(prefix="bench-throughput-")))
    ours = Trainer(cell, directory, log=lambda message: None)
    root, _ = resolve_root(None)
    # the same images as our cell's subset (apply_subsets draws the train split from the first child stream)
    full, _ = load_dataset("fashion-mnist")
    train_rng = numpy_rng(args.seed, "subset").spawn(2)[0]
    indices = subset_indices(full.train_labels, args.train_subset, train_rng).tolist()
    assert torch.equal(full.train_labels[indices], cell.dataset.train_labels.cpu()), "subset differs from the cell's"
    mean, std = cell.dataset.mean[0], cell.dataset.std[0]

    ofa_runs = {}
    for workers in args.workers:
        net = ofa_supernet(cell.dataset.num_classes, device)
        optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=3e-5)
        ofa_runs[workers] = (net, optimizer, ofa_loader(root, indices, workers, mean, std, args.seed), [])

    rows, ours_rates, data_fractions = [], [], []
    for epoch in range(args.epochs):
        ours.run(epoch_limit=1)
        event = directory.read_jsonl(EVENTS_FILE).records[-1]
        subnet = Subnet.decode(cell.model.space, event["subnets"][0]["encoding"])
        rates = {}
        for workers, (net, optimizer, loader, history) in ofa_runs.items():
            seconds, images = ofa_epoch(net, loader, optimizer, subnet, device)
            history.append(images / seconds)
            rates[workers] = images / seconds
        data_seconds = loader_epoch_seconds(cell.loader, device)
        data_fractions.append(data_seconds / event["seconds"])
        ours_rates.append(event["images_per_second"])
        best = max(rates.values())
        rows.append(
            [epoch, subnet.encode(), f"{event['subnets'][0]['mflops']:.2f}", f"{event['images_per_second']:.0f}"]
            + [f"{rates[w]:.0f}" for w in args.workers]
            + [f"{event['images_per_second'] / best:.2f}", f"{100 * data_fractions[-1]:.1f}%"]
        )
    headers = ["epoch", "subnet", "MFLOPs", "ours img/s"] + [f"OFA img/s ({w} workers)" for w in args.workers] + ["ours/OFA best", "data share"]
    print(tabulate(rows, headers=headers))
    best_ofa = max((statistics.fmean(h) for *_, h in ofa_runs.values()))
    env = f"{device} ({torch.get_num_threads()} threads, {cell.numerics.describe()['precision']}, {cell.numerics.describe()['memory_format']})"
    print(f"\nFashion-MNIST, {args.train_subset} images, batch 64, {args.epochs} RSS epochs on {env}")
    print(f"ours {statistics.fmean(ours_rates):.0f} img/s, OFA best {best_ofa:.0f} img/s: ratio {statistics.fmean(ours_rates) / best_ofa:.2f} (target >= 1.5)")
    print(
        f"data loading + augmentation (policy {cell.augmenter.policy}: crop, flip, ColorJitter): "
        f"{100 * statistics.fmean(data_fractions):.1f}% of epoch time "
        f"(per epoch {100 * min(data_fractions):.1f}-{100 * max(data_fractions):.1f}%; target <= 5%)"
    )


if __name__ == "__main__":
    main()
