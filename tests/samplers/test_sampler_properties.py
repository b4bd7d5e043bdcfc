"""Properties of every built-in sampler, for any seed, run length and architecture."""

import pytest
from hypothesis import given, settings, strategies as st

from nasbench_rss.space.subnet import Subnet

CONFIGS = [
    ("rss", {}),
    ("rss", {"distribution": "uniform"}),
    ("per-batch", {"k": 3}),
    ("per-batch", {"k": 1, "distribution": "uniform"}),
    ("single", {"subnet": "smallest"}),
    ("single", {"subnet": "middle"}),
    ("alternating", {}),
    ("min-then-max", {}),
    ("max-then-min", {}),
    ("progressive-shrinking", {}),
    ("progressive-shrinking", {"distribution": "uniform", "subnets_per_step": [2, 1, 3, 1, 2]}),
]


@settings(max_examples=40, deadline=None)
@given(
    config=st.sampled_from(CONFIGS),
    arch=st.sampled_from(["mobilenet-v3", "proxylessnas"]),
    epochs=st.integers(6, 30),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_subnet_is_valid_in_its_phase_space_and_round_trips(make_sampler, config, arch, epochs, seed):
    name, options = config
    sampler = make_sampler(name, epochs=epochs, seed=seed, arch=arch, **options)
    assert sum(phase.epochs for phase in sampler.phases) == epochs
    for epoch in range(epochs):
        _, phase = sampler.phase_at(epoch)
        for step in range(2):
            subnets = sampler.subnets(epoch, step)
            assert len(subnets) == phase.subnets_per_step
            for subnet in subnets:
                phase.space.check(subnet)
                sampler.space.check(subnet)
                assert Subnet.decode(sampler.space, subnet.encode()) == subnet
                assert sampler.space.unrank(sampler.space.rank(subnet)) == subnet


@pytest.mark.parametrize(("name", "options"), CONFIGS)
def test_phase_at_and_phase_start_agree(make_sampler, name, options):
    sampler = make_sampler(name, epochs=82, **options)
    for index, phase in enumerate(sampler.phases):
        start = sampler.phase_start(index)
        assert sampler.phase_at(start) == (index, phase)
        assert sampler.phase_at(start + phase.epochs - 1) == (index, phase)
