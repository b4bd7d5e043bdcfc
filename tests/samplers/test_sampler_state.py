"""Resuming: a fresh sampler given a checkpoint's state continues exactly as an unbroken run."""

import json

import pytest

from nasbench_rss.samplers.base import SamplerError

SAMPLERS = [
    ("rss", {}),
    ("rss", {"distribution": "uniform"}),
    ("per-batch", {"k": 2}),
    ("single", {"subnet": "middle"}),
    ("alternating", {"subnets": ["smallest", "middle", "largest"]}),
    ("min-then-max", {}),
    ("max-then-min", {"switch_epoch": 3}),
    ("progressive-shrinking", {}),
]
EPOCHS, STEPS = 12, 3
IDS = [f"{name}-{'-'.join(map(str, options.values())) or 'default'}" for name, options in SAMPLERS]


@pytest.mark.parametrize("arch", ["mobilenet-v3", "proxylessnas"])
@pytest.mark.parametrize(("name", "options"), SAMPLERS, ids=IDS)
def test_resume_at_every_epoch_end_continues_the_unbroken_run(make_sampler, record_run, name, options, arch):
    unbroken = record_run(make_sampler(name, epochs=EPOCHS, seed=7, arch=arch, **options), steps=STEPS)
    for checkpoint in (1, 5, EPOCHS - 1):
        first = make_sampler(name, epochs=EPOCHS, seed=7, arch=arch, **options)
        before = record_run(first, steps=STEPS, epochs=range(checkpoint))
        state = json.loads(json.dumps(first.state_dict()))  # checkpoints are JSON
        resumed = make_sampler(name, epochs=EPOCHS, seed=7, arch=arch, **options)
        resumed.load_state_dict(state)
        after = record_run(resumed, steps=STEPS, epochs=range(checkpoint, EPOCHS))
        assert before + after == unbroken, checkpoint


@pytest.mark.parametrize(("name", "options"), SAMPLERS, ids=IDS)
def test_the_state_not_the_seed_decides_the_continuation(make_sampler, record_run, name, options):
    first = make_sampler(name, epochs=EPOCHS, seed=1, **options)
    record_run(first, steps=STEPS, epochs=range(4))
    state = first.state_dict()
    resumed = make_sampler(name, epochs=EPOCHS, seed=999, **options)
    resumed.load_state_dict(state)
    assert record_run(resumed, steps=STEPS, epochs=range(4, EPOCHS)) == record_run(first, steps=STEPS, epochs=range(4, EPOCHS))


def test_rss_resumed_inside_an_epoch_keeps_that_epochs_subnet(make_sampler):
    first = make_sampler("rss", epochs=5, seed=2)
    first.subnets(0, 0)
    subnet = first.subnets(2, 0)
    first.subnets(2, 1)
    state = json.loads(json.dumps(first.state_dict()))
    assert state["current"] == {"epoch": 2, "subnet": subnet[0].encode()}
    resumed = make_sampler("rss", epochs=5, seed=2)
    resumed.load_state_dict(state)
    assert resumed.subnets(2, 2) == subnet
    with pytest.raises(SamplerError, match="called after"):
        resumed.subnets(2, 1)  # the position came back too
    assert resumed.subnets(3, 0) == first.subnets(3, 0)


@pytest.mark.parametrize(("name", "options"), SAMPLERS, ids=IDS)
def test_describe_is_json_with_config_and_phases(make_sampler, name, options):
    described = json.loads(json.dumps(make_sampler(name, epochs=82, **options).describe()))
    assert described["config"]["name"] == name
    assert sum(phase["epochs"] for phase in described["phases"]) == 82


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ({}, "expected a mapping with key 'rng'"),
        ({"rng": {"bit_generator": "MT19937"}}, "sampler state 'rng': does not fit"),
        ({"rng": None}, "sampler state 'rng'"),
    ],
)
def test_a_state_that_is_not_ours_is_an_error(make_sampler, state, message):
    with pytest.raises(SamplerError, match=message):
        make_sampler("rss").load_state_dict(state)


def test_bad_position_and_current_entries_are_errors(make_sampler):
    sampler = make_sampler("rss")
    good = sampler.state_dict()
    with pytest.raises(SamplerError, match=r"sampler state 'position': expected \[epoch, step\]"):
        sampler.load_state_dict({**good, "position": "0:1"})
    with pytest.raises(SamplerError, match="sampler state 'current'"):
        sampler.load_state_dict({**good, "current": {"epoch": 0, "subnet": "33-33"}})
