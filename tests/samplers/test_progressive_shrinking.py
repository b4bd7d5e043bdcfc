"""progressive-shrinking: OFA's six phases, their lengths, spaces, rates and draws."""

import numpy as np
import pytest

from nasbench_rss.plugins import OptionsError
from nasbench_rss.samplers.base import SamplerError
from nasbench_rss.samplers.progressive_shrinking import (
    MIN_EPOCHS,
    PHASE_NAMES,
    ProgressiveShrinking,
    later_phase_epochs,
    phase_epochs,
)

NAMES = ["supernet", "kernel", "depth-1", "depth-2", "expand-1", "expand-2"]


def test_phase_names_and_flags(make_sampler):
    sampler = make_sampler("progressive-shrinking", epochs=82)
    assert isinstance(sampler, ProgressiveShrinking)
    phases = sampler.phases
    assert [p.name for p in phases] == NAMES == list(PHASE_NAMES)
    assert [p.reorganize_expand_stage for p in phases] == [None, None, None, None, 0, 1]
    assert [p.snapshot_teacher for p in phases] == [True, False, False, False, False, False]
    assert [p.kd_ratio for p in phases] == [0.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    assert [p.subnets_per_step for p in phases] == [1, 1, 2, 2, 4, 4]
    assert [p.lr_scale for p in phases] == pytest.approx([1, 1 / 2.7, 1 / 32.5, 1 / 10.8, 1 / 32.5, 1 / 10.8])


@pytest.mark.parametrize(
    ("epochs", "expected"),
    [(82, [25, 17, 3, 17, 3, 17]), (590, [180, 120, 25, 120, 25, 120]), (6, [1, 1, 1, 1, 1, 1])],
)
def test_epochs_of_the_phases_derived_from_the_run(make_sampler, epochs, expected):
    sampler = make_sampler("progressive-shrinking", epochs=epochs)
    assert [p.epochs for p in sampler.phases] == expected
    assert [sampler.phase_start(i) for i in range(6)] == list(np.cumsum([0, *expected[:-1]]))


def test_every_run_of_at_least_six_epochs_splits_exactly():
    assert MIN_EPOCHS == 6
    for epochs in range(MIN_EPOCHS, 3000):
        split = phase_epochs(epochs)
        assert sum(split) == epochs and min(split) >= 1, (epochs, split)
        assert abs(split[0] - round(epochs / (1 + 3 / 1.5 + 2 / 7.2))) <= 3  # the supernet only absorbs rounding


def test_later_phases_round_half_up_with_at_least_one_epoch():
    assert later_phase_epochs(18) == (12, 3, 12, 3, 12)  # 18 / 7.2 = 2.5 -> 3, not banker's 2
    assert later_phase_epochs(1) == (1, 1, 1, 1, 1)
    assert later_phase_epochs(25) == (17, 3, 17, 3, 17)


def test_explicit_supernet_epochs(make_sampler):
    sampler = make_sampler("progressive-shrinking", epochs=82, supernet_epochs=25)
    assert [p.epochs for p in sampler.phases] == [25, 17, 3, 17, 3, 17]
    sampler = make_sampler("progressive-shrinking", epochs=65, supernet_epochs=20)
    assert [p.epochs for p in sampler.phases] == [20, 13, 3, 13, 3, 13]


def test_supernet_epochs_not_matching_the_run_names_both_totals_and_the_breakdown(make_sampler):
    breakdown = r"20 \(supernet\) \+ 13 \(kernel\) \+ 3 \(depth-1\) \+ 13 \(depth-2\) \+ 3 \(expand-1\) \+ 13 \(expand-2\) = 65"
    message = rf"^progressive-shrinking: supernet_epochs: 20 implies {breakdown} epochs, but the run has epochs 82"
    with pytest.raises(SamplerError, match=message):
        make_sampler("progressive-shrinking", epochs=82, supernet_epochs=20)


@pytest.mark.parametrize("epochs", [1, 5])
def test_too_few_epochs_says_the_minimum(make_sampler, epochs):
    with pytest.raises(SamplerError, match=rf"^progressive-shrinking: epochs: {epochs} too few .*allowed: >= 6$"):
        make_sampler("progressive-shrinking", epochs=epochs)


@pytest.mark.parametrize("arch", ["mobilenet-v3", "proxylessnas"])
def test_phase_spaces_shrink_one_dimension_at_a_time(make_sampler, spaces, arch):
    sampler = make_sampler("progressive-shrinking", epochs=82, arch=arch)
    choices = [(p.space.kernel_choices, p.space.depth_choices, p.space.expand_choices) for p in sampler.phases]
    assert choices == [
        ((7,), (4,), (6,)),
        ((3, 5, 7), (4,), (6,)),
        ((3, 5, 7), (3, 4), (6,)),
        ((3, 5, 7), (2, 3, 4), (6,)),
        ((3, 5, 7), (2, 3, 4), (4, 6)),
        ((3, 5, 7), (2, 3, 4), (3, 4, 6)),
    ]
    for phase in sampler.phases:
        assert phase.space.is_subspace_of(spaces[arch])
        assert phase.space.fixed_depth_stages == spaces[arch].fixed_depth_stages
    assert sampler.phases[-1].space is spaces[arch]


@pytest.mark.parametrize("arch", ["mobilenet-v3", "proxylessnas"])
def test_draws_lie_in_the_phase_space_and_cover_its_choices(make_sampler, spaces, arch):
    space = spaces[arch]
    sampler = make_sampler("progressive-shrinking", epochs=82, arch=arch, seed=1)
    seen = {i: {"kernel": set(), "expand": set(), "depth": set()} for i in range(6)}
    for epoch in range(82):
        index, phase = sampler.phase_at(epoch)
        for step in range(4):
            subnets = sampler.subnets(epoch, step)
            assert len(subnets) == phase.subnets_per_step
            for subnet in subnets:
                phase.space.check(subnet)
                assert subnet.space is space  # attached to the full space: codes and FLOPs are the trainer's
                seen[index]["kernel"].update(k for stage in subnet.kernels for k in stage)
                seen[index]["expand"].update(e for stage in subnet.expands for e in stage)
                seen[index]["depth"].update(d for s, d in enumerate(subnet.depths) if s not in space.fixed_depth_stages)
            if index == 0:
                assert subnets == [space.largest()]
    for index, phase in enumerate(sampler.phases):
        assert seen[index] == {
            "kernel": set(phase.space.kernel_choices),
            "expand": set(phase.space.expand_choices),
            "depth": set(phase.space.depth_choices),
        }, phase.name


def test_supernet_phase_draws_nothing_and_later_phases_draw_from_the_stream(make_sampler):
    sampler = make_sampler("progressive-shrinking", epochs=82, seed=9)
    before = sampler.rng.bit_generator.state
    for epoch in range(25):
        sampler.subnets(epoch, 0)
    assert sampler.rng.bit_generator.state == before
    sampler.subnets(25, 0)
    assert sampler.rng.bit_generator.state != before


def test_same_seed_same_sequence(make_sampler, record_run):
    def run(seed):
        return record_run(make_sampler("progressive-shrinking", epochs=12, seed=seed), steps=2)

    assert run(4) == run(4) != run(5)


def test_custom_rates_subnets_and_distillation(make_sampler):
    sampler = make_sampler(
        "progressive-shrinking", epochs=82, lr_divisors="1,2,4,5,10", subnets_per_step=[3, 1, 1, 2, 2], kd_ratio=0
    )
    assert [p.lr_scale for p in sampler.phases] == pytest.approx([1, 1, 1 / 2, 1 / 4, 1 / 5, 1 / 10])
    assert [p.subnets_per_step for p in sampler.phases] == [1, 3, 1, 1, 2, 2]
    assert [p.kd_ratio for p in sampler.phases] == [0.0] * 6
    assert [len(sampler.subnets(e, 0)) for e in (0, 25, 42, 45, 62, 65)] == [1, 3, 1, 1, 2, 2]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"lr_divisors": [2.7, 32.5, 10.8, 32.5]}, "lr_divisors"),
        ({"lr_divisors": [2.7, 32.5, 0, 32.5, 10.8]}, r"lr_divisors\[2\]"),
        ({"subnets_per_step": "1,2,2,4,0"}, r"subnets_per_step\[4\]"),
        ({"kd_ratio": -0.5}, "kd_ratio"),
        ({"kd_ratio": "inf"}, "kd_ratio"),
        ({"supernet_epochs": 0}, "supernet_epochs"),
        ({"distribution": "gaussian"}, "distribution"),
        ({"kernel_epochs": 3}, "kernel_epochs"),
    ],
)
def test_bad_options_name_the_field(make_sampler, options, field):
    with pytest.raises(OptionsError, match=rf"^sampler 'progressive-shrinking': {field}: "):
        make_sampler("progressive-shrinking", epochs=82, **options)
