"""The exit codes of every ``nasbench-rss`` command: one table, used by the CLI and the runner.

A script driving the tool (a Slurm job, CI) branches on these, so each code means one
thing whatever the command: ``2`` is always "interrupted, rerun to resume", never an error.
"""

from __future__ import annotations

EXIT_OK = 0
"""Everything asked for was done (every selected cell complete, the report written, ...)."""
EXIT_FAILED = 1
"""Some cells failed; the others ran.  Each failure is recorded in its cell's failure.json."""
EXIT_INTERRUPTED = 2
"""Stopped by Ctrl-C or SIGTERM; rerun the same command to resume."""
EXIT_STORAGE = 3
"""A file could not be read or written (full disk, read-only directory, a damaged file); nothing half-written was left."""
EXIT_INVALID = 4
"""Invalid input (suite, options, arguments): nothing ran."""

EXIT_CODES: dict[int, str] = {
    EXIT_OK: "done",
    EXIT_FAILED: "some cells failed (the rest ran; see each cell's failure.json)",
    EXIT_INTERRUPTED: "interrupted (rerun the same command to resume)",
    EXIT_STORAGE: "a file could not be read or written (full disk, read-only directory, damaged file)",
    EXIT_INVALID: "invalid suite, options or arguments (nothing ran)",
}
"""Code -> what it means, for ``--help`` and the README."""
