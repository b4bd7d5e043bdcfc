"""Exact FLOP-bucket sampling speed per bucket (target <= 5 ms per subnet, every bucket).

    python benchmarks/bench_buckets.py [--n 200]

For each architecture and the paper's buckets 4..14 (+-0.5): one-off setup time of the
sampler, ms per subnet in exact mode (setup excluded, and setup amortised over --n),
and ms per subnet of the paper's rejection protocol for comparison.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from tabulate import tabulate

from nasbench_rss.arch.builtin import MOBILENET_V3_ARCH, PROXYLESSNAS_ARCH
from nasbench_rss.arch.layout import Shape
from nasbench_rss.errors import SpaceError
from nasbench_rss.space.buckets import PAPER_BUCKETS, Bucket, ExactBucketSampler, paper_expand_locks, paper_sample_codes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--paper-n", type=int, default=20)
    args = parser.parse_args()
    shape = Shape(3, 100, 32)
    rows = []
    for arch in (MOBILENET_V3_ARCH, PROXYLESSNAS_ARCH):
        table = arch.flops_table(shape)
        for base in ("per-dimension", "uniform"):
            start = time.perf_counter()
            sampler = ExactBucketSampler(table, base)
            setup = time.perf_counter() - start
            reachable = [b for b in PAPER_BUCKETS if sampler.count(Bucket(b)) > 0]
            locks = paper_expand_locks(reachable)
            for target in PAPER_BUCKETS:
                bucket = Bucket(target)
                if target not in reachable:
                    rows.append((arch.name, base, f"{target}", f"{setup:.2f}", "empty", "", ""))
                    continue
                rng = np.random.default_rng(0)
                start = time.perf_counter()
                sampler.sample_codes(bucket, args.n, rng)
                per = (time.perf_counter() - start) / args.n
                paper = ""
                if base == "per-dimension":
                    start = time.perf_counter()
                    try:
                        paper_sample_codes(table, bucket, args.paper_n, rng, lock_expand=locks[target], max_draws=5_000_000)
                        paper = f"{(time.perf_counter() - start) / args.paper_n * 1e3:.2f}"
                    except SpaceError:
                        paper = "gave up (5M draws)"
                rows.append((arch.name, base, f"{target}", f"{setup:.2f}", f"{per * 1e3:.2f}", f"{(per + setup / args.n) * 1e3:.2f}", paper))
    print(f"{shape}; n = {args.n} exact draws per bucket, {args.paper_n} paper-mode draws")
    print(tabulate(rows, headers=["arch", "base", "bucket", "setup s", "exact ms/subnet", f"incl. setup / {args.n}", "paper ms/subnet"]))


if __name__ == "__main__":
    main()
