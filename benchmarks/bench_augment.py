"""Per-batch cost of the batched augmenter: ``standard``, ``ofa`` with its ColorJitter, and
``ofa`` crop-and-flip only, side by side, for 1- and 3-channel batches.

Each variant is the full uint8 -> normalised float32 path of ``BatchAugmenter`` (draws
included); ``ofa crop-only`` is ``ofa`` without the jitter (its boxes drawn and resampled,
then normalised: the policy as it was before the jitter), and ``jitter alone`` is the
jitter's own draw and two channel-mix steps.  Variants are timed in interleaved rounds, so
drift in machine load hits all alike; the median round is shown.

    python benchmarks/bench_augment.py                        # batch 64, 32x32, the CPU
    python benchmarks/bench_augment.py --device cuda --rounds 30
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch
from tabulate import tabulate

from nasbench_rss.data.augment import BatchAugmenter
from nasbench_rss.data.dataset import ImageDataset
from nasbench_rss.runtime.device import resolve_device, synchronize


def augmenter(policy: str, channels: int, size: int, device: torch.device) -> tuple[BatchAugmenter, torch.Tensor]:
    """An augmenter with plausible statistics and a fixed random uint8 pool of 1024 images on ``device``."""
    images = torch.randint(0, 256, (1024, channels, size, size), generator=torch.Generator().manual_seed(0), dtype=torch.uint8)
    labels = torch.zeros(images.shape[0], dtype=torch.int64)
    data = ImageDataset("bench", images, labels, images[:16], labels[:16], 10, (0.45,) * channels, (0.25,) * channels)
    return BatchAugmenter(policy, data), images.to(device)  # type: ignore[arg-type]


def variants(channels: int, size: int, device: torch.device) -> dict[str, Callable[[torch.Tensor, torch.Generator], torch.Tensor]]:
    standard, _ = augmenter("standard", channels, size, device)
    ofa, _ = augmenter("ofa", channels, size, device)

    def crop_only(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        pixels = images.to(torch.float32).div_(255.0)
        return ofa._normalize(ofa.ofa_crop(pixels, ofa.ofa_boxes(pixels, generator)), pixel_max=1.0)

    def jitter_alone(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        pixels = images.to(torch.float32).div_(255.0)
        return ofa.ofa_jitter(pixels, ofa.ofa_jitter_factors(pixels, generator))

    return {"standard": standard, "ofa (crop+flip+jitter)": ofa, "ofa crop+flip only": crop_only, "jitter alone": jitter_alone}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds; the median counts")
    parser.add_argument("--iters", type=int, default=40, help="batches per variant per round")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    device = resolve_device(args.device)

    rows = []
    for channels in (1, 3):
        fns = variants(channels, args.size, device)
        _, pool = augmenter("none", channels, args.size, device)
        batches = [pool[i * args.batch % (pool.shape[0] - args.batch) :][: args.batch] for i in range(args.iters)]
        generator = torch.Generator(device=device).manual_seed(0)
        times: dict[str, list[float]] = {name: [] for name in fns}
        for name, fn in fns.items():  # warm-up
            for batch in batches[:5]:
                fn(batch, generator)
        for _ in range(args.rounds):
            for name, fn in fns.items():
                synchronize(device)
                start = time.perf_counter()
                for batch in batches:
                    fn(batch, generator)
                synchronize(device)
                times[name].append(1e3 * (time.perf_counter() - start) / len(batches))
        ms = {name: statistics.median(t) for name, t in times.items()}
        crop = ms["ofa crop+flip only"]
        for name, value in ms.items():
            rows.append([channels, name, f"{value:.3f}", f"{value / crop:.2f}"])
        rows.append([channels, "jitter cost (ofa - crop-only)", f"{ms['ofa (crop+flip+jitter)'] - crop:.3f}", f"{ms['ofa (crop+flip+jitter)'] / crop - 1:+.0%}"])
    print(tabulate(rows, headers=["channels", "variant", "ms/batch (median)", "x crop-only"]))
    print(f"\nbatch {args.batch}, {args.size}x{args.size}, uint8 in, normalised float32 out, on {device} ({torch.get_num_threads()} threads); "
          f"median of {args.rounds} interleaved rounds of {args.iters} batches")


if __name__ == "__main__":
    main()
