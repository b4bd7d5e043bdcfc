"""``nasbench-rss validate SUITE [--json]`` and ``nasbench-rss schema``.

``validate`` shows what ``run`` would do (every cell, its epochs, sampler, subset sizes
and directory) without training anything; an invalid suite prints one
``FILE:LINE:COL: path: problem; allowed: ...`` line per problem to stderr and exits 4.
``schema`` prints the JSON Schema of suite files for the installed plugins, for editors
(e.g. the YAML language server's ``# yaml-language-server: $schema=...``).

``validate --json`` prints one object: ``{"suite", "source", "seeds", "device",
"baseline", "cells": [{"id", "run", "arch", "dataset", "seed", "sampler", "epochs",
"train_subset", "test_subset", "config_hash", "directory", "config"}], "total_epochs"}``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from nasbench_rss.errors import SuiteError

INVALID_SUITE_EXIT = 4
"""Exit status of an invalid suite (nothing ran), shared with ``nasbench-rss run``."""


def add_suite_commands(subparsers: Any) -> None:
    """Add ``validate`` and ``schema`` to the ``nasbench-rss`` subcommands."""
    p = subparsers.add_parser(
        "validate",
        help="check a suite file and list the cells it would run",
        description=(
            "Validate SUITE (schema, plugins and their options, requirements, epochs each sampler needs) and "
            f"list its cells. Exit status {INVALID_SUITE_EXIT} when it is invalid; nothing is trained."
        ),
    )
    p.add_argument("suite", metavar="SUITE", help="suite file, e.g. suites/quick.yaml")
    p.add_argument("--json", action="store_true", help="print the expanded cells as JSON")
    p.set_defaults(handler=handle_validate)

    p = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of suite files (with every installed plugin's options)",
        description="Print the JSON Schema of suite files for the installed plugins, e.g. for an editor.",
    )
    p.set_defaults(handler=handle_schema)


def _registry(args: argparse.Namespace):
    from nasbench_rss.plugins import get_registry

    return get_registry(strict=getattr(args, "strict_plugins", None) or None)


def handle_validate(args: argparse.Namespace, out: TextIO) -> int:
    """Print the cells of ``args.suite``; on an invalid suite print its problems to stderr and return 4."""
    from nasbench_rss.suite import load_suite

    try:
        suite = load_suite(args.suite, registry=_registry(args), check_data=True)  # missing data is a problem here
    except SuiteError as error:
        for line in error.problems:
            print(line, file=sys.stderr)
        count = len(error.problems)
        print(f"nasbench-rss validate: {args.suite}: {count} problem{'s' if count != 1 else ''}; nothing would run", file=sys.stderr)
        return INVALID_SUITE_EXIT
    cells = suite.cells()
    rows = [_cell_record(cell) for cell in cells]
    total = sum(row["epochs"] for row in rows)
    if args.json:
        document = {
            "suite": suite.name,
            "source": str(suite.source) if suite.source else None,
            "seeds": suite.seeds,
            "device": suite.device,
            "baseline": suite.baseline,
            "cells": rows,
            "total_epochs": total,
        }
        json.dump(document, out, indent=2)
        out.write("\n")
        return 0

    from tabulate import tabulate

    axes = suite.resolved
    out.write(
        f"suite {suite.name}: {len(cells)} cells = {len(axes.architectures)} architecture(s) x {len(axes.datasets)} "
        f"dataset(s) x {len(axes.runs)} run(s) x {len(suite.seeds)} seed(s); device {suite.device}"
        + (f"; baseline {suite.baseline}" if suite.baseline else "")
        + "\n"
    )
    if suite.description:
        out.write(f"{suite.description.strip()}\n")
    table = [
        (r["id"], r["epochs"], r["sampler"], _size(r["train_subset"]), _size(r["test_subset"]), r["directory"]) for r in rows
    ]
    out.write(tabulate(table, headers=["cell", "epochs", "sampler", "train", "test", "directory"]) + "\n")
    out.write(f"total epochs: {total}\n")
    return 0


def handle_schema(args: argparse.Namespace, out: TextIO) -> int:
    """Print the suite JSON Schema (indent 2)."""
    from nasbench_rss.suite import suite_json_schema

    json.dump(suite_json_schema(_registry(args)), out, indent=2)
    out.write("\n")
    return 0


def _cell_record(cell: Any) -> dict[str, Any]:
    config = cell.config
    summary = {"sampler": config.sampler, "epochs": config.epochs, "train_subset": config.train_subset, "test_subset": config.test_subset}
    return {**cell.record(), **summary}


def _size(subset: int | None) -> str:
    return "all" if subset is None else str(subset)
