"""How close our training step comes to the machine: training MACs per second against its ceilings.

For the smallest, middle and largest MobileNetV3 subnet at the Fashion-MNIST training shape
(1x32x32, 10 classes), a training step as our loop runs it (``train.loop.accumulate_gradients``
then SGD with Nesterov, channels_last as ``memory_format: auto``) is timed in fp32 and under
bf16 autocast. Its work is counted, not timed: the subnet's forward MACs per image at that
shape (``FlopsTable.macs``, the same table the buckets use) x the batch x 3, the rule
``nasbench_rss.train.cost`` states and every result records (the backward pass counted as
twice the forward). MACs per second over the ceilings
measured in the same run, with the same threads:

- a large square GEMM (``torch.mm``, n x n by n x n: n**3 MACs) in fp32 and in bf16;
- a depthwise convolution of the kind MobileNetV3 is made of (forward only): its MACs are
  batch x channels x output pixels x kernel**2.

The input batch is random (augmentation and data loading are not in the step; see
bench_train_throughput.py for those). Accuracy under bf16 is not measured here: a
precision is only worth choosing as ``auto`` with a training run that shows parity.

    python benchmarks/bench_roofline.py                      # 1 thread (a cell's default), batch 64
    python benchmarks/bench_roofline.py --threads 2 --steps 30
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from typing import Callable

import torch
import torch.nn.functional as F
from tabulate import tabulate

from nasbench_rss.arch.layout import Shape
from nasbench_rss.plugins import get_architecture
from nasbench_rss.runtime.device import resolve_device, synchronize
from nasbench_rss.samplers.base import resolve_subnet
from nasbench_rss.train.cost import BACKWARD_FACTOR
from nasbench_rss.train.loop import accumulate_gradients


def timed(step: Callable[[], object], device: torch.device, repeats: int, warmup: int = 3) -> float:
    """Median seconds of ``step`` over ``repeats`` calls, after ``warmup`` untimed ones."""
    for _ in range(warmup):
        step()
    synchronize(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def gemm_ceiling(n: int, dtype: torch.dtype, device: torch.device, repeats: int) -> float:
    """MACs per second of an n x n by n x n matrix product in ``dtype``."""
    a = torch.randn(n, n, device=device).to(dtype)
    b = torch.randn(n, n, device=device).to(dtype)
    return n**3 / timed(lambda: torch.mm(a, b), device, repeats)


def depthwise_ceiling(batch: int, channels: int, size: int, kernel: int, device: torch.device, repeats: int) -> float:
    """MACs per second of a stride-1 depthwise convolution forward, channels_last, fp32."""
    x = torch.randn(batch, channels, size, size, device=device).to(memory_format=torch.channels_last)
    weight = torch.randn(channels, 1, kernel, kernel, device=device)
    macs = batch * channels * size * size * kernel * kernel
    with torch.no_grad():
        return macs / timed(lambda: F.conv2d(x, weight, padding=kernel // 2, groups=channels), device, repeats)


def step_seconds(model, subnet, batch: int, shape: Shape, device: torch.device, bf16: bool, steps: int) -> float:
    """Median seconds of one training step of ``subnet`` as our loop runs it."""
    inputs = torch.randn(batch, shape.in_channels, shape.image_size, shape.image_size, device=device).to(memory_format=torch.channels_last)
    labels = torch.randint(0, shape.num_classes, (batch,), device=device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=3e-5)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
    model.train()
    model.set_active(subnet)

    def step() -> None:
        optimizer.zero_grad(set_to_none=False)
        accumulate_gradients(model, [subnet], inputs, labels, autocast)
        optimizer.step()

    return timed(step, device, steps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1: training.threads' default)")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=15, help="timed training steps per subnet and precision (median)")
    parser.add_argument("--gemm", type=int, default=1024, help="side of the square GEMM")
    args = parser.parse_args()
    device = resolve_device(args.device)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    shape = Shape(in_channels=1, num_classes=10, image_size=32)
    arch = get_architecture("mobilenet-v3")
    table = arch.flops_table(shape)
    model = arch.build(shape).to(device).to(memory_format=torch.channels_last)

    repeats = max(5, args.steps)
    ceilings = {
        "GEMM fp32": gemm_ceiling(args.gemm, torch.float32, device, repeats),
        "GEMM bf16": gemm_ceiling(args.gemm, torch.bfloat16, device, repeats),
        "depthwise 5x5, 240 ch, 8x8 (fp32)": depthwise_ceiling(args.batch, 240, 8, 5, device, repeats),
        "depthwise 3x3, 72 ch, 16x16 (fp32)": depthwise_ceiling(args.batch, 72, 16, 3, device, repeats),
    }
    fp32_peak = ceilings["GEMM fp32"]

    rows = []
    for name in ("smallest", "middle", "largest"):
        subnet = resolve_subnet(model.space, name)
        train_macs = table.macs(subnet) * args.batch * (1 + BACKWARD_FACTOR)
        fp32 = step_seconds(model, subnet, args.batch, shape, device, bf16=False, steps=args.steps)
        bf16 = step_seconds(model, subnet, args.batch, shape, device, bf16=True, steps=args.steps)
        rows.append(
            [
                name,
                f"{table.mflops(subnet):.2f}",
                f"{train_macs / 1e9:.3f}",
                f"{fp32 * 1e3:.1f}",
                f"{train_macs / fp32 / 1e9:.2f}",
                f"{100 * train_macs / fp32 / fp32_peak:.1f}%",
                f"{bf16 * 1e3:.1f}",
                f"{fp32 / bf16:.2f}x",
            ]
        )
    where = f"{device} ({torch.get_num_threads()} thread{'s' if torch.get_num_threads() > 1 else ''}, torch {torch.__version__})"
    print(f"Ceilings on {where}, measured in this run:")
    print(tabulate([[k, f"{v / 1e9:.2f}"] for k, v in ceilings.items()], headers=["kernel", "GMAC/s"]))
    print(f"\nGEMM bf16 / fp32: {ceilings['GEMM bf16'] / fp32_peak:.2f}x\n")
    print(f"Training steps, batch {args.batch}, MobileNetV3 at 1x32x32 (median of {args.steps} steps each):")
    headers = ["subnet", "forward MMACs/img (bucket MFLOPs)", "train GMAC/step", "fp32 ms/step", "fp32 GMAC/s", "of GEMM fp32", "bf16 ms/step", "bf16 speed-up"]
    print(tabulate(rows, headers=headers))
    print(f"\ntrain MACs per step = forward MACs per image x batch x {1 + BACKWARD_FACTOR} (backward = {BACKWARD_FACTOR}x forward)")


if __name__ == "__main__":
    main()
