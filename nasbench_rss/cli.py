"""The ``nasbench-rss`` command.  JSON output (``--json``) is a contract other tools read."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Sequence, TextIO

import numpy as np
from tabulate import tabulate

from nasbench_rss import __version__
from nasbench_rss.cli_plugins import add_plugins_command, handle_plugins
from nasbench_rss.cli_report import add_report_command, handle_report
from nasbench_rss.cli_run import add_evaluate_command, add_run_command, handle_evaluate, handle_run
from nasbench_rss.cli_suite import add_suite_commands, handle_schema, handle_validate
from nasbench_rss.cli_train import add_train_command, handle_train
from nasbench_rss.errors import NasbenchError

#: The paper's shape for its headline figures (CIFAR-100): FLOPs depend on all three.
DEFAULT_SHAPE = {"in_channels": 3, "num_classes": 100, "image_size": 32}


def _shape_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("input shape (FLOPs depend on it)")
    group.add_argument("--image-size", type=int, default=DEFAULT_SHAPE["image_size"], metavar="N", help="input height and width (default 32)")
    group.add_argument("--in-channels", type=int, default=DEFAULT_SHAPE["in_channels"], metavar="C", help="input channels, 1 or 3 (default 3)")
    group.add_argument("--num-classes", type=int, default=DEFAULT_SHAPE["num_classes"], metavar="K", help="classes (default 100)")


def _architecture(args: argparse.Namespace):
    from nasbench_rss.plugins import get_registry

    return get_registry(strict=args.strict_plugins or None).get("architecture", args.arch).factory()


def _shape(args: argparse.Namespace):
    from nasbench_rss.arch.layout import Shape

    return Shape(in_channels=args.in_channels, num_classes=args.num_classes, image_size=args.image_size)


def _paper_grid(table) -> list[float]:
    """The paper's buckets this architecture can reach at this shape."""
    from nasbench_rss.space.buckets import PAPER_BUCKETS, PAPER_TOLERANCE

    lo, hi = table.min_macs / 1e6, table.max_macs / 1e6
    return [b for b in PAPER_BUCKETS if b + PAPER_TOLERANCE >= lo and b - PAPER_TOLERANCE <= hi]


def _bucket_facts(table) -> list[dict]:
    from nasbench_rss.space.buckets import Bucket, ExactBucketSampler, PAPER_BUCKETS

    uniform = ExactBucketSampler(table, "uniform")
    per_dim = ExactBucketSampler(table, "per-dimension")
    rows = []
    for target in PAPER_BUCKETS:
        bucket = Bucket(target)
        rows.append(
            {
                "bucket": target,
                "tolerance": bucket.tolerance,
                "networks": str(uniform.count(bucket)),
                "probability_per_dimension": per_dim.probability(bucket),
                "probability_uniform": uniform.probability(bucket),
            }
        )
    return rows


# ------------------------------------------------------------------ commands
def cmd_space(args: argparse.Namespace, out: TextIO) -> int:
    arch = _architecture(args)
    shape = _shape(args)
    table = arch.flops_table(shape)
    info = {
        **table.space.describe(),
        "description": arch.description,
        "shape": {"in_channels": shape.in_channels, "num_classes": shape.num_classes, "image_size": shape.image_size},
        "mflops_min": table.min_macs / 1e6,
        "mflops_max": table.max_macs / 1e6,
        "flops_definition": "multiply-accumulates of conv and linear layers (SE included; BN, activations, biases excluded), as OFA's analytic counter",
        "buckets": _bucket_facts(table),
    }
    if args.json:
        json.dump(info, out, indent=2)
        out.write("\n")
        return 0
    size = table.space.size
    out.write(f"{arch.name}: {arch.description}\n")
    out.write(f"shape: {shape.in_channels} channels, {shape.image_size}x{shape.image_size}, {shape.num_classes} classes\n")
    out.write(f"population: {size} networks (~{size:.3e}); per stage {list(table.space.stage_sizes)}\n")
    out.write(f"MFLOPs: {info['mflops_min']:.6f} to {info['mflops_max']:.6f} (multiply-accumulates, as OFA counts)\n")
    out.write(
        f"stages: {table.space.n_stages}, layers per stage {list(table.space.max_depths)}"
        + (f", fixed depth in stages {sorted(table.space.fixed_depth_stages)}" if table.space.fixed_depth_stages else "")
        + "\n"
    )
    out.write(f"choices: kernel {list(table.space.kernel_choices)}, expand {list(table.space.expand_choices)}, depth {list(table.space.depth_choices)}\n\n")
    rows = [
        (f"{r['bucket']:g}±{r['tolerance']:g}", r["networks"], f"{r['probability_per_dimension']:.3g}", f"{r['probability_uniform']:.3g}")
        for r in info["buckets"]
    ]
    out.write(tabulate(rows, headers=["bucket (MFLOPs)", "networks (exact)", "P(per-dimension)", "P(uniform)"]) + "\n")
    return 0


