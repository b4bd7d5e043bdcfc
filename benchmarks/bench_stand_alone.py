"""Stand-alone training: one subnet as its own static network, eager against ``torch.compile``; and in the supernet.

The references of a suite (``references:``) train each subnet alone.  Three ways to train
the same subnet for the same epochs on the same data, each through the real trainer
(``train.loop.Trainer``, a fresh cell directory per variant):

- ``supernet``: the ``single`` sampler, i.e. the subnet active in an elastic supernet (what
  training it without extracting it would cost);
- ``eager``: the ``stand-alone`` sampler with ``compile: off`` (the static network);
- ``compiled``: the ``stand-alone`` sampler with ``compile: on`` (``torch.compile`` of the
  static network's forward; its first epoch includes compiling).

Reported per variant: every epoch's wall time (from the cell's ``events.jsonl``), the
first epoch apart (compilation happens there), the mean of the others (steady state), the
whole run, the final training loss; then the ratios against eager.  A compiled run pays
when its whole run is shorter than eager's: with few, short epochs (a CPU reference at
CPU scale) the compile time is not won back.  The variants alternate in order across
``--repeats`` so that machine-load drift hits each alike.

    python benchmarks/bench_stand_alone.py                          # Fashion-MNIST 2000 images, 4 epochs, 2 threads
    python benchmarks/bench_stand_alone.py --device cuda --train-images 20000 --epochs 6
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import torch
from tabulate import tabulate

from nasbench_rss.cell.directory import EVENTS_FILE, CellDirectory
from nasbench_rss.runtime.build import build_cell
from nasbench_rss.config.training import CellConfig
from nasbench_rss.runtime.device import resolve_device
from nasbench_rss.train.loop import Trainer

VARIANTS = {
    "supernet": ("single", {}),
    "eager": ("stand-alone", {"compile": "off"}),
    "compiled": ("stand-alone", {"compile": "on"}),
}


def train(variant: str, args: argparse.Namespace, device: torch.device, root: Path) -> dict:
    sampler, options = VARIANTS[variant]
    config = CellConfig(
        arch=args.arch, dataset=args.dataset, sampler=sampler, sampler_options={"subnet": args.subnet, **options},
        epochs=args.epochs, seed=args.seed, train_subset=args.train_images, test_subset=100,
        train={"batch_size": args.batch, "lr": 0.01},
    )  # fmt: skip
    cell = build_cell(config, device)
    directory = CellDirectory(root / f"{variant}-{time.monotonic_ns()}")
    started = time.perf_counter()
    result = Trainer(cell, directory, log=lambda _: None).run()
    total = time.perf_counter() - started
    epochs = [r["seconds"] for r in directory.read_jsonl(EVENTS_FILE).records if r.get("event") == "epoch"]
    compiled = getattr(cell.model, "compiled", None)
    return {"epochs": epochs, "total": total, "loss": result["final_train_loss"], "compiled": compiled}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", default="mobilenet-v3")
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--subnet", default="middle", help="an encoding, or smallest, middle, largest")
    parser.add_argument("--train-images", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    load = os.getloadavg()[0]
    runs: dict[str, list[dict]] = {v: [] for v in args.variants}
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):
            order = args.variants if repeat % 2 == 0 else list(reversed(args.variants))
            for variant in order:
                runs[variant].append(train(variant, args, device, Path(tmp)))
                r = runs[variant][-1]
                print(f"{variant}: epochs {', '.join(f'{s:.2f}' for s in r['epochs'])} s; total {r['total']:.1f} s", flush=True)

    def summary(variant: str) -> tuple[float, float, float, float]:
        rs = runs[variant]
        first = statistics.mean(r["epochs"][0] for r in rs)
        steady = statistics.mean(s for r in rs for s in r["epochs"][1:]) if args.epochs > 1 else float("nan")
        return first, steady, statistics.mean(r["total"] for r in rs), statistics.mean(r["loss"] for r in rs)

    print()
    print(
        f"{args.arch} subnet {args.subnet} on {args.dataset} ({args.train_images} images, batch {args.batch}), {args.epochs} "
        f"epochs x {args.repeats} repeat(s), {device} ({args.threads} threads), torch {torch.__version__}; "
        f"load average {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end ({os.cpu_count()} CPUs)"
    )
    rows = []
    for variant in args.variants:
        first, steady, total, loss = summary(variant)
        note = "" if variant != "compiled" or all(r["compiled"] for r in runs[variant]) else "fell back to eager"
        rows.append([variant, f"{first:.2f}", f"{steady:.2f}", f"{total:.1f}", f"{loss:.4f}", note])
    print(tabulate(rows, headers=["variant", "epoch 1 s", "later epochs s (mean)", "whole run s", "final loss", ""], disable_numparse=True))
    if "eager" in runs:
        _, eager_steady, eager_total, _ = summary("eager")
        for variant in args.variants:
            if variant != "eager":
                _, steady, total, _ = summary(variant)
                print(f"{variant} / eager: later epochs {steady / eager_steady:.2f}x the time, whole run {total / eager_total:.2f}x")


if __name__ == "__main__":
    main()
