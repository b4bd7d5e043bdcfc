"""Wall-time ratio of progressive shrinking to RSS over the same epochs on the same data.

The paper reports PS took 1.9x as long as RSS (82 epochs on Fashion-MNIST, 590 on CIFAR).
Both cells train through the real trainer on the same Fashion-MNIST subset; their epochs
are interleaved (one RSS epoch, one PS epoch, ...) so drift in machine load hits both
alike.  Training time is each cell's ``train_seconds`` (sum of epoch times).

    python benchmarks/bench_ps_vs_rss.py                       # 82 epochs, 320 images
    python benchmarks/bench_ps_vs_rss.py --epochs 12 --train-subset 640 --device cuda
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import defaultdict
from pathlib import Path

from tabulate import tabulate

from nasbench_rss.config.training import CellConfig
from nasbench_rss.cell.directory import CellDirectory
from nasbench_rss.plugins import get_registry
from nasbench_rss.runtime.build import build_cell, provenance
from nasbench_rss.runtime.device import resolve_device
from nasbench_rss.train.loop import Trainer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", default="mobilenet-v3")
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--epochs", type=int, default=82, help="epochs of both cells (PS splits them into its six phases)")
    parser.add_argument("--train-subset", type=int, default=320, help="training images (default 320: 5 steps per epoch)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--out", help="keep the cell directories here (default: a temp directory)")
    args = parser.parse_args()

    device = resolve_device(args.device)
    root = Path(args.out or tempfile.mkdtemp(prefix="bench-ps-rss-"))
    trainers = {}
    for sampler in ("rss", "progressive-shrinking"):
        config = CellConfig(arch=args.arch, dataset=args.dataset, sampler=sampler, epochs=args.epochs, seed=args.seed, train_subset=args.train_subset)
        cell = build_cell(config, device)
        made_by = provenance(cell, get_registry())
        trainers[sampler] = Trainer(cell, CellDirectory(root / sampler), log=lambda message: None, provenance=made_by)
    results = {}
    for epoch in range(args.epochs):
        for name, trainer in trainers.items():
            results[name] = trainer.run(epoch_limit=1)
        print(f"epoch {epoch + 1}/{args.epochs} done", flush=True)

    phase_seconds: dict[str, float] = defaultdict(float)
    phase_epochs: dict[str, int] = defaultdict(int)
    for line in (root / "progressive-shrinking" / "events.jsonl").read_text().splitlines():
        event = json.loads(line)
        phase_seconds[event["phase"]] += event["seconds"]
        phase_epochs[event["phase"]] += 1
    rows = [[phase, phase_epochs[phase], f"{seconds:.1f}", f"{seconds / phase_epochs[phase]:.2f}"] for phase, seconds in phase_seconds.items()]
    print(tabulate(rows, headers=["PS phase", "epochs", "seconds", "s/epoch"]))
    rss, ps = results["rss"]["train_seconds"], results["progressive-shrinking"]["train_seconds"]
    env = results["rss"]["provenance"]
    print(
        f"\n{args.arch} on {args.dataset} ({args.train_subset} images, batch 64, {args.epochs} epochs), "
        f"{env['device']} {env['device_name']} ({env['threads']} threads, {env['precision']}):"
    )
    print(f"RSS {rss:.1f} s, PS {ps:.1f} s, PS/RSS wall-time ratio {ps / rss:.2f} (paper: 1.9)")
    print(f"cells in {root}")


if __name__ == "__main__":
    main()