def cmd_sample(args: argparse.Namespace, out: TextIO) -> int:
    from nasbench_rss.space.buckets import Bucket, ExactBucketSampler, paper_expand_locks, paper_sample_codes
    from nasbench_rss.space.population import sample_codes

    arch = _architecture(args)
    table = arch.flops_table(_shape(args))
    rng = np.random.default_rng(args.seed)
    if args.n < 0:
        raise NasbenchError(f"--n: {args.n} not allowed; allowed: integers >= 0")
    header = None
    if args.bucket is None:
        for flag in ("tolerance", "bucket_mode", "lock_expand"):
            if getattr(args, flag) is not None:
                raise NasbenchError(f"--{flag.replace('_', '-')} needs --bucket")
        codes = sample_codes(table.space, args.n, rng, args.mode)
    else:
        bucket = Bucket(args.bucket, 0.5 if args.tolerance is None else args.tolerance)
        exact = ExactBucketSampler(table, args.mode)
        exact.check_reachable(bucket)
        header = f"bucket {bucket.label} MFLOPs: {exact.count(bucket)} networks (exact); P({args.mode}) = {exact.probability(bucket):.4g}"
        if (args.bucket_mode or "exact") == "exact":
            if args.lock_expand is not None:
                raise NasbenchError("--lock-expand applies to --bucket-mode paper only")
            codes = exact.sample_codes(bucket, args.n, rng)
        else:
            if args.mode != "per-dimension":
                raise NasbenchError("--bucket-mode paper draws per-dimension (the paper's protocol); drop --mode uniform")
            lock = args.lock_expand or "auto"
            if lock == "auto":
                lock = paper_expand_locks(_paper_grid(table)).get(args.bucket)
            elif lock == "none":
                lock = None
            header += f"; paper mode, expand locked at {lock or 'nothing'}"
            codes = paper_sample_codes(table, bucket, args.n, rng, lock_expand=lock)
    subnets = table.space.subnets(codes)
    mflops = table.mflops_of_codes(codes)
    records = [{"encoding": s.encode(), "ofa": s.to_ofa(), "mflops": float(m)} for s, m in zip(subnets, mflops)]
    if args.json:
        json.dump(records, out)
        out.write("\n")
        return 0
    if header:
        out.write(header + "\n")
    out.write(tabulate([(r["encoding"], r["mflops"]) for r in records], headers=["encoding", "MFLOPs"], floatfmt=".6f") + "\n")
    return 0


def cmd_flops(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    from nasbench_rss.space.subnet import decode_all

    arch = _architecture(args)
    table = arch.flops_table(_shape(args))
    texts = list(args.encodings)
    if texts == ["-"]:
        texts = [line.strip() for line in stdin if line.strip()]
    elif "-" in texts:
        raise NasbenchError("'-' (read stdin) must be the only ENCODING argument")
    if not texts:
        raise NasbenchError("no encodings given (pass them as arguments, or '-' to read one per line from stdin)")
    subnets = decode_all(table.space, texts)
    macs = table.macs_of_codes(table.space.codes(subnets))
    records = [{"encoding": s.encode(), "ofa": s.to_ofa(), "mflops": int(m) / 1e6, "macs": int(m)} for s, m in zip(subnets, macs)]
    if args.json:
        json.dump(records, out)
        out.write("\n")
        return 0
    out.write(tabulate([(r["encoding"], r["mflops"]) for r in records], headers=["encoding", "MFLOPs"], floatfmt=".6f") + "\n")
    return 0


# -------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nasbench-rss", description="Benchmark how weight-sharing supernets are trained.")
    parser.add_argument("--version", action="version", version=f"nasbench-rss {__version__}")
    parser.add_argument(
        "--strict-plugins", action="store_true", help="fail when any plugin fails to load (also NASBENCH_RSS_STRICT_PLUGINS=1)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("space", help="population size, FLOPs range, stages, choices and bucket sizes of an architecture")
    p.add_argument("arch", metavar="ARCH", help="architecture plugin name (see `nasbench-rss plugins`)")
    _shape_flags(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("sample", help="draw subnets of the population, or of one FLOPs bucket")
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
    _shape_flags(p)
    p.add_argument("--json", action="store_true", help="a JSON list of {encoding, ofa, mflops}")

    p = sub.add_parser("flops", help="exact MFLOPs of subnets given by encoding")
    p.add_argument("arch", metavar="ARCH")
    p.add_argument("encodings", nargs="+", metavar="ENCODING", help="subnet encodings, or '-' to read one per line from stdin")
    _shape_flags(p)
    p.add_argument("--json", action="store_true", help="a JSON list of {encoding, ofa, mflops, macs}")

    add_plugins_command(sub)
    add_train_command(sub)
    add_suite_commands(sub)
    add_run_command(sub)
    add_evaluate_command(sub)
    add_report_command(sub)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, stdin: TextIO | None = None) -> int:
    out = out or sys.stdout
    stdin = stdin or sys.stdin
    args = build_parser().parse_args(argv)
    try:
        if args.command == "space":
            return cmd_space(args, out)
        if args.command == "sample":
            return cmd_sample(args, out)
        if args.command == "flops":
            return cmd_flops(args, out, stdin)
        if args.command == "plugins":
            return handle_plugins(args, out)
        if args.command == "train":
            return handle_train(args, out)
        if args.command == "run":
            return handle_run(args, out)
        if args.command == "evaluate":
            return handle_evaluate(args, out)
        if args.command == "report":
            return handle_report(args, out)
        if args.command == "validate":
            return handle_validate(args, out)
        if args.command == "schema":
            return handle_schema(args, out)
    except NasbenchError as err:
        print(f"nasbench-rss {args.command}: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and closed early: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    raise AssertionError(f"unhandled command {args.command}")


if __name__ == "__main__":
    sys.exit(main())
