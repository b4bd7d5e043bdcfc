"""What ``nasbench-rss run`` costs on top of the work: worker processes, locks, manifest, planning.

The same suite's cells are run twice, side by side in one invocation: once by
``run_suite`` (the local executor: a worker process per cell, forked from a fork server
that has torch loaded) and once in this process, one after the other, by ``CellRunner``
itself (the same build, training and evaluation, no runner around it).  Neither writes the
report.  The difference in wall time per cell is the runner's overhead; the cells' own
``train_seconds`` show the training itself was alike.

The in-process pass runs second, so it also gets whatever the first pass warmed up (file
caches); the overhead is if anything overstated.

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

from nasbench_rss.cell.directory import CellDirectory
from nasbench_rss.run.runner import CellRunner, RunnerEvents
from nasbench_rss.run import open_run, run_suite
from nasbench_rss.run.orchestrate import select_cells
from nasbench_rss.suite import load_suite

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
    device = args.device or suite.device

    started = time.perf_counter()
    # jobs=1: one cell at a time, as the in-process pass runs them (on the CPU the default is as many as the cores hold)
    run_suite(suite, root / "runner", only=args.only, device=args.device, jobs=1, stream=io.StringIO(), interactive=False)
    runner_wall = time.perf_counter() - started
    runner_train = {c.id: c.result["train_seconds"] for c in open_run(root / "runner").cells() if c.result}

    direct_train, started = {}, time.perf_counter()
    for cell in cells:
        directory = CellDirectory(root / "direct" / cell.id)
        runner = CellRunner(directory, cell, device=device, events=RunnerEvents(quiet=True))
        with directory.lock():
            runner.execute()
        direct_train[cell.id] = runner.result["train_seconds"]
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
