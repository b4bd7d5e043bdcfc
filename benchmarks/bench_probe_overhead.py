"""What the interference probe costs: the same cell trained with and without it, side by side.

The cell is one of suites/claims/interference.yaml's (MobileNetV3 on a Fashion-MNIST subset,
protocol project, batch 64), trained for a few epochs with no probe and with the probe at
``every`` = 64 (its default) and at a denser setting; the runs alternate, seed for seed, so
drift in machine load hits all alike.  Reported: training seconds per epoch (wall and CPU,
the probe's own time included, as a user waits for it) and the overhead against no probe
(the issue's target: at most 10% at the default on the CPU), and per probed step, in
seconds and in training steps, with the steady-state overhead it implies (one probed step
per ``every``; a short run over-weights the probe, whose first step is always probed).  The
probe's weights are checked to be those of the run without it.

    python benchmarks/bench_probe_overhead.py                          # per-batch k=2, 4 epochs, 2 repeats
    python benchmarks/bench_probe_overhead.py --sampler rss --every 64 16 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

import torch
from tabulate import tabulate

from nasbench_rss.run.runner import RunnerEvents, train_cell
from nasbench_rss.config.training import CellConfig
from nasbench_rss.train.observers.interference import InterferenceObserver
from nasbench_rss.train.observers.probe_options import ProbeOptions


def config(sampler: str, options: dict, epochs: int, train_subset: int, seed: int) -> CellConfig:
    return CellConfig(
        arch="mobilenet-v3",
        dataset="fashion-mnist",
        dataset_options={},
        train_subset=train_subset,
        test_subset=200,
        sampler=sampler,
        sampler_options=options,
        epochs=epochs,
        seed=seed,
        protocol="project",
        train={"lr": 0.01, "batch_size": 64, "weight_decay": 3.0e-5, "dropout": 0.1},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sampler", default="per-batch")
    parser.add_argument("--k", type=int, default=2, help="subnets per step for per-batch")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--train-subset", type=int, default=2000)
    parser.add_argument("--every", type=int, nargs="+", default=[64, 8])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    options = {"k": args.k} if args.sampler == "per-batch" else {}
    settings: list[int | None] = [None, *args.every]
    seconds: dict[int | None, list[float]] = {s: [] for s in settings}
    cpu: dict[int | None, list[float]] = {s: [] for s in settings}
    probed_steps: dict[int | None, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):
            digests = set()
            for every in settings:
                out = Path(tmp) / f"r{repeat}-{every}"
                observers = () if every is None else (InterferenceObserver(ProbeOptions(every=every)),)
                result = train_cell(
                    config(args.sampler, options, args.epochs, args.train_subset, repeat), out, device="cpu",
                    events=RunnerEvents(quiet=True), observers=observers,
                )  # fmt: skip
                digests.add(result["weights"])
                steps_per_run = sum(json.loads(line)["steps"] for line in (out / "events.jsonl").read_text().splitlines())
                seconds[every].append(result["train_seconds"] / args.epochs)
                cpu[every].append(result["train_cpu_seconds"] / args.epochs)
                if every is not None:
                    probed_steps[every] = len((out / "interference.jsonl").read_text().splitlines())
            assert len(digests) == 1, "the probe changed training: the weights differ"
    base, base_cpu = statistics.mean(seconds[None]), statistics.mean(cpu[None])
    step = base * args.epochs / steps_per_run  # seconds of one training step without the probe
    rows = []
    for every in settings:
        wall = statistics.mean(seconds[every])
        if every is None:
            per_probe = steady = "-"
        else:
            # The run's first step is always probed, so a short run over-weights the probe; the steady
            # state is one probed step per `every` training steps.
            cost = (wall - base) * args.epochs / probed_steps[every]
            per_probe = f"{cost:.2f} s = {cost / step:.1f} steps"
            steady = f"{100 * cost / (every * step):+.1f}%"
        rows.append(
            [
                "none" if every is None else every, probed_steps.get(every, 0), f"{wall:.2f}", f"{statistics.mean(cpu[every]):.2f}",
                f"{100 * (wall / base - 1):+.1f}%", f"{100 * (statistics.mean(cpu[every]) / base_cpu - 1):+.1f}%", per_probe, steady,
            ]
        )  # fmt: skip
    print(
        f"{args.sampler} {json.dumps(options)}, {args.train_subset} Fashion-MNIST images, batch 64, {args.epochs} epochs, "
        f"{args.repeats} repeats, torch {torch.__version__}, {torch.get_num_threads()} threads"
    )
    print(
        tabulate(
            rows,
            ["probe every", "probed steps", "s/epoch", "CPU s/epoch", "overhead (wall)", "overhead (CPU)", "per probed step", "steady state"],
        )
    )


if __name__ == "__main__":
    main()
