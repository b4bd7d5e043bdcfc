"""``nasbench-rss claims RUN_DIR [RUN_DIR ...]``: every claim of one or more run directories and its verdict, in one table.

For each run directory, its suite's claims (recorded in its manifest) are tested as its
report tests them; the table has one row per claim: the suite, the claim, the paper's
source, the statistic, the Holm-adjusted p and the verdict.  ``--markdown`` prints it as
Markdown with a link to each run's report (relative to ``--links-from``), which is how
reports/claims/README.md is made.  A cell file that is damaged is left out of the tests;
the command names it and how to recover it, and exits with code 3.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, TextIO

from tabulate import tabulate

from nasbench_rss.cli.common import describe_exit_codes, write_json
from nasbench_rss.exit_codes import EXIT_INVALID, EXIT_OK, EXIT_STORAGE


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "claims",
        help="tabulate the claims of run directories and their verdicts",
        description=__doc__,
        epilog=describe_exit_codes(EXIT_OK, EXIT_STORAGE, EXIT_INVALID),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("run_dirs", nargs="+", metavar="RUN_DIR", help="run directories made by `nasbench-rss run`")
    p.add_argument("--markdown", action="store_true", help="a Markdown table with links to each run's report")
    p.add_argument("--links-from", metavar="DIR", default=".", help="with --markdown: make the report links relative to DIR (default .)")
    p.add_argument("--json", action="store_true", help="print every claim's result as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from nasbench_rss.analysis.evidence import RunEvidence
    from nasbench_rss.analysis.records import DamagedCells
    from nasbench_rss.report.claims import claims_section
    from nasbench_rss.run.results import open_run

    rows: list[dict[str, Any]] = []
    damaged = []
    for run_dir in args.run_dirs:
        evidence = RunEvidence(open_run(run_dir))
        suite = evidence.suite.get("name") or Path(run_dir).name
        report = os.path.relpath(evidence.run.path / "report" / "report.md", args.links_from)
        for result in claims_section(evidence)["results"]:
            rows.append({"suite": suite, "run_directory": str(run_dir), "report": report, **result})
        damaged += evidence.damaged
    _write(rows, args, out)
    if damaged:
        raise DamagedCells(damaged, "the claims were tested")
    return EXIT_OK


def _write(rows: list[dict[str, Any]], args: argparse.Namespace, out: TextIO) -> None:
    """The claims as JSON, a Markdown table with links to the reports, or a plain table."""
    from nasbench_rss.report.claims import verdict_cell
    from nasbench_rss.report.format import p_value
    from nasbench_rss.report.markdown import cell

    if args.json:
        write_json(rows, out)
    elif args.markdown:  # the suite's text escaped as the report escapes it: no HTML of a suite reaches a viewer
        table = [
            [f"[{cell(r['suite'])}]({r['report']})", r["index"] + 1, cell(r["claim"]), cell(r["source"]), cell(r.get("statistic") or "-"),
             p_value(r.get("p_for_holm")), f"**{r['verdict']}** {cell(verdict_cell(r).removeprefix(r['verdict']))}".rstrip()]
            for r in rows
        ]  # fmt: skip
        out.write(tabulate(table, headers=["suite", "#", "claim", "paper", "statistic", "p (Holm)", "verdict"], tablefmt="github", disable_numparse=True) + "\n")
    else:
        table = [[r["suite"], r["index"] + 1, r["claim"], r["source"], p_value(r.get("p_for_holm")), verdict_cell(r)] for r in rows]
        out.write(tabulate(table, headers=["suite", "#", "claim", "paper", "p (Holm)", "verdict"], disable_numparse=True) + "\n")
