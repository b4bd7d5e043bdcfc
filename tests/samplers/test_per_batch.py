"""per-batch: k fresh subnets every step (the paper's "1 per batch" and "2 per batch")."""

import numpy as np
import pytest

from nasbench_rss.plugins import OptionsError
from nasbench_rss.space.population import sample


@pytest.mark.parametrize("k", [1, 2, 4])
def test_k_fresh_subnets_per_step_drawn_from_the_stream(make_sampler, record_run, spaces, k):
    sampler = make_sampler("per-batch", epochs=3, seed=2, k=k)
    run = record_run(sampler, steps=4)
    rng = np.random.default_rng(2)
    expected = [[[s.encode() for s in sample(spaces["mobilenet-v3"], k, rng)] for _ in range(4)] for _ in range(3)]
    assert run == expected
    steps = [tuple(step) for epoch in run for step in epoch]
    assert all(len(step) == k for step in steps)
    assert len(set(steps)) == len(steps)  # fresh every step


def test_phase_says_k_subnets_per_step(make_sampler):
    (phase,) = make_sampler("per-batch", epochs=7, k=2).phases
    assert (phase.name, phase.epochs, phase.subnets_per_step, phase.kd_ratio) == ("train", 7, 2, 0.0)


def test_proxylessnas_draws_keep_the_fixed_last_stage(make_sampler, record_run):
    run = record_run(make_sampler("per-batch", epochs=2, arch="proxylessnas", k=3), steps=3)
    last_stages = {encoding.split("-")[-1] for epoch in run for step in epoch for encoding in step}
    assert all(len(stage) == 2 for stage in last_stages)  # always one active layer


def test_uniform_option_is_passed_to_the_draw(make_sampler, record_run, spaces):
    run = record_run(make_sampler("per-batch", epochs=1, seed=4, k=2, distribution="uniform"), steps=2)
    rng = np.random.default_rng(4)
    assert run == [[[s.encode() for s in sample(spaces["mobilenet-v3"], 2, rng, "uniform")] for _ in range(2)]]


@pytest.mark.parametrize("k", [0, -1, "two", 1.5])
def test_bad_k_is_an_error_naming_k(make_sampler, k):
    with pytest.raises(OptionsError, match=r"^sampler 'per-batch': k: "):
        make_sampler("per-batch", k=k)
