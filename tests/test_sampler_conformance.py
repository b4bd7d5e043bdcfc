"""The sampler conformance check: every built-in passes it, and it catches broken samplers.

Each broken sampler below has one defect a plugin author could plausibly make; the check
must fail on it with the named check and a message that says what to do.
"""

from __future__ import annotations

import random
from typing import Any, Literal

import numpy as np
import pydantic
import pytest

from nasbench_rss import hookimpl
from nasbench_rss.plugins import Registration
from nasbench_rss.samplers.base import Phase, Sampler, SamplerConfig, SamplerContext
from nasbench_rss.samplers.draw import draw_subnets
from nasbench_rss.samplers.rss import RandomSubnetSampling
from nasbench_rss.samplers.stream import StreamSampler
from nasbench_rss.space.subnet import Subnet
from nasbench_rss.testing import ConformanceError, RegistrationPlugin, check_sampler, registry_with, sampler_context

BUILTINS = registry_with()
OPTIONS = {
    "rss": [{}, {"distribution": "uniform"}],
    "per-batch": [{"k": 2}],
    "single": [{"subnet": "middle"}],
    "stand-alone": [{"subnet": "smallest", "compile": "off"}],
    "alternating": [{"subnets": ["smallest", "middle", "largest"]}],
    "min-then-max": [{"switch_epoch": 3}],
    "max-then-min": [{}],
    "progressive-shrinking": [{"subnets_per_step": [2, 1, 3, 1, 2], "kd_ratio": 0.5}],
    "sandwich": [{"k": 1, "distribution": "uniform"}],
    "strict-fair": [{"depth": "permuted"}],
    "compound": [{"kernel": "elastic", "kd_ratio": 0}],
    "attentive": [{"target": "uniform", "candidates": 2}],
    "bucket-balanced": [{"distribution": "uniform"}],
}
RANDOM = {"rss", "per-batch", "progressive-shrinking", "sandwich", "strict-fair", "compound", "attentive", "bucket-balanced"}


# ---------------------------------------------------------------------- built-ins


@pytest.mark.slow
@pytest.mark.parametrize("name", BUILTINS.names("sampler"))
def test_every_registered_sampler_conforms_with_its_defaults(name):
    report = check_sampler(name, registry=BUILTINS)
    assert report.random == (name in RANDOM)
    assert report.options["name"] == name
    assert len(report.sequence) == len(report.positions) == 12 * 3


@pytest.mark.parametrize(
    ("name", "options"), [(name, options) for name, sets in OPTIONS.items() for options in sets], ids=str
)
@pytest.mark.parametrize("arch", ["mobilenet-v3", "proxylessnas"])
def test_built_ins_conform_with_options_and_restricted_spaces(name, options, arch):
    check_sampler(name, options, registry=BUILTINS, arch=arch, arch_options={"kernel": [3, 5], "depth": [3, 4]}, epochs=8, steps=2)


def test_the_options_table_covers_every_builtin():
    assert sorted(OPTIONS) == BUILTINS.names("sampler")


def test_the_report_says_what_the_run_trained():
    single = check_sampler("single", {"subnet": "smallest"}, registry=BUILTINS, epochs=3, steps=2)
    assert single.distinct == 1 and not single.random
    assert single.sequence[0] == ("3333-3333-3333-3333-3333",)
    rss = check_sampler("rss", registry=BUILTINS, epochs=6, steps=4, random=True)
    assert 1 < rss.distinct <= 6  # one subnet per epoch
    assert rss.options == {"name": "rss", "distribution": "per-dimension"}


def test_an_entry_and_a_registration_are_accepted_too():
    entry = BUILTINS.get("sampler", "rss")
    assert check_sampler(entry, epochs=3, steps=2).name == "rss"
    assert check_sampler(entry.registration, epochs=3, steps=2).random


def test_an_unregistered_name_fails_listing_what_is_registered():
    with pytest.raises(ConformanceError, match=r"'rsss' fails check 'registered': .*registered: alternating, ") as info:
        check_sampler("rsss", registry=BUILTINS)
    assert info.value.check == "registered"
    assert isinstance(info.value, AssertionError)


