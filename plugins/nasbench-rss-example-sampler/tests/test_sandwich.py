"""Tests of the sandwich sampler: the nasbench-rss conformance check, then its own rule.

The sampler is registered into a private registry (``registry_with``), as its entry point
would register it, so these tests pass whether or not the distribution is installed.
"""

from __future__ import annotations

import importlib.metadata

import pytest
from hypothesis import given, settings, strategies as st
from nasbench_rss.plugins import OptionsError, get_registry
from nasbench_rss.samplers.base import SamplerError
from nasbench_rss.samplers.registry import build_sampler
from nasbench_rss.testing import check_sampler, registry_with, sampler_context
from nasbench_rss.testing.strategies import architecture_spaces

from nasbench_rss_example_sampler import plugin

REGISTRY = registry_with(plugin)
DISTRIBUTION = "nasbench-rss-example-sampler"


@pytest.mark.parametrize(
    "options", [{}, {"random_subnets": 1, "distribution": "uniform"}, {"random_subnets": 0}], ids=str
)
@pytest.mark.parametrize("arch", ["mobilenet-v3", "proxylessnas"])
def test_conforms(options, arch):
    report = check_sampler("mini-sandwich", options, registry=REGISTRY, arch=arch)
    assert report.random == (options.get("random_subnets", 2) > 0)


def test_conforms_on_a_restricted_space():
    check_sampler("mini-sandwich", registry=REGISTRY, arch_options={"kernel": [3], "depth": [2, 3]}, random=True)


@settings(max_examples=25, deadline=None)
@given(drawn=architecture_spaces(REGISTRY), k=st.integers(0, 3), seed=st.integers(0, 2**32 - 1))
def test_every_step_is_largest_smallest_then_k_random(drawn, k, seed):
    context = sampler_context(drawn.name, epochs=2, seed=seed, arch_options=drawn.options, registry=REGISTRY)
    sampler = build_sampler("mini-sandwich", {"random_subnets": k}, context, registry=REGISTRY)
    for epoch, step in [(0, 0), (0, 1), (1, 0)]:
        subnets = sampler.subnets(epoch, step)
        assert subnets[:2] == [context.space.largest(), context.space.smallest()]
        assert len(subnets) == 2 + k == sampler.phases[0].subnets_per_step
        assert all(context.space.contains(subnet) for subnet in subnets)


def test_a_bad_option_names_the_field():
    context = sampler_context(epochs=2, seed=0)
    with pytest.raises(OptionsError, match=r"^sampler 'mini-sandwich': random_subnets: -1 not allowed; allowed: greater than or equal to 0"):
        build_sampler("mini-sandwich", {"random_subnets": -1}, context, registry=REGISTRY)
    with pytest.raises(OptionsError, match=r"^sampler 'mini-sandwich': random_subnet: unknown key 'random_subnet' \(did you mean 'random_subnets'\?\)"):
        build_sampler("mini-sandwich", {"random_subnet": 1}, context, registry=REGISTRY)
    with pytest.raises(SamplerError, match=r"random_subnet: unknown key"):  # an OptionsError of a sampler is a SamplerError too
        build_sampler("mini-sandwich", {"random_subnet": 1}, context, registry=REGISTRY)


def test_the_installed_distribution_registers_it():
    try:
        version = importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f"{DISTRIBUTION} is not installed (pip install -e .); the entry point cannot be checked")
    entry = get_registry().get("sampler", "mini-sandwich")
    assert (entry.distribution, entry.version, entry.plugin) == (DISTRIBUTION, version, "example-sampler")
