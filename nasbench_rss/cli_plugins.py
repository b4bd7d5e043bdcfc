"""``nasbench-rss plugins [--json]``: what every installed plugin registers, and what failed."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from nasbench_rss.plugins import PluginRegistry


def add_plugins_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``plugins`` subcommand; its handler is ``args.handler(args) -> int``."""
    parser = subparsers.add_parser(
        "plugins",
        help="list registered architectures, samplers, datasets and reporters",
        description="List what the built-ins and installed plugins register, and plugins that failed to load.",
    )
    parser.add_argument("--json", action="store_true", dest="as_json", help="print JSON instead of a table")
    parser.set_defaults(handler=handle_plugins)
    return parser


def handle_plugins(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run ``plugins`` with the default registry (strict when ``args.strict_plugins`` is set)."""
    from nasbench_rss.plugins import get_registry

    registry = get_registry(strict=getattr(args, "strict_plugins", None))
    return run_plugins(registry, as_json=args.as_json, out=out)


def run_plugins(registry: PluginRegistry, as_json: bool, out: TextIO | None = None) -> int:
    """Write the listing of ``registry`` to ``out`` (default: the current ``sys.stdout``)."""
    out = sys.stdout if out is None else out
    entries = [entry.to_dict() for entry in registry.entries()]
    failures = [failure.to_dict() for failure in registry.failures]
    if as_json:
        json.dump({"plugins": entries, "failures": failures}, out, indent=2)
        out.write("\n")
        return 0

    from tabulate import tabulate

    columns = ["kind", "name", "distribution", "version", "plugin", "description"]
    if entries:
        out.write(tabulate([[e[c] for c in columns] for e in entries], headers=columns) + "\n")
    else:
        out.write("nothing registered\n")
    if failures:
        failure_columns = ["plugin", "distribution", "version", "error"]
        out.write(f"\n{len(failures)} plugin(s) failed to load and were skipped:\n")
        out.write(tabulate([[f[c] for c in failure_columns] for f in failures], headers=failure_columns) + "\n")
    return 0