def test_options_that_do_not_validate_fail_check_options():
    with pytest.raises(ConformanceError, match=r"'per-batch' fails check 'options': options \{'k': 0\} do not validate: sampler 'per-batch': k:"):
        check_sampler("per-batch", {"k": 0}, registry=BUILTINS)


def test_a_run_too_short_for_the_sampler_fails_check_factory():
    with pytest.raises(ConformanceError, match="fails check 'factory'.*too few for progressive shrinking"):
        check_sampler("progressive-shrinking", registry=BUILTINS, epochs=3)


def test_equal_seeds_are_refused():
    with pytest.raises(ValueError, match="two different seeds"):
        check_sampler("rss", registry=BUILTINS, seeds=(3, 3))


# ---------------------------------------------------------------------- broken samplers


def check(sampler_class: type, name: str = "broken", options_model: Any = "Config", **kwargs: Any):
    """Run the check on a throwaway registration of ``sampler_class``."""
    model = sampler_class.Config if options_model == "Config" else options_model
    return check_sampler(Registration(name, "a broken sampler", sampler_class, model), epochs=6, steps=3, **kwargs)


def failure(sampler_class: type, **kwargs: Any) -> ConformanceError:
    with pytest.raises(ConformanceError) as info:
        check(sampler_class, **kwargs)
    return info.value


class OnePhase(Sampler):
    """A correct deterministic sampler, the base of several broken ones."""

    class Config(SamplerConfig):
        name: Literal["broken"] = "broken"

    def __init__(self, config: SamplerConfig, context: SamplerContext) -> None:
        super().__init__(config, context)
        self._phases = (Phase("train", context.epochs, context.space),)

    @property
    def phases(self) -> tuple[Phase, ...]:
        return self._phases

    def subnets(self, epoch: int, step: int) -> list[Subnet]:
        self.check_position(epoch, step)
        return [self.space.largest()]


class RandomPerStep(StreamSampler):
    """A correct random sampler, the base of several broken ones."""

    Config = OnePhase.Config

    def __init__(self, config: SamplerConfig, context: SamplerContext) -> None:
        super().__init__(config, context)
        self._phases = (Phase("train", context.epochs, context.space),)

    @property
    def phases(self) -> tuple[Phase, ...]:
        return self._phases

    def draw(self, epoch: int, step: int) -> list[Subnet]:
        return draw_subnets(self.space, 1, self.rng, "per-dimension")


def test_the_correct_bases_of_the_broken_samplers_pass():
    assert not check(OnePhase).random
    assert check(RandomPerStep).random


@pytest.mark.parametrize("extra", ["allow", "ignore"])
def test_an_options_model_that_lets_unknown_keys_through_is_caught(extra):
    class Config(OnePhase.Config):
        model_config = pydantic.ConfigDict(extra=extra)

    error = failure(OnePhase, options_model=Config)
    assert error.check == "options-model"
    assert f"extra={extra!r}; it must be extra='forbid'" in str(error)


def test_a_plain_pydantic_model_ignores_unknown_keys_and_is_caught():
    class Loose(pydantic.BaseModel):
        k: int = 1

    class Sampler_(OnePhase):
        Config = Loose  # type: ignore[assignment]

    assert "extra=None" in str(failure(Sampler_, options_model=Loose))


def test_a_name_field_must_default_to_the_registered_name_and_refuse_others():
    class WrongDefault(OnePhase.Config):
        name: Literal["other"] = "other"  # type: ignore[assignment]

    class AnyName(OnePhase.Config):
        name: str = "broken"  # type: ignore[assignment]

    assert "must default to the registered name 'broken'" in str(failure(OnePhase, options_model=WrongDefault))
    assert "accepted 'not-broken'; declare it Literal['broken']" in str(failure(OnePhase, options_model=AnyName))


def test_resolved_options_that_validate_differently_are_caught():
    class Config(OnePhase.Config):
        offset: int = 0

        @pydantic.field_validator("offset")
        @classmethod
        def _add_one(cls, value: int) -> int:
            return value + 1  # not idempotent: a resumed cell would see another value

    error = failure(OnePhase, options_model=Config)
    assert error.check == "options" and "validate to" in str(error)


