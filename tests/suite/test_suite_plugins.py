"""A third-party sampler's options are validated exactly like a built-in's; the JSON Schema includes them."""

from __future__ import annotations

from typing import Literal, Union

import pydantic
import pytest
from tests.suite.suite_helpers import problems as suite_problems

from nasbench_rss import hookimpl
from nasbench_rss.plugins import PluginRegistry, Registration
from nasbench_rss.samplers.base import Phase, Sampler, SamplerConfig, SamplerError
from nasbench_rss.suite import parse_suite, suite_json_schema


class _Cycle(Sampler):
    """Trains the largest subnet; needs at least ``warmup + 1`` epochs."""

    class Config(SamplerConfig):
        name: Literal["acme-cycle"]  # required, as a plugin author may write it: the suite fills it in
        period: int = pydantic.Field(2, ge=1, description="epochs per cycle")
        warmup: int = pydantic.Field(0, ge=0)

    def __init__(self, config, context):
        super().__init__(config, context)
        if context.epochs <= config.warmup:
            raise SamplerError(f"epochs: {context.epochs} too few for warmup {config.warmup}; allowed: > {config.warmup}")
        self._phases = (Phase("train", context.epochs, context.space),)

    @property
    def phases(self):
        return self._phases

    def subnets(self, epoch, step):
        return [self.space.largest()]


class _Lenient(pydantic.BaseModel):
    """An options model that does not forbid unknown keys (pydantic's default: ignore them)."""

    alpha: float = 1.0


class _Flexible(pydantic.BaseModel):
    """Union-typed options, as a plugin author may write them."""

    model_config = pydantic.ConfigDict(extra="forbid")
    width: Union[int, Literal["auto"]] = pydantic.Field("auto", description="a count, or auto")
    shape: Union[list[int], dict[str, int]] = pydantic.Field(default_factory=list)


class _Warm(_Cycle):
    """Warms its one phase up itself (a plugin's own first-phase warm-up)."""

    class Config(_Cycle.Config):
        name: Literal["acme-warm"]  # type: ignore[assignment]

    def __init__(self, config, context):
        super().__init__(config, context)
        self._phases = (Phase("train", context.epochs, context.space, warmup_epochs=1),)


def _largest(config, context):
    return _Cycle(_Cycle.Config(name="acme-cycle"), context)


class _Acme:
    @staticmethod
    @hookimpl
    def register_samplers(register):
        register(Registration("acme-cycle", "a third-party sampler", _Cycle, _Cycle.Config))
        register(Registration("acme-warm", "warms its first phase up", _Warm, _Warm.Config))
        register(Registration("acme-plain", "takes no options", _largest))
        register(Registration("acme-lenient", "lenient options", _largest, _Lenient))
        register(Registration("acme-flexible", "union-typed options", _largest, _Flexible))


@pytest.fixture(scope="module")
def registry():
    registry = PluginRegistry.load(entry_points=False)
    registry.register_plugin(_Acme, "acme", "acme-samplers", "1.0")
    return registry


SUITE = """\
name: third-party
defaults:
  architecture: {name: mobilenet-v3}
  dataset: {name: synthetic}
runs:
  cycle:
    sampler: acme-cycle
    options: {period: 3}
    epochs: 4
"""


def problems(text: str, registry) -> list[str]:
    return suite_problems(text, "p.yaml", registry=registry)


def test_a_third_party_sampler_validates_and_expands(registry):
    (cell,) = parse_suite(SUITE, registry=registry).cells()
    assert cell.config.sampler == "acme-cycle"
    assert cell.config.sampler_options == {"name": "acme-cycle", "period": 3, "warmup": 0}


def test_the_default_registry_does_not_know_it():
    (problem,) = problems(SUITE, None)
    assert problem.startswith("p.yaml:7:14: runs.cycle.sampler: unknown sampler 'acme-cycle'; allowed: alternating,")


def test_its_options_are_checked_like_a_builtins(registry):
    assert problems(SUITE.replace("{period: 3}", "{period: 0, perod: 2}"), registry) == [
        "p.yaml:8:23: runs.cycle.options.period: 0 not allowed; allowed: greater than or equal to 1",
        "p.yaml:8:26: runs.cycle.options.perod: unknown key 'perod' (did you mean 'period'?); allowed: period, warmup",
    ]


def test_its_build_errors_are_reported_at_the_run(registry):
    assert problems(SUITE.replace("{period: 3}", "{warmup: 4}"), registry) == [
        "p.yaml:6:3: runs.cycle: sampler 'acme-cycle': epochs: 4 too few for warmup 4; allowed: > 4 [in mobilenet-v3/synthetic (4 epochs)]"
    ]


def test_a_sampler_without_options_model_takes_no_options(registry):
    text = SUITE.replace("acme-cycle", "acme-plain")
    assert parse_suite(text.replace("    options: {period: 3}\n", ""), registry=registry).cells()[0].config.sampler_options == {}
    assert problems(text, registry) == ["p.yaml:8:15: runs.cycle.options.period: unknown key 'period'; allowed: no keys"]


def test_unknown_keys_are_errors_even_when_the_options_model_would_ignore_them(registry):
    text = SUITE.replace("acme-cycle", "acme-lenient").replace("{period: 3}", "{alpha: 2, beta: 3}")
    assert problems(text, registry) == [
        "p.yaml:8:25: runs.cycle.options.beta: unknown key 'beta'; allowed: alpha "
        "(sampler 'acme-lenient''s options model would ignore it silently)"
    ]


