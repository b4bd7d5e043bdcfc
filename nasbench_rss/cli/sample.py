"""``nasbench-rss sample ARCH``: subnets drawn from the population, or from one FLOPs bucket."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

import numpy as np
from tabulate import tabulate

from nasbench_rss.cli.common import add_shape_flags, architecture, shape, write_json
from nasbench_rss.errors import NasbenchError
from nasbench_rss.exit_codes import EXIT_OK

BUCKET_ONLY_FLAGS = ("tolerance", "bucket_mode", "lock_expand")
"""Flags that shape a bucket: without ``--bucket`` they would be silently ignored, so they are errors."""


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("sample", help="draw subnets of the population, or of one FLOPs bucket")
    p.add_argument("arch", metavar="ARCH")
    p.add_argument("--n", type=int, default=10, help="how many subnets (default 10)")
    p.add_argument("--seed", type=int, default=0, help="random seed; same seed, same output (default 0)")
    p.add_argument("--mode", choices=["per-dimension", "uniform"], default="per-dimension", help="base distribution (default per-dimension, the paper's)")
    p.add_argument("--bucket", type=float, metavar="MFLOPS", help="only subnets within --tolerance of this many MFLOPs")
    p.add_argument("--tolerance", type=float, metavar="T", help="half-width of the bucket in MFLOPs (default 0.5)")
    p.add_argument("--bucket-mode", choices=["exact", "paper"], help="exact: the base distribution conditioned on the bucket (default); paper: the paper's rejection protocol")
    p.add_argument(
        "--lock-expand",
        choices=["auto", "min", "max", "none"],
        help="paper mode: lock every expand ratio (auto: min for the lowest and max for the highest of the paper's reachable buckets)",
    )
    add_shape_flags(p)
    p.add_argument("--json", action="store_true", help="a JSON list of {encoding, ofa, mflops}")
    p.set_defaults(handler=run)


def _paper_grid(table: Any) -> list[float]:
    """The paper's buckets this architecture can reach at this shape (what ``--lock-expand auto`` ranks)."""
    from nasbench_rss.space.buckets import PAPER_BUCKETS, PAPER_TOLERANCE

    lo, hi = table.min_macs / 1e6, table.max_macs / 1e6
    return [b for b in PAPER_BUCKETS if b + PAPER_TOLERANCE >= lo and b - PAPER_TOLERANCE <= hi]


def _bucket_codes(args: argparse.Namespace, table: Any, rng: np.random.Generator) -> tuple[Any, str]:
    """Codes drawn from ``--bucket``, and the header line that says how big the bucket is."""
    from nasbench_rss.space.buckets import Bucket, ExactBucketSampler, paper_expand_locks, paper_sample_codes

    bucket = Bucket(args.bucket, 0.5 if args.tolerance is None else args.tolerance)
    exact = ExactBucketSampler(table, args.mode)
    exact.check_reachable(bucket)
    header = f"bucket {bucket.label} MFLOPs: {exact.count(bucket)} networks (exact); P({args.mode}) = {exact.probability(bucket):.4g}"
    if (args.bucket_mode or "exact") == "exact":
        if args.lock_expand is not None:
            raise NasbenchError("--lock-expand applies to --bucket-mode paper only")
        return exact.sample_codes(bucket, args.n, rng), header
    if args.mode != "per-dimension":
        raise NasbenchError("--bucket-mode paper draws per-dimension (the paper's protocol); drop --mode uniform")
    lock = args.lock_expand or "auto"
    if lock == "auto":
        lock = paper_expand_locks(_paper_grid(table)).get(args.bucket)
    elif lock == "none":
        lock = None
    header += f"; paper mode, expand locked at {lock or 'nothing'}"
    return paper_sample_codes(table, bucket, args.n, rng, lock_expand=lock), header


def run(args: argparse.Namespace, out: TextIO) -> int:
    from nasbench_rss.space.population import sample_codes

    table = architecture(args).flops_table(shape(args))
    rng = np.random.default_rng(args.seed)
    if args.n < 0:
        raise NasbenchError(f"--n: {args.n} not allowed; allowed: integers >= 0")
    if args.bucket is None:
        for flag in BUCKET_ONLY_FLAGS:
            if getattr(args, flag) is not None:
                raise NasbenchError(f"--{flag.replace('_', '-')} needs --bucket")
        codes, header = sample_codes(table.space, args.n, rng, args.mode), None
    else:
        codes, header = _bucket_codes(args, table, rng)
    subnets = table.space.subnets(codes)
    mflops = table.mflops_of_codes(codes)
    records = [{"encoding": s.encode(), "ofa": s.to_ofa(), "mflops": float(m)} for s, m in zip(subnets, mflops)]
    if args.json:
        write_json(records, out, indent=None)
        return EXIT_OK
    if header:
        out.write(header + "\n")
    out.write(tabulate([(r["encoding"], r["mflops"]) for r in records], headers=["encoding", "MFLOPs"], floatfmt=".6f") + "\n")
    return EXIT_OK
