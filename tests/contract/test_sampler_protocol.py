"""Sections 3-4 of docs/writing-plugins.md: the sampler protocol and the options model (plugin API 1.0)."""

from __future__ import annotations

import dataclasses
import json
from typing import Literal

import numpy as np
import pydantic
import pytest

from nasbench_rss.samplers.base import Phase, Sampler, SamplerConfig, SamplerContext, SamplerError
from nasbench_rss.samplers.draw import draw_subnets
from nasbench_rss.samplers.options import comma_list
from nasbench_rss.samplers.registry import build_sampler
from nasbench_rss.samplers.stream import StreamSampler
from nasbench_rss.space.population import sample
from nasbench_rss.space.subnet import Subnet
from nasbench_rss.testing import registry_with, sampler_context
from tests.contract import plugin_fixtures
from tests.contract.plugin_fixtures import NAME, ContractSandwich
from tests.contract.signatures import assert_signature

REGISTRY = registry_with(plugin_fixtures)


@pytest.fixture
def context():
    return sampler_context(epochs=3, seed=0, registry=REGISTRY)


def test_the_signatures_a_sampler_author_calls_or_implements():
    assert_signature(build_sampler, "(name, options, context, registry=None)", "build_sampler")
    assert_signature(Sampler.__init__, "(self, config, context)", "Sampler.__init__")
    assert_signature(Sampler.subnets, "(self, epoch, step)", "Sampler.subnets")
    assert_signature(Sampler.check_position, "(self, epoch, step)", "Sampler.check_position")
    assert_signature(Sampler.candidates, "(self, epoch, step)", "Sampler.candidates")
    assert_signature(Sampler.feedback, "(self, epoch, step, candidates, losses)", "Sampler.feedback")
    assert_signature(Sampler.state_dict, "(self)", "Sampler.state_dict")
    assert_signature(Sampler.load_state_dict, "(self, state)", "Sampler.load_state_dict")
    assert_signature(Sampler.describe, "(self)", "Sampler.describe")
    assert_signature(StreamSampler.draw, "(self, epoch, step)", "StreamSampler.draw")
    assert_signature(SamplerError.__init__, "(self, message, *, option=None)", "SamplerError")
    assert_signature(sample, "(space, n, rng, mode='per-dimension')", "nasbench_rss.space.population.sample")
    # the guide passes the fourth positionally (``mode``), ``home`` by keyword
    assert_signature(draw_subnets, "(space, n, rng, distribution, home=None)", "draw_subnets")
    assert Sampler.trains_stand_alone is False
    assert isinstance(Sampler.__dict__["phases"], property)


def test_the_context_is_space_epochs_rng_flops(context):
    assert [f.name for f in dataclasses.fields(SamplerContext)][:4] == ["space", "epochs", "rng", "flops"]
    assert context.epochs == 3 and isinstance(context.rng, np.random.Generator)
    assert context.flops.mflops(context.space.largest()) > context.flops.mflops(context.space.smallest())


def test_a_sampler_keeps_config_context_space_and_the_contexts_rng(context):
    sampler = build_sampler(NAME, {"random_subnets": 1}, context, registry=REGISTRY)
    assert isinstance(sampler, ContractSandwich) and isinstance(sampler.config, ContractSandwich.Config)
    assert sampler.context is context and sampler.space is context.space and sampler.rng is context.rng


def test_phase_fields_the_guide_names_with_their_defaults(context):
    phase = Phase("sandwich", 3, context.space)
    defaults = {
        "lr_scale": 1.0, "subnets_per_step": 1, "kd_ratio": 0.0, "reorganize_expand_stage": None, "snapshot_teacher": False,
        "warmup_epochs": 0, "warmup_start": 1.0, "cosine_start": 0, "cosine_epochs": None, "teacher": "snapshot",
        "inplace_distillation": False,
    }  # fmt: skip
    assert [f.name for f in dataclasses.fields(Phase)][:3] == ["name", "epochs", "space"]
    assert {name: getattr(phase, name) for name in defaults} == defaults
    with pytest.raises(SamplerError, match="warmup_epochs 3 not allowed"):
        Phase("p", 3, context.space, warmup_epochs=3)


def test_subnets_and_the_phase_plan(context):
    sampler = build_sampler(NAME, {"random_subnets": 1}, context, registry=REGISTRY)
    assert sum(p.epochs for p in sampler.phases) == context.epochs
    step = sampler.subnets(0, 0)
    assert len(step) == sampler.phases[0].subnets_per_step == 3
    assert step[:2] == [context.space.largest(), context.space.smallest()]
    assert all(isinstance(s, Subnet) and context.space.contains(s) for s in step)
    assert sampler.candidates(0, 1) == []  # the default asks for no losses
    with pytest.raises(SamplerError, match="asked for no candidates' losses"):
        sampler.feedback(0, 1, [], [])


def test_state_is_json_and_resumes_exactly(context):
    first = build_sampler(NAME, {"random_subnets": 2}, context, registry=REGISTRY)
    first.subnets(0, 0)
    state = json.loads(json.dumps(first.state_dict(), allow_nan=False))
    assert {"rng", "position"} <= set(state)
    other = build_sampler(NAME, {"random_subnets": 2}, sampler_context(epochs=3, seed=7, registry=REGISTRY), registry=REGISTRY)
    other.load_state_dict(state)
    assert [s.encode() for s in other.subnets(0, 1)] == [s.encode() for s in first.subnets(0, 1)]
    with pytest.raises(SamplerError, match="expected a mapping with key 'rng'"):
        other.load_state_dict({})


def test_describe_is_json_of_the_options_and_phases(context):
    described = build_sampler(NAME, {}, context, registry=REGISTRY).describe()
    json.dumps(described, allow_nan=False)
    assert described["config"] == {"name": NAME, "random_subnets": 2, "min_epochs": 1}
    assert [p["name"] for p in described["phases"]] == ["sandwich"]


def test_sampler_config_forbids_unknown_keys_and_infinities_and_is_frozen():
    class Config(SamplerConfig):
        name: Literal["x"] = "x"
        rate: float = 1.0

    assert Config.model_config["extra"] == "forbid" and Config.model_config["frozen"] is True
    with pytest.raises(pydantic.ValidationError):
        Config(ratee=1.0)
    with pytest.raises(pydantic.ValidationError):
        Config(rate=float("inf"))
    with pytest.raises(pydantic.ValidationError):
        Config().rate = 2.0  # type: ignore[misc]


def test_options_from_the_command_line_and_list_options():
    assert comma_list("a, b,c") == ["a", "b", "c"] and comma_list(["a"]) == ["a"]
    config = build_sampler(NAME, {"random_subnets": "3"}, sampler_context(epochs=1, seed=0, registry=REGISTRY), registry=REGISTRY).config
    assert config.random_subnets == 3  # "--option random_subnets=3" arrives as a string; pydantic converts it


def test_draw_subnets_returns_subnets_of_home(context):
    restricted = context.space.restrict(kernel=(3,))
    drawn = draw_subnets(restricted, 2, np.random.default_rng(0), "per-dimension", home=context.space)
    assert len(drawn) == 2 and all(s.space == context.space for s in drawn)
    assert Subnet.decode(context.space, context.space.smallest().encode()) == context.space.smallest()
