"""The ``nasbench-rss`` command.  JSON output (``--json``) is a contract other tools read.

Each command is a module here with ``add_parser(subparsers)``, which sets the parser's
``handler`` to the module's ``run(args, out)`` (``run(args, out, stdin)`` for a command
that reads standard input).  :func:`main` parses, calls the handler and turns what escapes
it into one line on stderr and the exit code of :mod:`nasbench_rss.exit_codes`, so every
command fails the same way.
"""

from __future__ import annotations

import argparse
import inspect
import os
import signal
import sys
import threading
from typing import Sequence, TextIO

from nasbench_rss import __version__
from nasbench_rss.cli import claims, evaluate, export, flops, plugins, protocols, report, run, sample, schema, space, train, validate
from nasbench_rss.cli.common import describe_exit_codes
from nasbench_rss.cli.parser import ArgumentParser
from nasbench_rss.errors import NasbenchError, StorageError
from nasbench_rss.exit_codes import EXIT_CODES, EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK, EXIT_STORAGE

COMMANDS = (space, sample, flops, plugins, protocols, train, validate, schema, run, evaluate, report, claims, export)
"""Command modules, in the order ``--help`` lists them."""

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command; each subcommand's ``handler`` default is its ``run`` function."""
    parser = ArgumentParser(
        prog="nasbench-rss",
        description="Benchmark how weight-sharing supernets are trained.",
        epilog=describe_exit_codes(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"nasbench-rss {__version__}")
    parser.add_argument(
        "--strict-plugins", action="store_true", help="fail when any plugin fails to load (also NASBENCH_RSS_STRICT_PLUGINS=1)"
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, stdin: TextIO | None = None) -> int:
    """Run ``nasbench-rss ARGV``; the exit code (see :data:`EXIT_CODES`), never a traceback for a user's mistake."""
    out = sys.stdout if out is None else out
    stdin = sys.stdin if stdin is None else stdin
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:  # --help, --version, or a usage error (EXIT_INVALID)
        return exit_.code if isinstance(exit_.code, int) else EXIT_INVALID
    previous = signal.signal(signal.SIGTERM, _terminate) if threading.current_thread() is threading.main_thread() else None
    try:
        if "stdin" in inspect.signature(args.handler).parameters:
            return args.handler(args, out, stdin)
        return args.handler(args, out)
    except BrokenPipeError:  # output piped into `head` and closed early: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except StorageError as error:
        return _fail(args.command, str(error), EXIT_STORAGE)
    except NasbenchError as error:
        return _fail(args.command, str(error), EXIT_INVALID)
    except OSError as error:  # a file the command read or wrote, e.g. --out in a read-only directory
        return _fail(args.command, describe_os_error(error), EXIT_STORAGE)
    except KeyboardInterrupt:
        print(f"nasbench-rss {args.command}: {EXIT_CODES[EXIT_INTERRUPTED]}", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM (a scheduler's or ``kill``'s stop) is handled as Ctrl-C: stop cleanly, exit 2, say how to resume."""
    raise KeyboardInterrupt(f"signal {signum}")


def _fail(command: str, message: str, code: int) -> int:
    print(f"nasbench-rss {command}: error: {message}", file=sys.stderr)
    return code


OS_ERROR_HINTS = {
    "EACCES": "check its permissions or choose another path",
    "EPERM": "check its permissions or choose another path",
    "EROFS": "the file system is read-only; choose another path",
    "ENOSPC": "the disk is full; free some space and rerun",
    "EEXIST": "a file is in the way; remove it or choose another path",
    "ENOTDIR": "a file is in the way where a directory is needed; remove it or choose another path",
    "EISDIR": "a directory is in the way where a file is needed; choose another path",
}
"""What to do about the file-system errors a user can cause, by errno name."""


def describe_os_error(error: OSError) -> str:
    """One sentence: the path, the system's reason and, where there is one, what to do."""
    import errno

    paths = " -> ".join(str(p) for p in (error.filename, error.filename2) if p is not None)
    reason = error.strerror or str(error)
    hint = OS_ERROR_HINTS.get(errno.errorcode.get(error.errno or 0, ""))
    return f"{paths + ': ' if paths else ''}{reason}{f' ({hint})' if hint else ''}"
