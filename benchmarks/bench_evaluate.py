"""Evaluating one subnet (BN recalibration + test pass): nasbench-rss vs OFA's own code.

The issue's requirement: one subnet's evaluation at least 2x faster than OFA's
``set_running_statistics`` followed by its validation loop, on the same machine and data.

Data (the paper's protocol by default): Fashion-MNIST, resized to 32x32 by
``nasbench_rss.data.augment.prepare`` and repeated to 3 channels (OFA's first conv takes
3); ``--calibration-images`` (2000) training images drawn with a fixed seed, in batches of
``--calibration-batch`` (200), recalibrate BN; the test pass runs over the first
``--test-images`` (10000) test images in batches of ``--batch`` (500).  The images are
normalised once, before any timing, and both sides read the same normalised tensors,
already on the device.

Weights: our supernet (``--arch``) is trained ``--train-steps`` SGD steps on random
subnets (``--train-steps 0``: PyTorch's random initialisation), so that BN statistics
and accuracies are those of a network that has learnt something; then every tensor is
copied into OFA's supernet of the same architecture (``OFAMobileNetV3`` or
``OFAProxylessNASNets``, kernels 3/5/7, expand 3/4/6, depth 2/3/4), which therefore
computes the same function.

Ours: ``SubnetEvaluator.score(subnet)`` (``extract`` the subnet as a plain network,
``recalibrate_bn`` on it, test pass on its ``inference_copy`` (BN folded into the convs, the
1x1 convs of pooled maps as matrix products) with accuracy and loss
accumulated on the device), the supernet and the images in channels_last as a cell holds
them.
OFA's: ``set_active_subnet``, ``set_running_statistics(net, calibration_loader)`` (it
deep-copies the supernet and computes every BN's batch statistics in Python hooks), then
``RunManager.validate``'s loop (``net.eval()``; per batch ``output = net(images)``, the
cross-entropy, ``accuracy(output, labels, topk=(1, 5))`` and ``AverageMeter`` updates with
``.item()``), left out only what costs time without being evaluation: tqdm and the
``nn.DataParallel`` wrapper.  OFA gets the most generous data path: ``DataLoader``s over
``TensorDataset``s of the same already-normalised tensors on the device, each batch taken
by one indexing call (a ``BatchSampler`` as sampler, ``batch_size=None``: no per-image
``__getitem__``, no collation, no PIL transforms, no workers), contiguous memory format as
OFA's code runs (``--ofa-format channels_last`` to give it ours).

Subnets: the smallest, the largest and ``--subnets`` random ones (per-dimension
distribution).  Each side is warmed up once (one evaluation of the smallest subnet, not
timed); then for each subnet both sides run, in alternating order, so that drift in
machine load hits both alike.  Device synchronised around each timing on CUDA.  Reported
per subnet: MFLOPs, seconds of each, OFA / ours, the split into recalibration and test
pass (ours: ``score``'s seconds minus its ``test_pass``, timed by wrapping it: extraction
and the inference copy count as recalibration), accuracy
and loss of each; then the total ratio (sum of OFA's seconds / sum of ours, also per
part) and the median per-subnet ratio.

Correctness check: identical weights and data, so the results should agree up to float32
rounding (``recalibrate_bn`` stores OFA's biased batch variance; before it did, the
unbiased one moved up to 44 of 10000 test predictions, on the 1x1 maps of the last stage).

Memory format: ours runs channels_last, OFA contiguous (as its code does).  On CPU this is
most of the test-pass difference (oneDNN's contiguous depthwise kernels are slow on the
small late feature maps), so also look at ``--ofa-format channels_last``, which gives OFA's
network and tensors our format: the test passes then cost about the same, and what remains
is the recalibration (OFA's deep copy and Python-hook statistics against in-place BN).

The default run takes about 4 minutes on 2 idle CPU cores.  On a CPU that other processes
keep busy use ``--threads 1``: two OpenMP threads waiting on each other's barriers while
one core is taken made every forward pass 10-20x slower there.

    python benchmarks/bench_evaluate.py                        # mobilenet-v3, 4 random + smallest + largest
    python benchmarks/bench_evaluate.py --ofa-format channels_last
    python benchmarks/bench_evaluate.py --arch proxylessnas --test-images 5000
    python benchmarks/bench_evaluate.py --device cuda --subnets 8
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F
from tabulate import tabulate
from torch import nn
from torch.utils.data import BatchSampler, DataLoader, SequentialSampler, TensorDataset

from nasbench_rss.arch.builtin import MOBILENET_V3_ARCH, PROXYLESSNAS_ARCH
from nasbench_rss.arch.layout import Shape
from nasbench_rss.data.augment import BatchAugmenter, prepare
from nasbench_rss.data.registry import load_dataset
from nasbench_rss.evaluate.measure import SubnetEvaluator
from nasbench_rss.space.population import sample
from nasbench_rss.space.subnet import Subnet
from nasbench_rss.runtime.device import resolve_device, synchronize

ARCHS = {a.name: a for a in (MOBILENET_V3_ARCH, PROXYLESSNAS_ARCH)}
FORMATS = {"contiguous": torch.contiguous_format, "channels_last": torch.channels_last}


# ------------------------------------------------------------------------------ data
def load_data(test_images: int):
    """Fashion-MNIST at 32x32, 3 channels by repetition, with its normaliser (channels_last output)."""
    dataset, _ = load_dataset("fashion-mnist")
    dataset = prepare(dataset, 32)
    dataset = dataclasses.replace(
        dataset,
        train_images=dataset.train_images.expand(-1, 3, -1, -1).contiguous(),
        test_images=dataset.test_images[:test_images].expand(-1, 3, -1, -1).contiguous(),
        test_labels=dataset.test_labels[:test_images].clone(),
        mean=dataset.mean * 3,
        std=dataset.std * 3,
    )
    return dataset, BatchAugmenter("none", dataset, channels_last=True)


# --------------------------------------------------------------------------- networks
def ofa_supernet(arch: str, num_classes: int) -> nn.Module:
    from ofa.imagenet_classification.elastic_nn.networks import OFAMobileNetV3, OFAProxylessNASNets

    cls = OFAMobileNetV3 if arch == "mobilenet-v3" else OFAProxylessNASNets
    return cls(n_classes=num_classes, dropout_rate=0.1, ks_list=[3, 5, 7], expand_ratio_list=[3, 4, 6], depth_list=[2, 3, 4])


def set_ofa_subnet(net: nn.Module, subnet: Subnet) -> None:
    cfg = subnet.to_ofa()
    net.set_active_subnet(ks=[k or 3 for k in cfg["ks"]], e=[e or 3 for e in cfg["e"]], d=cfg["d"])


@torch.no_grad()
def copy_into_ofa(ours: nn.Module, ofa: nn.Module) -> None:
    """Every tensor of our supernet into OFA's: by order, kernel-transform matrices by name, shapes checked.

    (The pairing ``tests/arch/test_supernet.py`` checks against OFA's outputs and gradients.)
    """
    mine, theirs = ours.state_dict(), ofa.state_dict()

    def plain(sd):
        return [(k, v) for k, v in sd.items() if not k.endswith("_matrix")]

    pairs = list(zip(plain(mine), plain(theirs)))
    if len(plain(mine)) != len(plain(theirs)):
        raise SystemExit(f"cannot pair the supernets: {len(plain(mine))} tensors here, {len(plain(theirs))} in OFA's")
    for suffix in ("7to5_matrix", "5to3_matrix"):
        pairs += list(zip(*([(k, v) for k, v in sd.items() if k.endswith(suffix)] for sd in (mine, theirs))))
    for (k1, v1), (k2, v2) in pairs:
        if v1.shape != v2.shape:
            raise SystemExit(f"cannot pair {k1} {tuple(v1.shape)} with OFA's {k2} {tuple(v2.shape)}")
        v2.copy_(v1)


def train_briefly(model: nn.Module, dataset, augmenter: BatchAugmenter, steps: int, batch: int, seed: int) -> None:
    """``steps`` SGD steps (OFA's settings), a random subnet per step, unaugmented images."""
    if steps <= 0:
        return
    rng = np.random.default_rng(seed)
    subnets = sample(model.space, steps, rng)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=3e-5)
    images, labels = dataset.train_images, dataset.train_labels
    model.train()
    for subnet in subnets:
        index = torch.as_tensor(rng.choice(len(labels), size=batch, replace=False), device=images.device)
        model.set_active(subnet)
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(augmenter.evaluate(images[index])), labels[index]).backward()
        opt.step()
    model.eval()