def test_a_bad_value_of_a_union_typed_option_is_one_problem_naming_every_form(registry):
    text = SUITE.replace("acme-cycle", "acme-flexible").replace("{period: 3}", "{width: wide, shape: 3}")
    assert problems(text, registry) == [
        "p.yaml:8:22: runs.cycle.options.width: 'wide' not allowed; allowed: a valid integer, or 'auto'",
        "p.yaml:8:35: runs.cycle.options.shape: 3 not allowed; allowed: a valid list, or a mapping of keys to values",
    ]


def test_an_infinite_number_is_refused_even_where_the_options_model_takes_it(registry):
    assert _Lenient(alpha=float("inf")).alpha == float("inf")
    text = SUITE.replace("acme-cycle", "acme-lenient").replace("{period: 3}", "{alpha: .inf}")
    assert problems(text, registry) == ["p.yaml:8:22: runs.cycle.options.alpha: inf not allowed; allowed: a finite number"]


def test_json_schema_contains_every_plugins_options(registry):
    schema = suite_json_schema(registry)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    definitions = schema["$defs"]
    cycle = next(d for name, d in definitions.items() if name.endswith("_Cycle__Config"))
    assert set(cycle["properties"]) == {"name", "period", "warmup"}
    assert cycle["properties"]["period"]["minimum"] == 1
    assert definitions["Run_acme_cycle"]["properties"]["sampler"]["const"] == "acme-cycle"
    for name in ("Run_progressive_shrinking", "Run_rss", "Dataset_synthetic", "Architecture_proxylessnas", "SpaceOptions", "SyntheticOptions", "TrainConfig", "EvaluationConfig"):
        assert name in definitions
    assert schema["properties"]["runs"]["additionalProperties"] is False  # run names must match the pattern
    (runs,) = schema["properties"]["runs"]["patternProperties"].values()
    assert runs["discriminator"]["propertyName"] == "sampler"
    assert "#/$defs/Run_acme_cycle" in runs["discriminator"]["mapping"].values()


def test_json_schema_accepts_bare_names_in_the_matrix():
    schema = suite_json_schema()
    items = schema["$defs"]["Matrix"]["properties"]["dataset"]["anyOf"][0]["items"]
    text = str(items)
    assert "'const': 'mnist'" in text or "'enum'" in text
    assert "Dataset_cifar100" in text


def test_with_no_plugins_at_all_the_error_says_so():
    text = "name: t\ndefaults:\n  architecture: {name: mobilenet-v3}\n  dataset: {name: synthetic}\nruns:\n  a: {sampler: rss, epochs: 1}\n"
    assert problems(text, PluginRegistry()) == [
        "p.yaml:3:24: defaults.architecture.name: no architecture plugin is registered; allowed: none until one is installed (see `nasbench-rss plugins`)",
        "p.yaml:4:19: defaults.dataset.name: no dataset plugin is registered; allowed: none until one is installed (see `nasbench-rss plugins`)",
        "p.yaml:6:16: runs.a.sampler: no sampler plugin is registered; allowed: none until one is installed (see `nasbench-rss plugins`)",
    ]


class _One:
    @staticmethod
    @hookimpl
    def register_samplers(register):
        register(Registration("acme-cycle", "the only sampler", _Cycle, _Cycle.Config))


def test_with_a_single_sampler_an_unknown_name_still_lists_it():
    """A one-member union is the member itself: the unknown tag is a Literal error, reported the same way."""
    from nasbench_rss.arch import plugin as arch_plugin
    from nasbench_rss.data import plugin as data_plugin

    registry = PluginRegistry()
    for plugin, name in ((_One, "one"), (arch_plugin, "arch"), (data_plugin, "data")):
        registry.register_plugin(plugin, name)
    text = "name: t\ndefaults:\n  architecture: {name: mobilenet-v3}\n  dataset: {name: synthetic}\nruns:\n  a: {sampler: acme-cycles, epochs: 1}\n"
    assert problems(text, registry) == [
        "p.yaml:6:16: runs.a.sampler: unknown sampler 'acme-cycles' (did you mean 'acme-cycle'?); "
        "allowed: acme-cycle (`nasbench-rss plugins` lists them)"
    ]
    assert parse_suite(text.replace("acme-cycles", "acme-cycle"), registry=registry).cells()[0].config.sampler == "acme-cycle"


def test_a_training_warmup_over_a_samplers_own_first_phase_warmup_is_refused_before_anything_trains(registry):
    """One rule (train/schedule.py warmup_problem), asked by validation as by the training loop."""
    text = SUITE.replace("sampler: acme-cycle", "sampler: acme-warm") + "    training: {warmup_epochs: 1}\n"
    assert problems(text, registry) == [
        "p.yaml:10:31: runs.cycle.training.warmup_epochs: 1 warmup epoch and sampler acme-warm's own warm-up of its first "
        "phase ('train', 1 epoch) would both apply; allowed: 0 (the sampler's warm-up alone) [in mobilenet-v3/synthetic (4 epochs)]"
    ]
    assert parse_suite(SUITE.replace("sampler: acme-cycle", "sampler: acme-warm"), registry=registry).cells()
