"""Errors a user can act on.  Each message says what was wrong, where, and what is allowed."""


class NasbenchError(Exception):
    """Base class of this package's user-facing errors."""


class SpaceError(NasbenchError, ValueError):
    """An invalid search space, subnet, encoding, bucket or shape."""


class PluginError(NasbenchError):
    """A plugin could not be loaded, or two plugins claim one name."""


class SuiteError(NasbenchError, ValueError):
    """An invalid suite file: one line per problem, each ``FILE:LINE:COL: path: what; allowed: what``.

    ``problems`` holds those lines, so callers can count or re-format them; nothing of a
    suite runs while any is left.
    """

    def __init__(self, problems: "list[str] | str") -> None:
        self.problems: list[str] = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class StorageError(NasbenchError, OSError):
    """A file could not be read or written (full disk, read-only or missing directory, a link).

    The message is one sentence naming the file, the system's reason and what to do; the
    write that failed left no half-written file behind (see :mod:`nasbench_rss.atomic`).
    """
