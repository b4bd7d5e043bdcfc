"""``nasbench-rss plugins [NAME] [--kind KIND] [--json]``: what the installed plugins register.

Without NAME, every registered thing and every plugin that failed to load; with NAME, one
of them: where it comes from and the options it takes, read from its own options model, so
a third-party plugin's options are documented exactly like a built-in's.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from typing import TYPE_CHECKING, Any, TextIO

from tabulate import tabulate

from nasbench_rss.cli.common import registry, write_json
from nasbench_rss.cli.option_table import option_rows, show_default
from nasbench_rss.errors import NasbenchError
from nasbench_rss.exit_codes import EXIT_OK
from nasbench_rss.plugins import KINDS, UnknownName

if TYPE_CHECKING:
    from nasbench_rss.plugins import Entry, PluginRegistry

# Every table here is printed with disable_numparse: tabulate would show version 1.10 as
# 1.1 and a default of 1.0 as 1.
COLUMNS = ["kind", "name", "distribution", "version", "plugin", "description"]
OPTION_COLUMNS = ["option", "type", "default", "allowed", "description"]
OPTION_WIDTHS = [None, None, 24, 28, 56]
"""Column widths the option table wraps at: descriptions run to a few hundred characters."""

WHERE_OPTIONS_GO = {
    "architecture": "`train --arch-option KEY=VALUE`, or `architecture: {options: ...}` in a suite",
    "dataset": "`train --dataset-option KEY=VALUE`, or `dataset: {options: ...}` in a suite",
    "sampler": "`train --option KEY=VALUE`, or a run's `options:` in a suite",
}
"""How a user sets the options of each kind, printed above its option table."""


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "plugins",
        help="list registered architectures, samplers, datasets and reporters, or show one and its options",
        description="Without NAME, list everything the built-ins and installed plugins register, and the plugins that "
        "failed to load. With NAME, show where it comes from and the options it takes.",
    )
    p.add_argument("name", nargs="?", metavar="NAME", help="a registered name, e.g. rss or synthetic: show its origin and options")
    p.add_argument("--kind", choices=KINDS, help="the kind of NAME, when several kinds register it (without NAME: list only this kind)")
    p.add_argument("--json", action="store_true", dest="as_json", help="print JSON instead of a table")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    plugins = registry(args)
    if args.name is None:
        return run_plugins(plugins, as_json=args.as_json, out=out, kind=args.kind)
    return show_plugin(find_entry(plugins, args.name, args.kind), as_json=args.as_json, out=out)


def run_plugins(registry: PluginRegistry, as_json: bool, out: TextIO | None = None, kind: str | None = None) -> int:
    """Write the listing of ``registry`` (of one ``kind``, or all) to ``out`` (default: the current ``sys.stdout``)."""
    out = sys.stdout if out is None else out
    entries = [entry.to_dict() for entry in registry.entries(kind)]
    failures = [failure.to_dict() for failure in registry.failures]
    if as_json:
        write_json({"plugins": entries, "failures": failures}, out)
        return EXIT_OK
    if entries:
        out.write(tabulate([[e[c] for c in COLUMNS] for e in entries], headers=COLUMNS, disable_numparse=True) + "\n")
    else:
        out.write("nothing registered\n")
    if failures:
        failure_columns = ["plugin", "distribution", "version", "error"]
        out.write(f"\n{len(failures)} plugin(s) failed to load and were skipped:\n")
        out.write(tabulate([[f[c] for c in failure_columns] for f in failures], headers=failure_columns) + "\n")
    return EXIT_OK


def find_entry(registry: PluginRegistry, name: str, kind: str | None = None) -> Entry:
    """The entry registered as ``name`` (of ``kind`` when given); an error says what is registered instead."""
    if kind is not None:
        return registry.get(kind, name)
    matches = [entry for entry in registry.entries() if entry.name == name]
    if len(matches) == 1:
        return matches[0]
    if matches:
        kinds = ", ".join(entry.kind for entry in matches)
        raise NasbenchError(f"{name!r} is registered as several kinds: {kinds}; choose one with --kind KIND")
    close = difflib.get_close_matches(name, sorted({entry.name for entry in registry.entries()}), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    available = "; ".join(f"{k}: {', '.join(registry.names(k))}" for k in KINDS if registry.names(k)) or "nothing"
    raise UnknownName(f"unknown plugin {name!r}{hint}; available: {available}")


def show_plugin(entry: Entry, as_json: bool, out: TextIO) -> int:
    """Write ``entry``'s origin and its options table (or JSON) to ``out``."""
    rows = option_rows(entry.options_model)
    facts = entry.to_dict()
    if as_json:
        write_json({**{c: facts[c] for c in COLUMNS}, "options": [row.to_dict() for row in rows]}, out)
        return EXIT_OK
    out.write(tabulate([(c, facts[c]) for c in COLUMNS], tablefmt="plain", disable_numparse=True) + "\n\n")
    if not rows:  # no options model, or one whose only field is a sampler's name tag
        out.write(f"{entry.kind} {entry.name} takes no options\n")
        return EXIT_OK
    where = WHERE_OPTIONS_GO.get(entry.kind)
    out.write(f"options{f' (set with {where})' if where else ''}:\n")
    table = [(row.name, row.type, show_default(row), row.allowed or "", row.description) for row in rows]
    out.write(tabulate(table, headers=OPTION_COLUMNS, maxcolwidths=OPTION_WIDTHS, disable_numparse=True) + "\n")
    return EXIT_OK
