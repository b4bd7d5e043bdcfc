"""What the ray executor costs per cell on top of the local one, on one machine.

The same suite is run twice in one invocation, side by side: by ``run_suite`` with the
``local`` executor (a worker process per cell, forked from a fork server with torch
loaded) and with the ``ray`` executor on a local Ray instance (started and shut down by
the run, as ``nasbench-rss run SUITE --executor ray`` does; each cell a Ray task, the
worker importing torch when it starts).  Both with ``--jobs 1``, each cell with its own
``training.threads`` under either executor, so that the training is the same and the
difference in wall time per cell is the executor's.  Neither writes the report.

    python benchmarks/bench_ray_overhead.py                     # suites/smoke.yaml
    python benchmarks/bench_ray_overhead.py --suite suites/quick.yaml --only '*/rss-short/*'
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from pathlib import Path

from tabulate import tabulate

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", default=str(ROOT / "suites" / "smoke.yaml"))
    parser.add_argument("--only", action="append", help="cell id globs, as for nasbench-rss run")
    parser.add_argument("--device", default="cpu", help="the run's device (default cpu)")
    args = parser.parse_args()

    from nasbench_rss.run import open_run, run_suite
    from nasbench_rss.run.orchestrate import select_cells
    from nasbench_rss.suite import load_suite

    suite = load_suite(args.suite)
    cells = select_cells(suite.cells(), args.only)
    root = Path(tempfile.mkdtemp(prefix="bench-ray-overhead-"))
    rows, walls = [], {}
    for executor in ("local", "ray"):
        out = root / executor
        started = time.perf_counter()
        run_suite(suite, out, only=args.only, device=args.device, executor=executor, jobs=1, stream=io.StringIO(), interactive=False)
        walls[executor] = time.perf_counter() - started
        train = sum(c.result["train_seconds"] for c in open_run(out).cells() if c.result)
        rows.append([executor, f"{walls[executor]:.1f}", f"{walls[executor] / len(cells):.2f}", f"{train:.1f}"])
    print(f"{suite.name}: {len(cells)} cells on {args.device}, jobs 1, each cell with its training.threads ({os.cpu_count()} cores here)")
    print(tabulate(rows, headers=["executor", "wall s", "s per cell", "train s (cells' own)"]))
    per_cell = (walls["ray"] - walls["local"]) / len(cells)
    print(f"ray / local wall: {walls['ray'] / walls['local']:.2f}x; ray's overhead {per_cell:+.2f} s per cell")


if __name__ == "__main__":
    main()
