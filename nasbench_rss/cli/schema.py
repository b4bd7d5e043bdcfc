"""``nasbench-rss schema``: the JSON Schema of suite files, with every installed plugin's options.

For editors, e.g. the YAML language server's ``# yaml-language-server: $schema=...``; it is
built from the installed plugins, so it checks a third-party sampler's options too.
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from nasbench_rss.cli.common import registry, write_json
from nasbench_rss.exit_codes import EXIT_OK


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of suite files (with every installed plugin's options)",
        description="Print the JSON Schema of suite files for the installed plugins, e.g. for an editor.",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from nasbench_rss.suite import suite_json_schema

    write_json(suite_json_schema(registry(args)), out)
    return EXIT_OK