def test_a_factory_that_returns_no_sampler_is_caught():
    error = check_failure_of(Registration("broken", "returns a dict", lambda config, context: {}, OnePhase.Config))
    assert error.check == "factory" and "expected a nasbench_rss.samplers.base.Sampler" in str(error)


def check_failure_of(registration: Registration) -> ConformanceError:
    with pytest.raises(ConformanceError) as info:
        check_sampler(registration, epochs=4, steps=2)
    return info.value


def test_phases_that_do_not_cover_the_run_are_caught():
    class Short(OnePhase):
        def __init__(self, config, context):
            super().__init__(config, context)
            self._phases = (Phase("train", context.epochs - 1, context.space),)

    error = failure(Short)
    assert error.check == "phases" and "= 5, but the run has 6 epochs" in str(error)


def test_a_subnet_outside_the_space_is_caught():
    class KernelNine(OnePhase):
        def subnets(self, epoch, step):
            largest = self.space.largest()
            bad = tuple(tuple((9, e) for _, e in stage) for stage in largest.layers)
            return [Subnet._trusted(self.space, bad)]

    error = failure(KernelNine)
    assert error.check == "subnets"
    assert "subnets(epoch=0, step=0) returned 9696" in str(error)
    assert "not in the run's space: ks (stage 0, layer 0): 9 not allowed; allowed: [3, 5, 7]" in str(error)


def test_a_subnet_of_another_architecture_is_caught():
    class Proxyless(OnePhase):
        def subnets(self, epoch, step):
            return [sampler_context("proxylessnas", epochs=1, seed=0).space.smallest()]

    assert "does not belong to mobilenet-v3" in str(failure(Proxyless))


def test_a_subnet_outside_its_phase_space_is_caught():
    class KernelPhase(OnePhase):
        def __init__(self, config, context):
            super().__init__(config, context)
            self._phases = (Phase("kernel-3", context.epochs, context.space.restrict(kernel=[3])),)

    error = failure(KernelPhase)  # the largest subnet has kernel 7
    assert error.check == "subnets" and "not in phase 'kernel-3''s space" in str(error)


def test_too_many_subnets_for_the_phase_is_caught():
    class Two(OnePhase):
        def subnets(self, epoch, step):
            return [self.space.largest(), self.space.smallest()]

    assert "returned 2 subnets; phase 'train' declares subnets_per_step 1" in str(failure(Two))


@pytest.mark.parametrize("module", ["numpy", "random"])
def test_drawing_from_a_global_rng_is_caught(module):
    class Global(OnePhase):
        def subnets(self, epoch, step):
            self.check_position(epoch, step)
            pick = np.random.randint(2) if module == "numpy" else random.randrange(2)
            return [self.space.smallest() if pick else self.space.largest()]

    error = failure(Global)
    assert error.check == "rng"
    assert f"changed the global RNG state of {'numpy.random' if module == 'numpy' else 'random'}" in str(error)


def test_a_generator_of_its_own_is_caught():
    class OwnGenerator(RandomPerStep):
        def __init__(self, config, context):
            super().__init__(config, context)
            self.rng = np.random.default_rng(1234)  # ignores the cell's seed

    error = failure(OwnGenerator)
    assert error.check == "rng" and "sampler.rng is not context.rng" in str(error)


def test_a_hidden_generator_of_its_own_is_caught_when_the_sampler_is_declared_random():
    class Hidden(RandomPerStep):
        def __init__(self, config, context):
            super().__init__(config, context)
            self.own = np.random.default_rng(1234)

        def draw(self, epoch, step):
            return draw_subnets(self.space, 1, self.own, "per-dimension")

        def state_dict(self):
            return {**super().state_dict(), "own": self.own.bit_generator.state}

        def load_state_dict(self, state):
            super().load_state_dict(state)
            self.own.bit_generator.state = state["own"]

    assert not check(Hidden).random  # seed-independent and resumable: looks deterministic
    error = failure(Hidden, random=True)
    assert error.check == "seeds" and "declared random (random=True) but never drew from context.rng" in str(error)


