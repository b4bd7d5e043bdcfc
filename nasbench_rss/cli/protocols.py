"""``nasbench-rss protocols [NAME] [--markdown|--json]``: the named protocols and every value each sets, with its source.

Without NAME every protocol is listed side by side; ``--markdown`` prints the table that
docs/fidelity.md embeds (a test keeps the two equal), ``--json`` the values as data.
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from tabulate import tabulate

from nasbench_rss.cli.common import write_json
from nasbench_rss.exit_codes import EXIT_OK
from nasbench_rss.protocols.base import PROTOCOL_NAMES


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "protocols",
        help="list the named protocols (ofa, paper-code, project) and the values they set",
        description="Show what each protocol sets (training, dataset hold-out, evaluation, sampler options) and where each value comes from.",
    )
    p.add_argument("name", nargs="?", choices=PROTOCOL_NAMES, help="one protocol, with the source of each value")
    p.add_argument("--markdown", action="store_true", help="the side-by-side table as markdown (docs/fidelity.md)")
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from nasbench_rss.protocols import get_protocol

    names = [args.name] if args.name else list(PROTOCOL_NAMES)
    protocols = [get_protocol(name) for name in names]
    if args.json:
        write_json(
            [
                {"name": p.name, "description": p.description, "settings": [{"setting": s, "value": v, "source": src} for s, v, src in p.rows()]}
                for p in protocols
            ],
            out,
        )
        return EXIT_OK
    if args.name and not args.markdown:
        protocol = protocols[0]
        out.write(f"protocol {protocol.name}: {protocol.description}\n")
        out.write(tabulate([(s, show(v), src) for s, v, src in protocol.rows()], headers=["setting", "value", "source"]) + "\n")
        return EXIT_OK
    out.write(comparison_table(protocols, "github" if args.markdown else "simple") + "\n")
    return EXIT_OK


def comparison_table(protocols: list[Any], fmt: str = "github") -> str:
    """One row per setting any protocol sets, one column per protocol (values only; sources: ``protocols NAME``)."""
    settings = list(dict.fromkeys(setting for p in protocols for setting, _, _ in p.rows()))
    values = [{setting: value for setting, value, _ in p.rows()} for p in protocols]
    rows = [(f"`{setting}`", *(show(v.get(setting, "-")) for v in values)) for setting in settings]
    return tabulate(rows, headers=["setting", *(f"`{p.name}`" for p in protocols)], tablefmt=fmt)


def show(value: Any) -> str:
    from nasbench_rss.suite.settings import show_value

    if value is None:
        return "OFA's, scaled"  # warmup_epochs: OFA's 5, 0, 5, 0, 5 at S = 180, scaled by S / 180
    return show_value(value)
