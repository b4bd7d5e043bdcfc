"""rss: one subnet per epoch, drawn with the paper's Algorithm 1 from the cell's stream."""

import numpy as np
import pytest

from nasbench_rss.samplers.base import SamplerError
from nasbench_rss.samplers.rss import RandomSubnetSampling
from nasbench_rss.space.population import sample
from nasbench_rss.space.subnet import Subnet


@pytest.mark.parametrize("arch", ["mobilenet-v3", "proxylessnas"])
def test_same_subnet_within_an_epoch_and_a_new_one_each_epoch(make_sampler, record_run, spaces, arch):
    sampler = make_sampler("rss", epochs=20, seed=3, arch=arch)
    run = record_run(sampler, steps=5)
    for epoch in run:
        assert all(step == epoch[0] for step in epoch) and len(epoch[0]) == 1
    assert len({epoch[0][0] for epoch in run}) == 20  # a repeat among 2e19 networks would be a bug
    for epoch in run:
        spaces[arch].check(Subnet.decode(spaces[arch], epoch[0][0]))


@pytest.mark.parametrize("distribution", ["per-dimension", "uniform"])
def test_draws_are_the_population_draw_of_the_sampler_stream(make_sampler, record_run, spaces, distribution):
    """Exactly Algorithm 1 (or the uniform draw): one ``sample(space, 1, rng)`` per epoch, nothing else."""
    sampler = make_sampler("rss", epochs=8, seed=11, distribution=distribution)
    rng = np.random.default_rng(11)
    expected = [sample(spaces["mobilenet-v3"], 1, rng, distribution)[0].encode() for _ in range(8)]
    assert [epoch[0][0] for epoch in record_run(sampler, steps=3)] == expected


def test_one_train_phase_over_the_whole_space(make_sampler, spaces):
    sampler = make_sampler("rss", epochs=12)
    assert isinstance(sampler, RandomSubnetSampling)
    (phase,) = sampler.phases
    assert (phase.name, phase.epochs, phase.lr_scale, phase.subnets_per_step, phase.kd_ratio) == ("train", 12, 1.0, 1, 0.0)
    assert phase.space is spaces["mobilenet-v3"]
    assert (phase.reorganize_expand_stage, phase.snapshot_teacher) == (None, False)
    assert sampler.phase_at(11) == (0, phase)


def test_same_seed_same_sequence_other_seed_other_sequence(make_sampler, record_run):
    a = record_run(make_sampler("rss", seed=5), steps=2)
    b = record_run(make_sampler("rss", seed=5), steps=2)
    c = record_run(make_sampler("rss", seed=6), steps=2)
    assert a == b and a != c


def test_calls_out_of_training_order_are_refused(make_sampler):
    sampler = make_sampler("rss", epochs=5)
    sampler.subnets(0, 0)
    sampler.subnets(0, 1)
    with pytest.raises(SamplerError, match=r"subnets\(epoch=0, step=1\) called after \(epoch=0, step=1\)"):
        sampler.subnets(0, 1)
    sampler.subnets(2, 0)  # skipping ahead is allowed (the trainer may skip empty epochs)
    with pytest.raises(SamplerError, match="called after"):
        sampler.subnets(1, 5)


@pytest.mark.parametrize(
    ("epoch", "step", "message"),
    [
        (5, 0, r"epoch: 5 not allowed; allowed: integers 0\.\.4"),
        (-1, 0, "epoch: -1"),
        (0, -1, "step: -1"),
        (1.0, 0, "epoch: 1.0"),
    ],
)
def test_positions_outside_the_run_are_errors(make_sampler, epoch, step, message):
    with pytest.raises(SamplerError, match=message):
        make_sampler("rss", epochs=5).subnets(epoch, step)
