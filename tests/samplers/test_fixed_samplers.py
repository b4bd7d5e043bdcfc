"""single, alternating, min-then-max and max-then-min: exact, rng-free schedules."""

import pytest

from nasbench_rss.plugins import OptionsError
from nasbench_rss.samplers.base import SamplerError

MBV3_SMALLEST = "3333-3333-3333-3333-3333"
MBV3_LARGEST = "76767676-76767676-76767676-76767676-76767676"
MBV3_MIDDLE = "545454-545454-545454-545454-545454"
PROXYLESS_MIDDLE = "545454-545454-545454-545454-545454-54"


def flat(run):
    """One encoding per epoch, checking every step of the epoch trains exactly that one subnet."""
    for epoch in run:
        assert all(step == [epoch[0][0]] for step in epoch)
    return [epoch[0][0] for epoch in run]


# ---------------------------------------------------------------------- single


@pytest.mark.parametrize(
    ("subnet", "expected"),
    [
        ("largest", MBV3_LARGEST),
        ("smallest", MBV3_SMALLEST),
        ("middle", MBV3_MIDDLE),
        ("5634-3333-3333-3333-763676", "5634-3333-3333-3333-763676"),
    ],
)
def test_single_trains_one_subnet_every_step(make_sampler, record_run, subnet, expected):
    sampler = make_sampler("single", epochs=4, subnet=subnet)
    assert flat(record_run(sampler, steps=3)) == [expected] * 4
    assert sampler.describe()["subnets"] == [expected]


def test_single_default_is_the_largest(make_sampler):
    assert make_sampler("single").subnets(0, 0)[0].encode() == MBV3_LARGEST


def test_middle_of_proxylessnas_keeps_its_fixed_depth_stage(make_sampler):
    assert make_sampler("single", arch="proxylessnas", subnet="middle").subnets(0, 0)[0].encode() == PROXYLESS_MIDDLE


@pytest.mark.parametrize("subnet", ["biggest", "3333-3333", "9999-3333-3333-3333-3333", "33-33-33-33-33"])
def test_single_with_a_bad_subnet_names_the_field_and_the_allowed_forms(make_sampler, subnet):
    allowed = "allowed: smallest, middle, largest or an encoding such as '3333-3333"
    with pytest.raises(SamplerError, match=rf"^single: subnet: .*{allowed}"):
        make_sampler("single", subnet=subnet)


def test_an_encoding_of_another_architecture_is_refused(make_sampler):
    with pytest.raises(SamplerError, match="not a proxylessnas encoding.*5 stages; proxylessnas has 6"):
        make_sampler("single", arch="proxylessnas", subnet=MBV3_SMALLEST)


# ---------------------------------------------------------------------- alternating


def test_alternating_default_is_smallest_then_largest_epoch_by_epoch(make_sampler, record_run):
    sampler = make_sampler("alternating", epochs=5)
    assert flat(record_run(sampler, steps=3)) == [MBV3_SMALLEST, MBV3_LARGEST] * 2 + [MBV3_SMALLEST]


@pytest.mark.parametrize("subnets", [["smallest", "middle", "largest"], "smallest,middle,largest", "smallest, middle , largest"])
def test_alternating_cycles_through_its_list(make_sampler, record_run, subnets):
    sampler = make_sampler("alternating", epochs=7, subnets=subnets)
    cycle = [MBV3_SMALLEST, MBV3_MIDDLE, MBV3_LARGEST]
    assert flat(record_run(sampler, steps=2)) == cycle * 2 + cycle[:1]
    assert sampler.describe()["subnets"] == cycle


def test_alternating_needs_two_valid_entries(make_sampler):
    with pytest.raises(OptionsError, match=r"^sampler 'alternating': subnets: a list of 1 item not allowed; allowed: at least 2 items"):
        make_sampler("alternating", subnets=["largest"])
    with pytest.raises(SamplerError, match=r"^alternating: subnets\[1\]: 'huge' is not one of smallest, middle, largest"):
        make_sampler("alternating", subnets=["largest", "huge"])


# ---------------------------------------------------------------------- min-then-max / max-then-min


@pytest.mark.parametrize(("epochs", "switch"), [(10, 5), (7, 3), (2, 1), (180, 90)])
def test_switch_at_half_by_default(make_sampler, record_run, epochs, switch):
    low = flat(record_run(make_sampler("min-then-max", epochs=epochs), steps=2))
    high = flat(record_run(make_sampler("max-then-min", epochs=epochs), steps=2))
    assert low == [MBV3_SMALLEST] * switch + [MBV3_LARGEST] * (epochs - switch)
    assert high == [MBV3_LARGEST] * switch + [MBV3_SMALLEST] * (epochs - switch)


@pytest.mark.parametrize("switch", [1, 3, 9])
def test_custom_switch_epoch(make_sampler, record_run, switch):
    sampler = make_sampler("max-then-min", epochs=10, switch_epoch=switch)
    assert flat(record_run(sampler, steps=1)) == [MBV3_LARGEST] * switch + [MBV3_SMALLEST] * (10 - switch)
    assert sampler.describe()["switch_epoch"] == switch
    assert [p.name for p in sampler.phases] == ["train"]  # one schedule across the switch, as the paper


@pytest.mark.parametrize("name", ["min-then-max", "max-then-min"])
def test_switch_epoch_outside_the_run_names_the_field_and_range(make_sampler, name):
    with pytest.raises(SamplerError, match=rf"^{name}: switch_epoch: 10 not allowed for a 10-epoch run; allowed: 1\.\.9$"):
        make_sampler(name, epochs=10, switch_epoch=10)
    with pytest.raises(OptionsError, match=rf"^sampler '{name}': switch_epoch: 0 not allowed; allowed: greater than or equal to 1"):
        make_sampler(name, epochs=10, switch_epoch=0)
    with pytest.raises(SamplerError, match=rf"^{name}: epochs: 1 too few for {name}.*allowed: >= 2$"):
        make_sampler(name, epochs=1)


@pytest.mark.parametrize(
    ("name", "options"),
    [("single", {}), ("alternating", {}), ("min-then-max", {}), ("max-then-min", {"switch_epoch": 2})],
)
def test_fixed_schedules_draw_nothing_from_the_stream(make_sampler, record_run, name, options):
    sampler = make_sampler(name, epochs=6, **options)
    before = sampler.rng.bit_generator.state
    record_run(sampler, steps=3)
    assert sampler.rng.bit_generator.state == before
    (phase,) = sampler.phases
    assert (phase.epochs, phase.subnets_per_step, phase.kd_ratio, phase.snapshot_teacher) == (6, 1, 0.0, False)