# ------------------------------------------------------------------------- OFA's side
def ofa_evaluate(net, subnet: Subnet, calibration_loader, test_loader, device, autocast) -> tuple[float, float, float, float]:
    """(accuracy, loss, seconds, recalibration seconds): OFA's recalibration and validation loop, as its RunManager runs them."""
    from ofa.imagenet_classification.elastic_nn.utils import set_running_statistics
    from ofa.utils import AverageMeter, accuracy

    synchronize(device)
    start = time.perf_counter()
    set_ofa_subnet(net, subnet)
    with autocast():
        set_running_statistics(net, calibration_loader)
    synchronize(device)
    recalibrated = time.perf_counter()
    net.eval()
    criterion = nn.CrossEntropyLoss()
    losses, top1, top5 = AverageMeter(), AverageMeter(), AverageMeter()
    with torch.no_grad(), autocast():
        for images, labels in test_loader:
            images, labels = images.to(device), labels.to(device)
            output = net(images)
            loss = criterion(output, labels)
            acc1, acc5 = accuracy(output, labels, topk=(1, 5))
            losses.update(loss.item(), images.size(0))
            top1.update(acc1[0].item(), output.size(0))
            top5.update(acc5[0].item(), output.size(0))
    synchronize(device)
    return top1.avg / 100, losses.avg, time.perf_counter() - start, recalibrated - start


