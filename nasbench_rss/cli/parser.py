"""The argument parser of every ``nasbench-rss`` command: argparse's, with usage errors exiting 4.

argparse exits 2 on a usage error, which in this tool's exit-code table means "interrupted,
rerun to resume"; a script driving it must be able to tell the two apart.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from nasbench_rss.exit_codes import EXIT_INVALID


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser with usage errors exiting :data:`EXIT_INVALID`; subcommand parsers inherit it."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_INVALID, f"{self.prog}: error: {message}\n")
