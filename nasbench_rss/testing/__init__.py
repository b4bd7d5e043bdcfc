"""Test helpers for nasbench-rss plugins: hypothesis strategies and the sampler conformance check.

    from nasbench_rss.testing import check_sampler, registry_with
    from nasbench_rss.testing.strategies import subnets, spaces

    def test_my_sampler_conforms():
        check_sampler("my-sampler", {"k": 2}, registry=registry_with(my_package.plugin))

The strategies need ``hypothesis`` (a test dependency, not a dependency of nasbench-rss);
they are imported from :mod:`nasbench_rss.testing.strategies`, or lazily from here.
"""

from __future__ import annotations

from typing import Any

from nasbench_rss.testing.plugins import DEFAULT_SHAPE, RegistrationPlugin, registry_with, sampler_context
from nasbench_rss.testing.sampler_conformance import ConformanceError, SamplerReport, check_sampler

_STRATEGIES = ("ArchitectureSpace", "architecture_spaces", "encodings", "space_options", "spaces", "subnets")

__all__ = [
    "DEFAULT_SHAPE",
    "ConformanceError",
    "RegistrationPlugin",
    "SamplerReport",
    "check_sampler",
    "registry_with",
    "sampler_context",
    *_STRATEGIES,
]


def __getattr__(name: str) -> Any:
    # The strategies import hypothesis; load them only when asked, so check_sampler works without it.
    if name in _STRATEGIES:
        from nasbench_rss.testing import strategies

        return getattr(strategies, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
