"""``nasbench-rss claims RUN_DIR [RUN_DIR ...]``: every claim of one or more run directories and its verdict, in one table.

For each run directory, its suite's claims (recorded in its manifest) are tested as its
report tests them; the table has one row per claim: the suite, the claim, the paper's
source, the statistic, the Holm-adjusted p and the verdict.  ``--markdown`` prints it as
Markdown with a link to each run's report (relative to ``--links-from``), which is how
reports/claims/README.md is made.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, TextIO

from tabulate import tabulate

from nasbench_rss.cli.common import describe_exit_codes, write_json
from nasbench_rss.exit_codes import EXIT_INVALID, EXIT_OK


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "claims",
        help="tabulate the claims of run directories and their verdicts",
        description=__doc__,
        epilog=describe_exit_codes(EXIT_OK, EXIT_INVALID),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("run_dirs", nargs="+", metavar="RUN_DIR", help="run directories made by `nasbench-rss run`")
    p.add_argument("--markdown", action="store_true", help="a Markdown table with links to each run's report")
    p.add_argument("--links-from", metavar="DIR", default=".", help="with --markdown: make the report links relative to DIR (default .)")
    p.add_argument("--json", action="store_true", help="print every claim's result as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from nasbench_rss.report.claims import run_claims
    from nasbench_rss.report.format import p_value
    from nasbench_rss.run.results import open_run

    rows: list[dict[str, Any]] = []
    for run_dir in args.run_dirs:
        run_directory = open_run(run_dir)
        suite = (run_directory.manifest.get("suite") or {}).get("name") or Path(run_dir).name
        report = os.path.relpath(run_directory.path / "report" / "report.md", args.links_from)
        for result in run_claims(run_directory)["results"]:
            rows.append({"suite": suite, "run_directory": str(run_dir), "report": report, **result})
    if args.json:
        write_json(rows, out)
        return EXIT_OK
    if args.markdown:
        table = [
            [f"[{r['suite']}]({r['report']})", r["index"] + 1, r["claim"], r["source"], r.get("statistic") or "-", p_value(r.get("p_for_holm")), f"**{r['verdict']}**"]
            for r in rows
        ]
        out.write(tabulate(table, headers=["suite", "#", "claim", "paper", "statistic", "p (Holm)", "verdict"], tablefmt="github", disable_numparse=True) + "\n")
        return EXIT_OK
    table = [[r["suite"], r["index"] + 1, r["claim"], r["source"], p_value(r.get("p_for_holm")), r["verdict"]] for r in rows]
    out.write(tabulate(table, headers=["suite", "#", "claim", "paper", "p (Holm)", "verdict"], disable_numparse=True) + "\n")
    return EXIT_OK
