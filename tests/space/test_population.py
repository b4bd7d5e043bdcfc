"""Whole-population samplers: validity, reproducibility and chi-square uniformity."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import stats

from nasbench_rss.arch.builtin import MOBILENET_V3_ARCH, PROXYLESSNAS_ARCH
from nasbench_rss.errors import SpaceError
from nasbench_rss.space.population import sample, sample_codes

MBV3 = MOBILENET_V3_ARCH.space()
ALPHA = 1e-3  # fixed seeds: these either always pass or always fail


@pytest.mark.parametrize("space", [MBV3, PROXYLESSNAS_ARCH.space(), MBV3.restrict(kernel=[3, 7], depth=[3, 4])], ids=str)
@pytest.mark.parametrize("mode", ["per-dimension", "uniform"])
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_every_sampled_subnet_is_valid(space, mode, seed):
    for subnet in sample(space, 50, np.random.default_rng(seed), mode):
        space.check(subnet)


@pytest.mark.parametrize("mode", ["per-dimension", "uniform"])
def test_same_seed_same_subnets(mode):
    a = sample(MBV3, 20, np.random.default_rng(7), mode)
    b = sample(MBV3, 20, np.random.default_rng(7), mode)
    c = sample(MBV3, 20, np.random.default_rng(8), mode)
    assert a == b and a != c


def test_per_dimension_draws_every_choice_with_probability_one_third():
    subnets = sample(MBV3, 6000, np.random.default_rng(0), "per-dimension")
    depths = np.array([s.depths for s in subnets])
    for stage in range(5):
        counts = [(depths[:, stage] == d).sum() for d in (2, 3, 4)]
        assert stats.chisquare(counts).pvalue > ALPHA, counts
    kernels = [k for s in subnets for stage in s.kernels for k in stage]
    expands = [e for s in subnets for stage in s.expands for e in stage]
    for values, choices in ((kernels, (3, 5, 7)), (expands, (3, 4, 6))):
        counts = [values.count(c) for c in choices]
        assert stats.chisquare(counts).pvalue > ALPHA, counts


def test_uniform_draws_depth_d_with_probability_9_to_the_d_over_7371():
    subnets = sample(MBV3, 6000, np.random.default_rng(1), "uniform")
    depths = np.array([s.depths for s in subnets])
    expected = np.array([81, 729, 6561]) / 7371
    for stage in range(5):
        counts = np.array([(depths[:, stage] == d).sum() for d in (2, 3, 4)])
        assert stats.chisquare(counts, expected * counts.sum()).pvalue > ALPHA, counts
    # and it is not the per-dimension draw: depth 2 would be a third of stages there
    assert (depths == 2).mean() < 0.05


def test_uniform_is_uniform_over_networks_of_a_small_space():
    space = MBV3.restrict(kernel=[3, 5], expand=[6], depth=[2, 3])  # (4 + 8)^5 networks
    ranks = [space.rank(s) for s in sample(space, 20000, np.random.default_rng(2), "uniform")]
    stage0 = space.unrank_codes(ranks)[:, 0]
    counts = np.bincount(stage0, minlength=space.stage_size(0))
    assert stats.chisquare(counts).pvalue > ALPHA


def test_sampler_input_errors():
    with pytest.raises(SpaceError, match="mode: 'random' is not a sampler; allowed: per-dimension, uniform"):
        sample_codes(MBV3, 3, np.random.default_rng(0), "random")
    with pytest.raises(SpaceError, match="n: -1 not allowed"):
        sample_codes(MBV3, -1, np.random.default_rng(0))
