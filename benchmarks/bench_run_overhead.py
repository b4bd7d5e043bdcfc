"""What ``nasbench-rss run`` costs on top of training: a worker process per cell, locks, manifest.

The same suite's cells are trained twice, side by side in one invocation: once by
``run_suite`` (a worker process per cell, as the command does) and once in this process
with ``train_cell`` (no runner).  The difference in wall time per cell is the runner's
overhead (interpreter and torch start-up, data loading in the worker, bookkeeping); the
cells' own ``train_seconds`` show the training itself was alike.

    python benchmarks/bench_run_overhead.py                      # suites/smoke.yaml
    python benchmarks/bench_run_overhead.py --suite suites/quick.yaml --only '*/rss-short/*'
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
from pathlib import Path

from tabulate import tabulate

from nasbench_rss.run import open_run, run_suite
from nasbench_rss.run.orchestrate import select_cells
from nasbench_rss.suite import load_suite
from nasbench_rss.train.trainer import train_cell

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", default=str(ROOT / "suites" / "smoke.yaml"))
    parser.add_argument("--only", action="append", help="cell id globs, as for nasbench-rss run")
    parser.add_argument("--device", default=None, help="override the suite's device")
    args = parser.parse_args()

    suite = load_suite(args.suite)
    cells = select_cells(suite.cells(), args.only)
    root = Path(tempfile.mkdtemp(prefix="bench-run-overhead-"))

    started = time.perf_counter()
    run_suite(suite, root / "runner", only=args.only, device=args.device, stream=io.StringIO(), interactive=False)
    runner_wall = time.perf_counter() - started
    runner_train = {c.id: c.result["train_seconds"] for c in open_run(root / "runner").cells() if c.result}

    direct_train, started = {}, time.perf_counter()
    for cell in cells:
        result = train_cell(cell.config, root / "direct" / cell.id, device=args.device or suite.device, log=lambda _: None)
        direct_train[cell.id] = result["train_seconds"]
    direct_wall = time.perf_counter() - started

    rows = [[cid, f"{runner_train[cid]:.1f}", f"{direct_train[cid]:.1f}"] for cid in direct_train]
    print(tabulate(rows, headers=["cell", "train s (runner)", "train s (in-process)"]))
    overhead = (runner_wall - direct_wall) / len(cells)
    print(
        json.dumps(
            {
                "suite": suite.name,
                "cells": len(cells),
                "runner_wall_seconds": round(runner_wall, 2),
                "in_process_wall_seconds": round(direct_wall, 2),
                "overhead_seconds_per_cell": round(overhead, 2),
                "wall_ratio_runner_over_in_process": round(runner_wall / direct_wall, 3),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
