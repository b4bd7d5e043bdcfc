"""nasbench-rss: a benchmark suite for how weight-sharing supernets are trained.

Importing the package is cheap (no torch); plugin authors need only :data:`hookimpl`, and
:func:`require_plugin_api` to say which plugin contract they were written for.
"""

from importlib.metadata import PackageNotFoundError, version as _distribution_version

from nasbench_rss.errors import PluginError
from nasbench_rss.hookspecs import hookimpl

DISTRIBUTION_NAME = "nasbench-rss"

try:
    __version__ = _distribution_version(DISTRIBUTION_NAME)
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

PLUGIN_API = "1.0"
"""The version of the contract docs/writing-plugins.md promises plugin authors.

The contract is the hooks and their ``register`` callback, :class:`~nasbench_rss.plugins.Registration`,
the sampler protocol, :mod:`nasbench_rss.testing`, the observer and executor interfaces,
the import paths the document names and the exception types it promises (tests/contract
checks each).  MAJOR changes when a promise breaks (a name moves or goes, an exception
changes type, a signature loses or reorders a parameter); MINOR when one is added.
CHANGELOG.md says what changed in each release.
"""


def require_plugin_api(specifier: str) -> str:
    """Refuse to load a plugin under a nasbench-rss whose :data:`PLUGIN_API` does not satisfy ``specifier``.

    Call it at the top of the plugin module (the entry point's value), e.g.
    ``nasbench_rss.require_plugin_api(">=1.0,<2")``: under another contract the plugin is
    then skipped with a warning that names it, its distribution and both versions (an
    error with ``--strict-plugins``), instead of failing later in some obscure way.
    ``specifier`` is a PEP 440 specifier set (``packaging.specifiers.SpecifierSet``).
    Returns :data:`PLUGIN_API`.
    """
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        wanted = SpecifierSet(specifier)
    except (InvalidSpecifier, TypeError):
        raise PluginError(f"require_plugin_api({specifier!r}): not a version specifier; allowed: e.g. '>=1.0,<2'") from None
    if not wanted.contains(PLUGIN_API, prereleases=True):
        raise PluginError(
            f"the plugin needs nasbench-rss plugin API {specifier}, but nasbench-rss {__version__} provides plugin API "
            f"{PLUGIN_API}; install a nasbench-rss whose plugin API fits (its CHANGELOG.md lists them) or a version of "
            f"the plugin written for plugin API {PLUGIN_API}"
        )
    return PLUGIN_API


__all__ = ["DISTRIBUTION_NAME", "PLUGIN_API", "__version__", "hookimpl", "require_plugin_api"]
