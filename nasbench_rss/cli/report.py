"""``nasbench-rss report RUN_DIR``: findings, statistics and figures of a run directory.

Writes report.md, report.json and report.html (or the --format reporters) with the
figures into RUN_DIR/report (or --out DIR) and prints the paths written.  A partial run
gives a report that says which cells are missing.  A cell file that is damaged is left
out: the report names it and how to recover it, and the command exits with code 3.
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from nasbench_rss.cli.common import describe_exit_codes
from nasbench_rss.exit_codes import EXIT_INVALID, EXIT_OK, EXIT_STORAGE


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "report",
        help="write a run directory's report: findings, per-bucket statistics, training time, exposure, figures",
        description=__doc__,
        epilog=describe_exit_codes(EXIT_OK, EXIT_STORAGE, EXIT_INVALID),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run directory made by `nasbench-rss run`, e.g. runs/quick")
    p.add_argument(
        "--format", default="md,json,html", metavar="FORMATS",
        help="comma-separated reporter names (default md,json,html; see `nasbench-rss plugins` for others)",
    )
    p.add_argument("--out", metavar="DIR", help="directory to write into (default RUN_DIR/report)")
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap intervals (default 0; same seed, same report)")
    p.add_argument("--resamples", type=int, default=10_000, metavar="N", help="bootstrap resamples (default 10000)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from nasbench_rss.analysis.records import DamagedCells
    from nasbench_rss.report.build import make_report

    written = make_report(args.run_dir, args.out, args.format, seed=args.seed, resamples=args.resamples)
    for path in written.paths:
        out.write(f"{path}\n")
    if written.damaged:
        raise DamagedCells(written.damaged, f"the report in {written.out_dir} was written")
    return EXIT_OK