def test_a_sampler_whose_draws_ignore_the_generator_is_caught():
    class Ignores(RandomPerStep):
        def draw(self, epoch, step):
            self.rng.random()  # touches the generator, then ignores it
            return [self.space.largest()]

    error = failure(Ignores)
    assert error.check == "seeds" and "do not depend on the generator" in str(error)


def test_a_seed_dependence_that_bypasses_the_generator_is_caught():
    class PeeksAtTheState(OnePhase):
        def subnets(self, epoch, step):  # reads the generator's state instead of drawing from it
            self.check_position(epoch, step)
            peeked = self.rng.bit_generator.state["state"]["state"]
            return [self.space.unrank((peeked + epoch) % self.space.size)]

    error = failure(PeeksAtTheState)
    assert error.check == "seeds" and "never draws from context.rng, yet another source of randomness" in str(error)


def test_a_load_state_dict_that_ignores_the_rng_state_is_caught():
    class Forgetful(RandomPerStep):
        def load_state_dict(self, state):
            pass

    error = failure(Forgetful)
    assert error.check == "state"
    assert "a sampler built with seed 1 and given the state of seed 0 and the uninterrupted run differ at epoch" in str(error)


def test_a_cached_draw_missing_from_the_state_is_caught_mid_epoch():
    class Uncached(RandomSubnetSampling):
        def state_dict(self):
            return {key: value for key, value in super().state_dict().items() if key != "current"}

        def load_state_dict(self, state):
            super().load_state_dict({**state, "current": None})

    error = failure(Uncached, options_model=RandomSubnetSampling.Config, name="rss")
    assert error.check == "state" and "step 1" in str(error)  # only a mid-epoch checkpoint shows it


def test_a_state_that_is_not_json_is_caught():
    class ArrayState(RandomPerStep):
        def state_dict(self):
            return {**super().state_dict(), "counts": np.zeros(2)}

    error = failure(ArrayState)
    assert error.check == "state" and "is not JSON" in str(error)


def test_a_random_sampler_answering_a_repeated_call_differently_is_caught():
    class Redraws(RandomPerStep):
        def subnets(self, epoch, step):  # draws on every call, repeated or not
            self.check_position(epoch, step)
            return self.draw(epoch, step)

    error = failure(Redraws)
    assert error.check == "positions" and "subclass nasbench_rss.samplers.stream.StreamSampler" in str(error)


def test_a_position_past_the_run_must_raise():
    class Unchecked(OnePhase):
        def subnets(self, epoch, step):
            return [self.space.largest()]

    error = failure(Unchecked)
    assert error.check == "positions" and "past the last of 6 epochs" in str(error)


def test_describe_must_be_json():
    class Describes(OnePhase):
        def describe(self):
            return {**super().describe(), "space": self.space}

    assert failure(Describes).check == "describe"


# ---------------------------------------------------------------------- registries


def test_registry_with_adds_plugin_modules_as_entry_points_would():
    class Plugin:
        __name__ = "throwaway"

        @staticmethod
        @hookimpl
        def register_samplers(register):
            register(Registration("throwaway", "a deterministic sampler", OnePhase, OnePhase.Config))

    registry = registry_with(Plugin())
    assert "throwaway" in registry.names("sampler") and "rss" in registry.names("sampler")
    assert registry.get("sampler", "throwaway").plugin == "throwaway"


def test_registration_plugin_refuses_unknown_kinds():
    with pytest.raises(ValueError, match="kind: 'samplers' not allowed"):
        RegistrationPlugin("samplers")


def test_sampler_context_is_the_cells_context():
    from nasbench_rss.seeding import numpy_rng

    context = sampler_context("mobilenet-v3", epochs=4, seed=5, arch_options={"kernel": [3]})
    assert context.space.kernel_choices == (3,)
    assert context.epochs == 4
    assert context.rng.random() == numpy_rng(5, "sampler").random()
    assert context.flops.space == context.space
