"""``nasbench-rss plugins [--json]``: what every installed plugin registers, and what failed."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, TextIO

from tabulate import tabulate

from nasbench_rss.cli.common import registry, write_json

if TYPE_CHECKING:
    from nasbench_rss.plugins import PluginRegistry

COLUMNS = ["kind", "name", "distribution", "version", "plugin", "description"]


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "plugins",
        help="list registered architectures, samplers, datasets and reporters",
        description="List what the built-ins and installed plugins register, and plugins that failed to load.",
    )
    p.add_argument("--json", action="store_true", dest="as_json", help="print JSON instead of a table")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    return run_plugins(registry(args), as_json=args.as_json, out=out)


def run_plugins(registry: PluginRegistry, as_json: bool, out: TextIO | None = None) -> int:
    """Write the listing of ``registry`` to ``out`` (default: the current ``sys.stdout``)."""
    out = sys.stdout if out is None else out
    entries = [entry.to_dict() for entry in registry.entries()]
    failures = [failure.to_dict() for failure in registry.failures]
    if as_json:
        write_json({"plugins": entries, "failures": failures}, out)
        return 0
    if entries:
        out.write(tabulate([[e[c] for c in COLUMNS] for e in entries], headers=COLUMNS) + "\n")
    else:
        out.write("nothing registered\n")
    if failures:
        failure_columns = ["plugin", "distribution", "version", "error"]
        out.write(f"\n{len(failures)} plugin(s) failed to load and were skipped:\n")
        out.write(tabulate([[f[c] for c in failure_columns] for f in failures], headers=failure_columns) + "\n")
    return 0
