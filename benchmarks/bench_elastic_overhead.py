"""What elasticity costs: a training step of the supernet with a subnet active vs the
same subnet extracted as a plain network.

Both run the same math; the supernet additionally slices weights, transforms kernels,
slices BN statistics, scatters gradients back into the full-size parameters and lets
the optimizer update the full-size tensors.  Steps of the two are interleaved so that
drift in machine load hits both alike; the median of ``--steps`` timed steps is shown.

    python benchmarks/bench_elastic_overhead.py --steps 20
    python benchmarks/bench_elastic_overhead.py --arch proxylessnas --steps 20
    python benchmarks/bench_elastic_overhead.py --ofa      # also OFA's own supernet
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Callable

import torch
import torch.nn.functional as F
from tabulate import tabulate
from torch import nn

from nasbench_rss.arch.builtin import MOBILENET_V3_ARCH, PROXYLESSNAS_ARCH
from nasbench_rss.arch.layout import Shape
from nasbench_rss.samplers.base import resolve_subnet
from nasbench_rss.space.subnet import Subnet

ARCHS = {a.name: a for a in (MOBILENET_V3_ARCH, PROXYLESSNAS_ARCH)}
FORMATS = {"contiguous": torch.contiguous_format, "channels_last": torch.channels_last}


def make_step(model: nn.Module, x: torch.Tensor, y: torch.Tensor, impl: str = "default") -> Callable[[], float]:
    """One SGD step (OFA's optimizer settings); returns the step's wall time in ms."""
    kwargs = {} if impl == "default" else {impl: True}
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=3e-5, **kwargs)
    model.train()

    def step() -> float:
        start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()
        return (time.perf_counter() - start) * 1e3

    return step


def race(steps: dict[str, Callable[[], float]], warmup: int, n: int) -> dict[str, list[float]]:
    """ms of each step, running the networks in turns (order alternating each round)."""
    names = list(steps)
    for _ in range(warmup):
        for name in names:
            steps[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(n):
        for name in names if i % 2 == 0 else reversed(names):
            times[name].append(steps[name]())
    return times


def ratio(times: dict[str, list[float]], num: str, den: str) -> tuple[float, str]:
    """Ratio of medians, and the quartiles of the per-round ratios (how noisy the machine was)."""
    per_round = [a / b for a, b in zip(times[num], times[den])]
    q1, _, q3 = statistics.quantiles(per_round, n=4) if len(per_round) > 1 else (per_round[0],) * 3
    return statistics.median(times[num]) / statistics.median(times[den]), f"{q1:.2f}-{q3:.2f}"


def ofa_supernet(arch: str, num_classes: int):
    """OFA's own supernet and a function setting its active subnet (for comparison only)."""
    from ofa.imagenet_classification.elastic_nn.networks import OFAMobileNetV3, OFAProxylessNASNets

    cls = OFAMobileNetV3 if arch == "mobilenet-v3" else OFAProxylessNASNets
    net = cls(n_classes=num_classes, ks_list=[3, 5, 7], expand_ratio_list=[3, 4, 6], depth_list=[2, 3, 4])

    def set_active(subnet: Subnet) -> None:
        cfg = subnet.to_ofa()
        net.set_active_subnet(ks=[k or 3 for k in cfg["ks"]], e=[e or 3 for e in cfg["e"]], d=cfg["d"])

    return net, set_active


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", choices=[*ARCHS, "all"], default="mobilenet-v3")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per network (median reported)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--classes", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--formats", nargs="+", choices=list(FORMATS), default=list(FORMATS))
    parser.add_argument("--ofa", action="store_true", help="also time OFA's own supernet and its extracted subnet")
    parser.add_argument(
        "--sgd", choices=["default", "foreach", "fused"], default="default",
        help="torch's SGD implementation (same math; 'fused' makes the step cheaper for both)",
    )  # fmt: skip
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    shape = Shape(3, args.classes, args.image_size)
    x0 = torch.randn(args.batch, 3, args.image_size, args.image_size)
    y = torch.randint(0, args.classes, (args.batch,))
    rows = []
    for arch_name in ARCHS if args.arch == "all" else [args.arch]:
        arch = ARCHS[arch_name]
        space = arch.space()
        for label in ("smallest", "middle", "largest"):
            subnet = resolve_subnet(space, label)
            for fmt_name in args.formats:
                fmt = FORMATS[fmt_name]
                x = x0.contiguous(memory_format=fmt)
                net = arch.build(shape, space)
                net.set_active(subnet)
                static = net.extract()
                net.to(memory_format=fmt), static.to(memory_format=fmt)
                steps = {"supernet": make_step(net, x, y, args.sgd), "extracted": make_step(static, x, y, args.sgd)}
                if args.ofa:
                    ofa, set_active = ofa_supernet(arch_name, args.classes)
                    set_active(subnet)
                    ofa_static = ofa.get_active_subnet(preserve_weight=True)
                    ofa.to(memory_format=fmt), ofa_static.to(memory_format=fmt)
                    steps["ofa"] = make_step(ofa, x, y, args.sgd)
                    steps["ofa extracted"] = make_step(ofa_static, x, y, args.sgd)
                times = race(steps, args.warmup, args.steps)
                ms = {name: statistics.median(t) for name, t in times.items()}
                row = [arch_name, label, fmt_name, f"{net.flops(subnet):.1f}"]
                row += [f"{ms['supernet']:.1f}", f"{ms['extracted']:.1f}"]
                r, spread = ratio(times, "supernet", "extracted")
                row += [f"{r:.3f}", spread]
                if args.ofa:
                    r, spread = ratio(times, "ofa", "ofa extracted")
                    row += [f"{ms['ofa']:.1f}", f"{ms['ofa extracted']:.1f}", f"{r:.3f}", spread]
                rows.append(row)
                print(" | ".join(row), flush=True)
    headers = ["arch", "subnet", "memory format", "MFLOPs", "supernet ms", "extracted ms", "ratio", "per-step IQR"]
    if args.ofa:
        headers += ["OFA ms", "OFA extracted ms", "OFA ratio", "OFA IQR"]
    print()
    print(f"training step, batch {args.batch}, 3x{args.image_size}x{args.image_size}, {args.classes} classes, "
          f"{args.threads} threads, SGD {args.sgd}, median of {args.steps} steps")  # fmt: skip
    print(tabulate(rows, headers=headers, disable_numparse=True))


if __name__ == "__main__":
    main()
