"""Chi-square checks that the random samplers draw from the distribution they claim.

Seeds are fixed, so each test always passes or always fails; each also checks that the
*other* distribution is rejected, so the test can tell the two apart.
"""

import numpy as np
import pytest
from scipy import stats

from nasbench_rss.space.population import stage_code_weights

ALPHA = 1e-3
DEPTHS = (2, 3, 4)
UNIFORM_DEPTH = np.array([81, 729, 6561]) / 7371  # 9^d / (9^2 + 9^3 + 9^4) networks per depth
PER_DIMENSION_DEPTH = np.array([1, 1, 1]) / 3


def rss_depths(make_sampler, distribution, arch, epochs=1500, seed=0):
    sampler = make_sampler("rss", epochs=epochs, seed=seed, arch=arch, distribution=distribution)
    return np.array([sampler.subnets(e, 0)[0].depths for e in range(epochs)])


def depth_pvalue(depths, stage, expected):
    counts = np.array([(depths[:, stage] == d).sum() for d in DEPTHS])
    return stats.chisquare(counts, expected * counts.sum()).pvalue


@pytest.mark.parametrize("arch", ["mobilenet-v3", "proxylessnas"])
def test_rss_uniform_draws_depth_d_with_probability_9_to_the_d_over_7371(make_sampler, arch):
    depths = rss_depths(make_sampler, "uniform", arch)
    for stage in range(5):  # proxylessnas's sixth stage has its one fixed depth
        assert depth_pvalue(depths, stage, UNIFORM_DEPTH) > ALPHA
        assert depth_pvalue(depths, stage, PER_DIMENSION_DEPTH) < ALPHA
    if arch == "proxylessnas":
        assert set(depths[:, 5]) == {1}


@pytest.mark.parametrize("arch", ["mobilenet-v3", "proxylessnas"])
def test_rss_per_dimension_draws_each_depth_with_probability_one_third(make_sampler, arch):
    depths = rss_depths(make_sampler, "per-dimension", arch, seed=1)
    for stage in range(5):
        assert depth_pvalue(depths, stage, PER_DIMENSION_DEPTH) > ALPHA
        assert depth_pvalue(depths, stage, UNIFORM_DEPTH) < ALPHA


@pytest.mark.parametrize("distribution", ["uniform", "per-dimension"])
def test_stage_codes_of_a_small_space_follow_the_distribution(make_sampler, spaces, distribution):
    """Per stage code (a stage's whole configuration): equal for uniform, b^(max-d) for per-dimension."""
    space = spaces["mobilenet-v3"].restrict(kernel=[3, 5], expand=[6], depth=[2, 3])  # 4 + 8 codes per stage
    sampler = make_sampler("per-batch", epochs=1, seed=2, space=space, k=8, distribution=distribution)
    codes = space.codes([s for step in range(300) for s in sampler.subnets(0, step)])
    other = "per-dimension" if distribution == "uniform" else "uniform"
    for stage in range(space.n_stages):
        counts = np.bincount(codes[:, stage], minlength=space.stage_size(stage))
        for mode, should_fit in ((distribution, True), (other, False)):
            weights = stage_code_weights(space, stage, mode)
            pvalue = stats.chisquare(counts, weights / weights.sum() * counts.sum()).pvalue
            assert (pvalue > ALPHA) == should_fit, (stage, mode, pvalue)


def test_progressive_shrinking_draws_choices_uniformly_within_a_phase(make_sampler):
    sampler = make_sampler("progressive-shrinking", epochs=82, seed=3)
    depth_phase = [s for e in range(45, 62) for t in range(40) for s in sampler.subnets(e, t)]  # depth-2: 1360 subnets
    depths = np.array([s.depths for s in depth_phase])
    for stage in range(5):
        assert depth_pvalue(depths, stage, PER_DIMENSION_DEPTH) > ALPHA
    kernels = [k for s in depth_phase for stage in s.kernels for k in stage]
    assert stats.chisquare([kernels.count(k) for k in (3, 5, 7)]).pvalue > ALPHA
    assert {e for s in depth_phase for stage in s.expands for e in stage} == {6}
