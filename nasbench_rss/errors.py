"""Errors a user can act on.  Each message says what was wrong, where, and what is allowed."""


class NasbenchError(Exception):
    """Base class of this package's user-facing errors."""


class SpaceError(NasbenchError, ValueError):
    """An invalid search space, subnet, encoding, bucket or shape."""


class PluginError(NasbenchError):
    """A plugin could not be loaded, or two plugins claim one name."""
