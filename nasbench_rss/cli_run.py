"""``nasbench-rss run SUITE``: train and evaluate a suite's cells into a resumable run
directory, then write its report; ``nasbench-rss evaluate RUN_DIR``: evaluate what is trained.

Exit codes: 0 every selected cell complete, 1 some failed (the rest ran), 2 interrupted
(rerun the same command to resume), 4 invalid suite or options (nothing ran).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import TextIO

from nasbench_rss.errors import NasbenchError


def add_run_command(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="train and evaluate a suite's cells into a run directory, then report (rerun to resume)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("suite", metavar="SUITE", help="suite file, e.g. suites/quick.yaml")
    p.add_argument("--out", metavar="DIR", help="run directory (default runs/<suite name>)")
    p.add_argument("--dry-run", action="store_true", help="show what would run (and what is complete) and write nothing")
    p.add_argument(
        "--only", action="append", metavar="PATTERN",
        help="only cells whose id arch/dataset/run/seedN matches this glob, e.g. '*/fashion-mnist/rss/*' (repeatable)",
    )
    p.add_argument("--device", help="override the suite's device: auto, cpu, cuda or cuda:N")
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="cells trained in parallel, one process each (one per GPU with several GPUs)")
    p.add_argument("--plain", action="store_true", help="plain progress lines even on a terminal")


def resume_command(args: argparse.Namespace) -> str:
    """The command that resumes this run (what the user typed, with the directory made explicit)."""
    words = ["nasbench-rss", "run", args.suite, "--out", str(getattr(args, "out_resolved", None) or args.out or "runs/<suite name>")]
    for pattern in args.only or []:
        words += ["--only", pattern]
    if args.device:
        words += ["--device", args.device]
    if args.jobs != 1:
        words += ["--jobs", str(args.jobs)]
    return shlex.join(words)


def handle_run(args: argparse.Namespace, out: TextIO) -> int:
    from nasbench_rss.run.orchestrate import EXIT_INTERRUPTED, EXIT_INVALID, default_run_dir, describe_plan, describe_summary, plan, run_suite
    from nasbench_rss.suite import load_suite

    try:
        suite = load_suite(args.suite)
        args.out_resolved = Path(args.out) if args.out else default_run_dir(suite)
        entries = plan(suite, args.out_resolved, args.only)
        if args.dry_run:
            run_suite(suite, args.out_resolved, only=args.only, device=args.device, jobs=args.jobs, dry_run=True)
            out.write(f"suite {suite.name}: dry run, nothing written\n{describe_plan(entries)}\n")
            return 0
        summary = run_suite(
            suite, args.out_resolved, only=args.only, device=args.device, jobs=args.jobs,
            stream=sys.stderr, interactive=False if args.plain else None,
        )
    except NasbenchError as error:
        print(f"nasbench-rss run: error: {error}", file=sys.stderr)
        print("nothing ran", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:  # before or after the cells ran; the executor handles it during
        print(f"nasbench-rss run: interrupted; rerun `{resume_command(args)}` to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    out.write(describe_summary(summary, entries, resume_command(args)) + "\n")
    return summary.exit_code


def add_evaluate_command(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="evaluate the subnet populations of a run directory's trained cells (subnets already measured are kept)",
        description="Evaluate every trained cell of RUN_DIR whose population evaluation is missing or was made with other "
        "settings, then rewrite the report.  Nothing is trained.  " + __doc__.split("\n\n")[1],
    )
    p.add_argument("run_dir", metavar="RUN_DIR", help="a directory made by `nasbench-rss run`")
    p.add_argument("--only", action="append", metavar="PATTERN", help="only cells whose id arch/dataset/run/seedN matches this glob (repeatable)")
    p.add_argument("--device", help="auto, cpu, cuda or cuda:N (default: the suite's)")
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="cells evaluated in parallel, one process each")
    p.add_argument("--plain", action="store_true", help="plain progress lines even on a terminal")


def handle_evaluate(args: argparse.Namespace, out: TextIO) -> int:
    from nasbench_rss.run.layout import SUITE_FILE
    from nasbench_rss.run.orchestrate import EXIT_INTERRUPTED, EXIT_INVALID, describe_summary, evaluate_run, plan
    from nasbench_rss.suite import load_suite

    command = shlex.join(["nasbench-rss", "evaluate", args.run_dir, *[w for p in args.only or [] for w in ("--only", p)]])
    try:
        summary = evaluate_run(
            args.run_dir, only=args.only, device=args.device, jobs=args.jobs,
            stream=sys.stderr, interactive=False if args.plain else None,
        )
        entries = plan(load_suite(Path(args.run_dir) / SUITE_FILE), Path(args.run_dir), args.only)
    except NasbenchError as error:
        print(f"nasbench-rss evaluate: error: {error}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print(f"nasbench-rss evaluate: interrupted; rerun `{command}` to go on (measured subnets are kept)", file=sys.stderr)
        return EXIT_INTERRUPTED
    out.write(describe_summary(summary, entries, command) + "\n")
    return summary.exit_code
