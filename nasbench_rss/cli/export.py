"""``nasbench-rss export CELL_DIR ENCODING``: one subnet of a trained cell as a stand-alone network file."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from nasbench_rss.cli.common import write_json
from nasbench_rss.exit_codes import EXIT_OK


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "export",
        help="write one subnet of a trained cell as a plain torch network (state dict + architecture record)",
        description="Extract a subnet of the cell in CELL_DIR (a cells/... directory of a run) with the cell's trained "
        "weights, recalibrate its BN statistics as the population evaluation does, test it on the cell's test images and "
        "write it to a file.  Load it with `nasbench_rss.arch.static.load_network(FILE)` (torch and that module only).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("cell_dir", metavar="CELL_DIR", help="a trained cell's directory, e.g. runs/quick/cells/mobilenet-v3/.../seed0-...")
    p.add_argument("encoding", metavar="ENCODING", nargs="?", help="the subnet: an encoding, or smallest, middle, largest")
    p.add_argument("--best-in-bucket", type=float, metavar="B", help="instead of ENCODING: the most accurate evaluated subnet of bucket B (MFLOPs)")
    p.add_argument("--out", metavar="FILE", help="where to write it (default ARCH-ENCODING.pt here); never a symbolic link or a directory")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists (without it an existing file is refused)")
    p.add_argument("--recalibrate", type=int, metavar="N", help="recalibrate BN on N training images (default: the evaluation's number)")
    p.add_argument("--device", default="cpu", help="cpu (default), cuda, cuda:N or auto")
    p.add_argument("--json", action="store_true", help="print the file's metadata as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from nasbench_rss.evaluate.export import export_subnet

    exported = export_subnet(
        args.cell_dir,
        args.encoding,
        best_bucket=args.best_in_bucket,
        out=args.out,
        recalibrate=args.recalibrate,
        device=args.device,
        force=args.force,
    )
    if args.json:
        write_json({"path": str(exported.path), **exported.metadata}, out)
        return EXIT_OK
    m = exported.metadata
    out.write(
        f"wrote {exported.path}: {m['architecture_plugin']} subnet {m['subnet']} ({m['mflops']:.2f} MFLOPs) of {m['cell']}, "
        f"BN recalibrated on {m['recalibration']['images']} training images; test accuracy {100 * m['test']['accuracy']:.2f}% "
        f"on {m['test']['images']} images\n"
        f"load it with: from nasbench_rss.arch.static import load_network; net = load_network({str(exported.path)!r})\n"
    )
    return EXIT_OK
