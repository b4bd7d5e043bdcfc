"""Errors a user can act on.  Each message says what was wrong, where, and what is allowed.

The error types docs/writing-plugins.md promises plugin authors are defined here, at the
bottom of the package, so that :mod:`nasbench_rss.plugins` can raise a kind's own type for
options its model refuses (:class:`~nasbench_rss.plugins.SamplerOptionsError` is a
:class:`SamplerError`); their documented import paths (``nasbench_rss.samplers.base``,
``nasbench_rss.data.source``) re-export them.
"""

from typing import Any


class NasbenchError(Exception):
    """Base class of this package's user-facing errors."""


class SpaceError(NasbenchError, ValueError):
    """An invalid search space, subnet, encoding, bucket or shape."""


class SamplerError(NasbenchError, ValueError):
    """A sampler's options do not fit the run (e.g. too few epochs for its phases).

    ``option`` names the option at fault, when one is (``"subnet"``, or a path such as
    ``("subnets", 1)``): a suite then points at that option's line rather than at the run.
    ``sampler`` is the sampler's name, which :func:`~nasbench_rss.samplers.registry.build_sampler`
    fills in and puts in front of the message once; ``detail`` is the message without it.
    Imported as ``nasbench_rss.samplers.base.SamplerError``.
    """

    def __init__(self, message: str, *, option: "str | tuple[Any, ...] | None" = None, sampler: str | None = None) -> None:
        if sampler is not None:
            message = message.removeprefix(f"{sampler}: ")
        self.detail = message
        self.option: tuple[Any, ...] | None = (option,) if isinstance(option, str) else tuple(option) if option else None
        self.sampler = sampler
        super().__init__(f"{sampler}: {message}" if sampler else message)

    def for_sampler(self, name: str) -> "SamplerError":
        """This error as raised by sampler ``name`` (unchanged when it names one already)."""
        return self if self.sampler is not None else SamplerError(self.detail, option=self.option, sampler=name)


class DatasetError(NasbenchError, ValueError):
    """Missing or malformed data, or options that do not fit a dataset.

    Imported as ``nasbench_rss.data.source.DatasetError`` (or ``nasbench_rss.data.dataset``).
    """


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
