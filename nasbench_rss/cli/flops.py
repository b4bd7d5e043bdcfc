"""``nasbench-rss flops ARCH ENCODING... | -``: exact FLOPs of given subnets."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from tabulate import tabulate

from nasbench_rss.cli.common import add_shape_flags, architecture, shape, write_json
from nasbench_rss.errors import NasbenchError
from nasbench_rss.exit_codes import EXIT_OK


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("flops", help="exact MFLOPs of subnets given by encoding")
    p.add_argument("arch", metavar="ARCH")
    p.add_argument("encodings", nargs="+", metavar="ENCODING", help="subnet encodings, or '-' to read one per line from stdin")
    add_shape_flags(p)
    p.add_argument("--json", action="store_true", help="a JSON list of {encoding, ofa, mflops, macs}")
    p.set_defaults(handler=run)


def _encodings(args: argparse.Namespace, stdin: TextIO) -> list[str]:
    """The encodings on the command line, or on stdin for ``-`` (so ``sample`` can pipe into ``flops``)."""
    texts = list(args.encodings)
    if texts == ["-"]:
        texts = [line.strip() for line in stdin if line.strip()]
    elif "-" in texts:
        raise NasbenchError("'-' (read stdin) must be the only ENCODING argument")
    if not texts:
        raise NasbenchError("no encodings given (pass them as arguments, or '-' to read one per line from stdin)")
    return texts


def run(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    from nasbench_rss.space.subnet import decode_all

    table = architecture(args).flops_table(shape(args))
    subnets = decode_all(table.space, _encodings(args, stdin))
    macs = table.macs_of_codes(table.space.codes(subnets))
    records = [{"encoding": s.encode(), "ofa": s.to_ofa(), "mflops": int(m) / 1e6, "macs": int(m)} for s, m in zip(subnets, macs)]
    if args.json:
        write_json(records, out, indent=None)
        return EXIT_OK
    out.write(tabulate([(r["encoding"], r["mflops"]) for r in records], headers=["encoding", "MFLOPs"], floatfmt=".6f") + "\n")
    return EXIT_OK
