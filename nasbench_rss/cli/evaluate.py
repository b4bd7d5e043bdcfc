"""``nasbench-rss evaluate RUN_DIR``: evaluate what a run directory has trained, then rewrite its report."""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any, TextIO

from nasbench_rss.cli.common import add_execution_flags, describe_exit_codes, execution_words, executor_options, write_run_report
from nasbench_rss.exit_codes import EXIT_INTERRUPTED


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "evaluate",
        help="evaluate the subnet populations of a run directory's trained cells (subnets already measured are kept)",
        description="Evaluate every trained cell of RUN_DIR whose population evaluation is missing or was made with other "
        "settings, then rewrite the report.  Nothing is trained.",
        epilog=describe_exit_codes(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("run_dir", metavar="RUN_DIR", help="a directory made by `nasbench-rss run`")
    p.add_argument("--only", action="append", metavar="PATTERN", help="only cells whose id arch/dataset/run/seedN matches this glob (repeatable)")
    add_execution_flags(p, "evaluated")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from nasbench_rss.run.orchestrate import describe_summary, run_directory_suite, run_suite

    words = ["nasbench-rss", "evaluate", args.run_dir, *[w for p in args.only or [] for w in ("--only", p)], *execution_words(args)]
    command = shlex.join(words)
    try:
        suite = run_directory_suite(args.run_dir)  # what evaluate_run does, with the suite's executor at hand
        summary = run_suite(
            suite, args.run_dir, evaluate_only=True, only=args.only, device=args.device, jobs=args.jobs,
            cells_per_gpu=args.cells_per_gpu, executor=args.executor,
            executor_options=executor_options(args, suite.executor[0] if suite.executor else None),
            stream=sys.stderr, interactive=False if args.plain else None,
        )  # fmt: skip
    except KeyboardInterrupt:  # errors are the command line's: one line, the exit code of the table
        print(f"nasbench-rss evaluate: interrupted; rerun `{command}` to go on (measured subnets are kept)", file=sys.stderr)
        return EXIT_INTERRUPTED
    write_run_report(summary, sys.stderr)
    out.write(describe_summary(summary, command) + "\n")
    return summary.exit_code
