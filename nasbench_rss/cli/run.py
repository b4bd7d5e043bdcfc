"""``nasbench-rss run SUITE``: train and evaluate a suite's cells into a resumable run directory,
then write its report.  Rerunning the same command resumes.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any, TextIO

from nasbench_rss.cli.common import add_execution_flags, describe_exit_codes, execution_words, executor_options, write_run_report
from nasbench_rss.errors import NasbenchError, StorageError
from nasbench_rss.exit_codes import EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK

DEFAULT_OUT = "runs/<suite name>"


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "run",
        help="train and evaluate a suite's cells into a run directory, then report (rerun to resume)",
        description=__doc__,
        epilog=describe_exit_codes(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("suite", metavar="SUITE", help="suite file, e.g. suites/quick.yaml")
    p.add_argument("--out", metavar="DIR", help=f"run directory (default {DEFAULT_OUT})")
    p.add_argument("--dry-run", action="store_true", help="show what would run (and what is complete) and write nothing")
    p.add_argument(
        "--only", action="append", metavar="PATTERN",
        help="only cells whose id arch/dataset/run/seedN matches this glob, e.g. '*/fashion-mnist/rss/*' or '*/references/*' (repeatable)",
    )
    add_execution_flags(p, "trained")
    p.add_argument(
        "--allow-changed-environment", action="store_true",
        help="continue cells under other code, plugins, torch or device than they started with (recorded in each cell and the report)",
    )  # fmt: skip
    p.set_defaults(handler=run)


def resume_command(args: argparse.Namespace, out_dir: Path | None) -> str:
    """The command that resumes this run: what the user typed, with the run directory made explicit.

    ``out_dir`` is None when the suite could not even be read, so its default directory is unknown.
    """
    words = ["nasbench-rss", "run", args.suite, "--out", str(out_dir or DEFAULT_OUT)]
    for pattern in args.only or []:
        words += ["--only", pattern]
    words += execution_words(args)
    if args.allow_changed_environment:
        words.append("--allow-changed-environment")
    return shlex.join(words)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from nasbench_rss.run.orchestrate import default_run_dir, describe_plan, describe_summary, run_suite
    from nasbench_rss.suite import load_suite

    out_dir: Path | None = None
    try:
        suite = load_suite(args.suite)
        out_dir = Path(args.out) if args.out else default_run_dir(suite)
        options = {
            "only": args.only, "device": args.device, "jobs": args.jobs, "cells_per_gpu": args.cells_per_gpu,
            "executor": args.executor, "executor_options": executor_options(args, suite.executor[0] if suite.executor else None),
        }  # fmt: skip
        if args.dry_run:
            planned = run_suite(suite, out_dir, dry_run=True, **options)
            out.write(f"suite {suite.name}: dry run, nothing written\n{describe_plan(planned.entries)}\n")
            return EXIT_OK
        summary = run_suite(
            suite, out_dir, stream=sys.stderr, interactive=False if args.plain else None,
            allow_changed_environment=args.allow_changed_environment, **options,
        )  # fmt: skip
    except StorageError:
        raise  # not an invalid suite: cells may have run; the command line says it with its own exit code
    except NasbenchError as error:
        print(f"nasbench-rss run: error: {error}", file=sys.stderr)
        print("nothing ran", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:  # before or after the cells ran; the executor handles it during
        print(f"nasbench-rss run: interrupted; rerun `{resume_command(args, out_dir)}` to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    write_run_report(summary, sys.stderr)
    out.write(describe_summary(summary, resume_command(args, out_dir)) + "\n")
    return summary.exit_code
