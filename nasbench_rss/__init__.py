"""nasbench-rss: a benchmark suite for how weight-sharing supernets are trained.

Importing the package is cheap (no torch); plugin authors need only :data:`hookimpl`.
"""

from importlib.metadata import PackageNotFoundError, version as _distribution_version

from nasbench_rss.hookspecs import hookimpl

DISTRIBUTION_NAME = "nasbench-rss"

try:
    __version__ = _distribution_version(DISTRIBUTION_NAME)
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["DISTRIBUTION_NAME", "__version__", "hookimpl"]
