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
    minimum_epochs,
    phase_epochs,
    phase_plan,
    scaled_warmups,
)

NAMES = ["supernet", "kernel", "depth-1", "depth-2", "expand-1", "expand-2"]


PAPER_CODE = {"lr_schedule": "global-tail", "lr_divisors": "2.7,32.5,10.8,32.5,10.8", "sort_channels": False,
              "teacher": "untrained", "epoch_rounding": "half-even", "fresh_optimizer": False}  # fmt: skip


def test_phase_names_and_flags(make_sampler):
    sampler = make_sampler("progressive-shrinking", epochs=82)
    assert isinstance(sampler, ProgressiveShrinking)
    phases = sampler.phases
    assert [p.name for p in phases] == NAMES == list(PHASE_NAMES)
    assert [p.reorganize_expand_stage for p in phases] == [None, None, None, None, 0, 1]
    assert [p.snapshot_teacher for p in phases] == [True, False, False, False, False, False]
    assert [p.kd_ratio for p in phases] == [0.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    assert [p.subnets_per_step for p in phases] == [1, 1, 2, 2, 4, 4]
    # OFA's task rates (3e-2, 2.5e-3, 7.5e-3 per GPU x 32) against its full network's 2.6
    assert [p.lr_scale for p in phases] == pytest.approx([1, 0.96 / 2.6, 0.08 / 2.6, 0.24 / 2.6, 0.08 / 2.6, 0.24 / 2.6])
    assert [p.teacher for p in phases[1:]] == ["snapshot"] * 5


@pytest.mark.parametrize(
    ("epochs", "expected", "warmups"),
    [
        (82, [25, 17, 3, 17, 3, 17], [1, 0, 1, 0, 1]),  # S = 24 estimated: 5 * 24 / 180 = 0.67 -> 1 warm-up epoch
        (605, [180, 125, 25, 125, 25, 125], [5, 0, 5, 0, 5]),  # OFA's recipe at S = 180: 120 + 5 warm-up
        (590, [176, 122, 24, 122, 24, 122], [5, 0, 5, 0, 5]),
        (6, [1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0]),
    ],
)
def test_epochs_and_warmups_derived_from_the_run(make_sampler, epochs, expected, warmups):
    sampler = make_sampler("progressive-shrinking", epochs=epochs)
    assert [p.epochs for p in sampler.phases] == expected
    assert [p.warmup_epochs for p in sampler.phases] == [0, *warmups]
    assert [sampler.phase_start(i) for i in range(6)] == list(np.cumsum([0, *expected[:-1]]))


@pytest.mark.parametrize(
    ("epochs", "expected"),
    [(590, [180, 120, 25, 120, 25, 120]), (82, [25, 17, 3, 17, 3, 17]), (37, [12, 7, 2, 7, 2, 7])],
)
def test_paper_code_phases_are_table_1s_without_warmups(make_sampler, epochs, expected):
    sampler = make_sampler("progressive-shrinking", epochs=epochs, **PAPER_CODE)
    assert [p.epochs for p in sampler.phases] == expected
    assert [p.warmup_epochs for p in sampler.phases] == [0] * 6


def test_every_run_of_at_least_six_epochs_splits_exactly():
    assert MIN_EPOCHS == 6
    for epochs in range(MIN_EPOCHS, 3000):
        split = phase_epochs(epochs)
        assert sum(split) == epochs and min(split) >= 1, (epochs, split)
        # the supernet only absorbs rounding (of five phase lengths and three warm-ups)
        assert abs(split[0] - round(epochs / (1 + 3 / 1.5 + 2 / 7.2 + 15 / 180))) <= 5


def test_every_paper_code_run_splits_exactly():
    config = ProgressiveShrinking.Config(**PAPER_CODE)
    assert minimum_epochs(config) == 6
    for epochs in range(6, 2000):
        split, warmups = phase_plan(epochs, config)
        assert sum(split) == epochs and min(split) >= 1 and warmups == (0,) * 5, (epochs, split)


def test_later_phases_round_half_up_or_half_even_with_at_least_one_epoch():
    assert later_phase_epochs(18) == (12, 3, 12, 3, 12)  # 18 / 7.2 = 2.5 -> 3
    assert later_phase_epochs(18, "half-even") == (12, 2, 12, 2, 12)  # Python's round, as the paper's main.py:54
    assert later_phase_epochs(1) == (1, 1, 1, 1, 1)
    assert later_phase_epochs(25) == (17, 3, 17, 3, 17)
    assert later_phase_epochs(10) == (7, 1, 7, 1, 7)  # 23 epochs: Table 1's MNIST row (27) needs phase_epochs


def test_warmups_scale_with_the_supernet_phase():
    assert scaled_warmups(180) == (5, 0, 5, 0, 5)
    assert scaled_warmups(18) == (1, 0, 1, 0, 1)  # 0.5 rounds up
    assert scaled_warmups(18, "half-even") == (0, 0, 0, 0, 0)
    assert scaled_warmups(17) == (0, 0, 0, 0, 0)
    assert scaled_warmups(360) == (10, 0, 10, 0, 10)


def test_explicit_supernet_epochs(make_sampler):
    sampler = make_sampler("progressive-shrinking", epochs=85, supernet_epochs=25)
    assert [p.epochs for p in sampler.phases] == [25, 18, 3, 18, 3, 18]
    assert [p.warmup_epochs for p in sampler.phases] == [0, 1, 0, 1, 0, 1]
    sampler = make_sampler("progressive-shrinking", epochs=82, supernet_epochs=25, warmup_epochs="0,0,0,0,0")
    assert [p.epochs for p in sampler.phases] == [25, 17, 3, 17, 3, 17]


def test_explicit_phase_epochs_run_table_1s_mnist_row_as_printed(make_sampler):
    sampler = make_sampler("progressive-shrinking", epochs=37, phase_epochs="10,9,2,7,2,7", **PAPER_CODE)
    assert [p.epochs for p in sampler.phases] == [10, 9, 2, 7, 2, 7]
    with pytest.raises(SamplerError, match=r"^progressive-shrinking: phase_epochs: 10 \+ 9 \+ 2 \+ 7 \+ 2 \+ 7 = 37 epochs, but the run has epochs 40"):
        make_sampler("progressive-shrinking", epochs=40, phase_epochs="10,9,2,7,2,7")
    with pytest.raises(SamplerError, match=r"phase_epochs: kernel would be all warm-up"):
        make_sampler("progressive-shrinking", epochs=10, phase_epochs="5,1,1,1,1,1", warmup_epochs="1,0,0,0,0")


def test_supernet_epochs_not_matching_the_run_names_both_totals_and_the_breakdown(make_sampler):
    breakdown = (
        r"20 \(supernet\) \+ 14 \(kernel, 1 of them warm-up\) \+ 3 \(depth-1\) \+ 14 \(depth-2, 1 of them warm-up\) "
        r"\+ 3 \(expand-1\) \+ 14 \(expand-2, 1 of them warm-up\) = 68"
    )
    message = rf"^progressive-shrinking: supernet_epochs: 20 implies {breakdown} epochs, but the run has epochs 82"
    with pytest.raises(SamplerError, match=message):
        make_sampler("progressive-shrinking", epochs=82, supernet_epochs=20)


@pytest.mark.parametrize("epochs", [1, 5])
def test_too_few_epochs_says_the_minimum(make_sampler, epochs):
    with pytest.raises(SamplerError, match=rf"^progressive-shrinking: epochs: {epochs} too few .*allowed: >= 6$"):
        make_sampler("progressive-shrinking", epochs=epochs)


def test_global_tail_places_each_phase_on_one_cosine_up_to_its_end(make_sampler):
    sampler = make_sampler("progressive-shrinking", epochs=590, **PAPER_CODE)
    starts = [sampler.phase_start(i) for i in range(6)]
    assert [(p.cosine_start, p.cosine_epochs) for p in sampler.phases] == [
        (start, start + p.epochs) for start, p in zip(starts, sampler.phases)
    ]
    assert [p.cosine_epochs for p in sampler.phases] == [180, 300, 325, 445, 470, 590]  # main.py:42-90's n_epochs
    per_phase = make_sampler("progressive-shrinking", epochs=590)
    assert [(p.cosine_start, p.cosine_epochs) for p in per_phase.phases] == [(0, None)] * 6


def test_sorting_and_teacher_options(make_sampler):
    sampler = make_sampler("progressive-shrinking", epochs=82, sort_channels=False, teacher="untrained")
    assert [p.reorganize_expand_stage for p in sampler.phases] == [None] * 6
    assert [p.snapshot_teacher for p in sampler.phases] == [False] * 6  # nothing to snapshot for an untrained teacher
    assert [p.teacher for p in sampler.phases[1:]] == ["untrained"] * 5
    carried = make_sampler("progressive-shrinking", epochs=82, sort_channels=False, fresh_optimizer=False)
    assert [p.fresh_optimizer for p in carried.phases] == [True, False, False, False, False, False]
    none = make_sampler("progressive-shrinking", epochs=82, teacher="none", kd_ratio=0)
    assert [p.kd_ratio for p in none.phases] == [0.0] * 6 and not none.phases[0].snapshot_teacher


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"teacher": "none"}, "teacher none distils nothing, but kd_ratio is 1"),
        ({"lr_schedule": "global-tail", "warmup_epochs": "5,0,5,0,5"}, "with lr_schedule global-tail; allowed: 0, 0, 0, 0, 0"),
        ({"supernet_epochs": 25, "phase_epochs": "25,17,3,17,3,17"}, "supernet_epochs and phase_epochs are both set"),
        ({"teacher": "trained"}, "teacher"),
        ({"fresh_optimizer": False}, "the carried momentum would not follow the re-ordered channels"),
        ({"epoch_rounding": "banker"}, "epoch_rounding"),
        ({"warmup_epochs": "1,2,3"}, "warmup_epochs"),
    ],
)
def test_inconsistent_options_say_what_is_allowed(make_sampler, options, message):
    with pytest.raises(OptionsError, match=message):
        make_sampler("progressive-shrinking", epochs=82, **options)


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
    starts = [sampler.phase_start(i) for i in range(6)]
    assert [len(sampler.subnets(e, 0)) for e in starts] == [1, 3, 1, 1, 2, 2]


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