def batch_loader(*tensors: torch.Tensor, batch_size: int) -> DataLoader:
    """A DataLoader over a TensorDataset that takes each batch with one indexing call."""
    dataset = TensorDataset(*tensors)
    return DataLoader(dataset, batch_size=None, sampler=BatchSampler(SequentialSampler(dataset), batch_size, drop_last=False))


# ------------------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", choices=list(ARCHS), default="mobilenet-v3")
    parser.add_argument("--subnets", type=int, default=4, help="random subnets, besides the smallest and the largest")
    parser.add_argument("--test-images", type=int, default=10000)
    parser.add_argument("--calibration-images", type=int, default=2000)
    parser.add_argument("--calibration-batch", type=int, default=200)
    parser.add_argument("--batch", type=int, default=500, help="batch size of the test pass")
    parser.add_argument("--train-steps", type=int, default=40, help="SGD steps before measuring (0: random initialisation)")
    parser.add_argument("--train-batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto")
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32", help="bf16: autocast for both sides")
    parser.add_argument("--ofa-format", choices=list(FORMATS), default="contiguous", help="OFA's memory format")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    autocast_dtype = torch.bfloat16 if args.precision == "bf16" else None

    def autocast():
        return contextlib.nullcontext() if autocast_dtype is None else torch.autocast(device.type, dtype=autocast_dtype)

    load_at_start = os.getloadavg()[0]
    dataset, augmenter = load_data(args.test_images)
    dataset = dataset.to(device)
    arch = ARCHS[args.arch]
    shape = Shape(3, dataset.num_classes, 32)
    torch.manual_seed(args.seed)
    ours = arch.build(shape).to(device, memory_format=torch.channels_last)
    started = time.perf_counter()
    train_briefly(ours, dataset, augmenter, args.train_steps, args.train_batch, args.seed)
    trained_s = time.perf_counter() - started
    ofa = ofa_supernet(args.arch, dataset.num_classes)
    copy_into_ofa(ours, ofa)
    ofa = ofa.to(device, memory_format=FORMATS[args.ofa_format]).eval()

    # The same normalised images for both: channels_last for ours, OFA's format for OFA.
    rng = np.random.default_rng(args.seed)
    index = torch.as_tensor(rng.choice(len(dataset.train_labels), size=args.calibration_images, replace=False), device=device)
    calibration = augmenter.evaluate(dataset.train_images[index])
    test_images = augmenter.evaluate(dataset.test_images)
    evaluator = SubnetEvaluator(
        ours, calibration, test_images, dataset.test_labels, args.calibration_batch, args.batch, autocast_dtype
    )
    ofa_format = FORMATS[args.ofa_format]
    calibration_loader = batch_loader(
        calibration.contiguous(memory_format=ofa_format),
        torch.zeros(len(calibration), dtype=torch.long, device=device),
        batch_size=args.calibration_batch,
    )
    test_loader = batch_loader(test_images.contiguous(memory_format=ofa_format), dataset.test_labels, batch_size=args.batch)

    space = ours.space
    table = arch.flops_table(shape, space)
    subnets = [("smallest", space.smallest()), ("largest", space.largest())]
    subnets += [(f"random {i + 1}", s) for i, s in enumerate(sample(space, args.subnets, np.random.default_rng(args.seed + 1)))]

    # score() calls evaluator.test_pass(): timing it (device synchronised first) splits
    # score's seconds into recalibration (set_active included) and test pass.
    test_pass, test_seconds = evaluator.test_pass, []

    def timed_test_pass(*args) -> tuple[float, float]:
        synchronize(device)
        start = time.perf_counter()
        result = test_pass(*args)
        synchronize(device)
        test_seconds.append(time.perf_counter() - start)
        return result

    evaluator.test_pass = timed_test_pass

    def run_ours(subnet: Subnet) -> tuple[float, float, float, float]:
        score = evaluator.score(subnet)
        return score.accuracy, score.loss, score.seconds, score.seconds - test_seconds[-1]

    def run_ofa(subnet: Subnet) -> tuple[float, float, float, float]:
        return ofa_evaluate(ofa, subnet, calibration_loader, test_loader, device, autocast)

    run_ours(space.smallest())  # warm-up, not timed
    run_ofa(space.smallest())
    rows, results = [], []
    for i, (label, subnet) in enumerate(subnets):
        sides = [("ours", run_ours), ("ofa", run_ofa)]
        result = {name: fn(subnet) for name, fn in (sides if i % 2 == 0 else reversed(sides))}
        results.append(result)
        (a_ours, l_ours, s_ours, r_ours), (a_ofa, l_ofa, s_ofa, r_ofa) = result["ours"], result["ofa"]
        row = [label, subnet.encode(), f"{table.mflops(subnet):.1f}", f"{s_ours:.2f}", f"{s_ofa:.2f}", f"{s_ofa / s_ours:.2f}"]
        row += [f"{r_ours:.2f} / {r_ofa:.2f}", f"{s_ours - r_ours:.2f} / {s_ofa - r_ofa:.2f}"]
        row += [f"{a_ours:.4f}", f"{a_ofa:.4f}", f"{l_ours:.4f}", f"{l_ofa:.4f}"]
        rows.append(row)
        print(" | ".join(row), flush=True)

    def total(side: str, part: str) -> float:
        """Seconds summed over the subnets: all, recalibration or test pass."""
        return sum(r[side][2] if part == "all" else r[side][3] if part == "recal" else r[side][2] - r[side][3] for r in results)

    ratios = [r["ofa"][2] / r["ours"][2] for r in results]
    acc_diff = max(abs(r["ours"][0] - r["ofa"][0]) for r in results)
    loss_diff = max(abs(r["ours"][1] - r["ofa"][1]) for r in results)
    n_test = len(dataset.test_labels)
    print()
    print(
        f"{args.arch} on Fashion-MNIST 3x32x32, {device} ({args.threads} threads), {args.precision}; "
        f"recalibration {args.calibration_images} images in batches of {args.calibration_batch}, "
        f"test pass {n_test} images in batches of {args.batch}; OFA memory format {args.ofa_format}"
    )
    weights = f"trained {args.train_steps} SGD steps of {args.train_batch} ({trained_s:.0f} s)" if args.train_steps > 0 else "random init"
    print(f"weights: ours {weights}, copied into OFA's supernet; one warm-up each, then ours/OFA alternating per subnet")
    print(f"machine: 1-minute load average {load_at_start:.2f} at the start, {os.getloadavg()[0]:.2f} at the end ({os.cpu_count()} CPUs)")
    headers = ["subnet", "encoding", "MFLOPs", "ours s", "OFA s", "OFA/ours", "recal s ours / OFA", "test s ours / OFA"]
    headers += ["ours acc", "OFA acc", "ours loss", "OFA loss"]
    print(tabulate(rows, headers=headers, disable_numparse=True))
    print()
    for part, name in (("all", "recalibration + test"), ("recal", "recalibration"), ("test", "test pass")):
        ours_s, ofa_s = total("ours", part), total("ofa", part)
        print(f"total {name}: ours {ours_s:.2f} s, OFA {ofa_s:.2f} s, ratio (sum OFA / sum ours) {ofa_s / ours_s:.2f}x")
    print(f"per-subnet ratio: median {statistics.median(ratios):.2f}x, min {min(ratios):.2f}x, max {max(ratios):.2f}x")
    print(
        f"agreement with OFA (same weights and images): max |accuracy difference| "
        f"{acc_diff:.4f} ({round(acc_diff * n_test)} of {n_test} images), max |loss difference| {loss_diff:.2e}"
    )


if __name__ == "__main__":
    main()
