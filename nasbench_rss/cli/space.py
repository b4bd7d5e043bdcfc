"""``nasbench-rss space ARCH``: how big an architecture's population is and how it spreads over FLOPs."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from tabulate import tabulate

from nasbench_rss.cli.common import add_shape_flags, architecture, shape, write_json
from nasbench_rss.exit_codes import EXIT_OK

FLOPS_DEFINITION = (
    "multiply-accumulates of conv and linear layers (SE included; BN, activations, biases excluded), "
    "as OFA's analytic counter"
)


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("space", help="population size, FLOPs range, stages, choices and bucket sizes of an architecture")
    p.add_argument("arch", metavar="ARCH", help="architecture plugin name (see `nasbench-rss plugins`)")
    add_shape_flags(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=run)


def _bucket_facts(table: Any) -> list[dict[str, Any]]:
    """Each of the paper's buckets: its exact size and its probability under both base distributions."""
    from nasbench_rss.space.buckets import PAPER_BUCKETS, Bucket, ExactBucketSampler

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


def run(args: argparse.Namespace, out: TextIO) -> int:
    arch = architecture(args)
    input_shape = shape(args)
    table = arch.flops_table(input_shape)
    space = table.space
    info = {
        **space.describe(),
        "description": arch.description,
        "shape": {"in_channels": input_shape.in_channels, "num_classes": input_shape.num_classes, "image_size": input_shape.image_size},
        "mflops_min": table.min_macs / 1e6,
        "mflops_max": table.max_macs / 1e6,
        "flops_definition": FLOPS_DEFINITION,
        "buckets": _bucket_facts(table),
    }
    if args.json:
        write_json(info, out)
        return EXIT_OK
    size = space.size
    out.write(f"{arch.name}: {arch.description}\n")
    out.write(f"shape: {input_shape.in_channels} channels, {input_shape.image_size}x{input_shape.image_size}, {input_shape.num_classes} classes\n")
    out.write(f"population: {size} networks (~{size:.3e}); per stage {list(space.stage_sizes)}\n")
    out.write(f"MFLOPs: {info['mflops_min']:.6f} to {info['mflops_max']:.6f} (multiply-accumulates, as OFA counts)\n")
    out.write(
        f"stages: {space.n_stages}, layers per stage {list(space.max_depths)}"
        + (f", fixed depth in stages {sorted(space.fixed_depth_stages)}" if space.fixed_depth_stages else "")
        + "\n"
    )
    out.write(f"choices: kernel {list(space.kernel_choices)}, expand {list(space.expand_choices)}, depth {list(space.depth_choices)}\n\n")
    rows = [
        (f"{r['bucket']:g}±{r['tolerance']:g}", r["networks"], f"{r['probability_per_dimension']:.3g}", f"{r['probability_uniform']:.3g}")
        for r in info["buckets"]
    ]
    out.write(tabulate(rows, headers=["bucket (MFLOPs)", "networks (exact)", "P(per-dimension)", "P(uniform)"]) + "\n")
    return EXIT_OK
