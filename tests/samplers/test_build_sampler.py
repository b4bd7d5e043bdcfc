"""build_sampler and the built-in registrations: names, options and their errors."""

import pydantic
import pytest

from nasbench_rss import hookimpl
from nasbench_rss.plugins import OptionsError, PluginRegistry, Registration, UnknownName, get_registry
from nasbench_rss.samplers.alternating import AlternatingSampler
from nasbench_rss.samplers.base import Sampler, SamplerConfig, SamplerError
from nasbench_rss.samplers.builtin import BUILTIN_SAMPLERS
from nasbench_rss.samplers.per_batch import PerBatchSampler
from nasbench_rss.samplers.progressive_shrinking import ProgressiveShrinking
from nasbench_rss.samplers.registry import build_sampler, option_help
from nasbench_rss.samplers.rss import RandomSubnetSampling

NAMES = [
    "alternating", "attentive", "bucket-balanced", "compound", "max-then-min", "min-then-max", "per-batch",
    "progressive-shrinking", "rss", "sandwich", "single", "stand-alone", "strict-fair",
]  # fmt: skip


def test_every_builtin_is_registered_by_the_builtin_plugin():
    registry = PluginRegistry.load(entry_points=False)
    assert registry.names("sampler") == NAMES == sorted(BUILTIN_SAMPLERS)
    for name in NAMES:
        entry = registry.get("sampler", name)
        sampler_class = BUILTIN_SAMPLERS[name][1]
        assert entry.plugin == "nasbench_rss.samplers.plugin" and entry.distribution == "nasbench-rss"
        assert entry.factory is sampler_class and entry.options_model is sampler_class.Config
        assert entry.description == BUILTIN_SAMPLERS[name][0]


@pytest.mark.parametrize("name", NAMES)
def test_configs_are_frozen_strict_named_and_documented(name):
    model = BUILTIN_SAMPLERS[name][1].Config
    assert issubclass(model, SamplerConfig)
    config = model()
    assert config.name == name
    with pytest.raises(pydantic.ValidationError):
        config.name = "other"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError, match="Extra inputs are not permitted"):
        model(bogus=1)
    for field_name, field in model.model_fields.items():
        assert field.description, f"{name}: option {field_name} has no description"
    assert set(option_help(model)) == set(model.model_fields) - {"name"}


def test_build_sampler_builds_the_class_with_validated_options(context_for):
    assert isinstance(build_sampler("rss", {}, context_for()), RandomSubnetSampling)
    sampler = build_sampler("per-batch", {"k": "2", "distribution": "uniform"}, context_for())
    assert isinstance(sampler, PerBatchSampler) and sampler.config.k == 2 and sampler.config.distribution == "uniform"
    sampler = build_sampler("progressive-shrinking", {"lr_divisors": "1, 2, 3, 4, 5", "kd_ratio": "0.5"}, context_for(epochs=82))
    assert isinstance(sampler, ProgressiveShrinking)
    assert sampler.config.lr_divisors == (1, 2, 3, 4, 5) and sampler.config.kd_ratio == 0.5
    sampler = build_sampler("alternating", {"subnets": "largest,smallest"}, context_for())
    assert isinstance(sampler, AlternatingSampler) and sampler.config.subnets == ["largest", "smallest"]


def test_unknown_sampler_lists_the_available_ones(context_for):
    with pytest.raises(UnknownName, match=rf"unknown sampler 'rsss' \(did you mean 'rss'\?\); available: {', '.join(NAMES)}$"):
        build_sampler("rsss", {}, context_for())


def test_bad_option_value_names_the_sampler_and_the_field(context_for):
    with pytest.raises(
        OptionsError,
        match=r"^sampler 'per-batch': k: 0 not allowed; allowed: greater than or equal to 1; allowed options: k, distribution$",
    ) as info:
        build_sampler("per-batch", {"k": 0}, context_for())
    assert [(p.path, p.message) for p in info.value.problems] == [(("k",), "0 not allowed; allowed: greater than or equal to 1")]
    assert (info.value.kind, info.value.name) == ("sampler", "per-batch")
    with pytest.raises(OptionsError, match=r"^sampler 'rss': distribution: 'normal' not allowed; allowed: 'per-dimension' or 'uniform'"):
        build_sampler("rss", {"distribution": "normal"}, context_for())


def test_unknown_option_is_rejected(context_for):
    with pytest.raises(OptionsError, match=r"^sampler 'rss': k: unknown key 'k'; allowed: distribution$"):
        build_sampler("rss", {"k": 2}, context_for())
    with pytest.raises(OptionsError, match=r"^sampler 'single': name: 'rss' not allowed; allowed: 'single'"):
        build_sampler("single", {"name": "rss"}, context_for())


def test_errors_raised_while_building_are_prefixed_with_the_sampler(context_for):
    with pytest.raises(SamplerError, match=r"^min-then-max: switch_epoch: 12 not allowed for a 10-epoch run"):
        build_sampler("min-then-max", {"switch_epoch": 12}, context_for(epochs=10))


class _NotASampler:
    class Config(pydantic.BaseModel):
        pass


class _ThirdParty:
    """A plugin registering one well-behaved sampler, one without options and one broken factory."""

    @staticmethod
    @hookimpl
    def register_samplers(register):
        register(Registration("acme-largest", "largest subnet", _Largest, _Largest.Config))
        register(Registration("acme-plain", "no options", lambda config, context: _Largest(_Largest.Config(), context)))
        register(Registration("acme-broken", "returns junk", lambda config, context: "junk", _NotASampler.Config))
        register(Registration("acme-prefixed", "names itself in its errors", _refuse_self_prefixed))


def _refuse_self_prefixed(config, context):
    raise SamplerError("acme-prefixed: width: 3 not allowed; allowed: 1", option="width")


class _Largest(Sampler):
    class Config(SamplerConfig):
        pass

    @property
    def phases(self):
        return ()

    def subnets(self, epoch, step):
        return [self.space.largest()]


def test_third_party_samplers_go_through_the_same_path(context_for):
    registry = PluginRegistry.load(entry_points=False)
    registry.register_plugin(_ThirdParty, "acme", "acme-nas", "1.0")
    assert isinstance(build_sampler("acme-largest", {}, context_for(), registry), _Largest)
    assert isinstance(build_sampler("acme-plain", {}, context_for(), registry), _Largest)
    with pytest.raises(OptionsError, match="^sampler 'acme-plain': takes no options; got k$"):
        build_sampler("acme-plain", {"k": 1}, context_for(), registry)
    with pytest.raises(SamplerError, match=r"^acme-broken: the factory registered by acme-nas \(plugin acme\) returned str"):
        build_sampler("acme-broken", {}, context_for(), registry)
    with pytest.raises(SamplerError, match=r"^acme-prefixed: width: 3 not allowed; allowed: 1$") as info:  # the name once
        build_sampler("acme-prefixed", {}, context_for(), registry)
    assert (info.value.sampler, info.value.option, info.value.detail) == ("acme-prefixed", ("width",), "width: 3 not allowed; allowed: 1")
    with pytest.raises(OptionsError, match="^sampler 'acme-largest': a list not allowed; allowed: a mapping of option names"):
        build_sampler("acme-largest", ["k=1"], context_for(), registry)  # type: ignore[arg-type]


def test_default_registry_is_used_when_none_is_given(context_for):
    assert "rss" in get_registry().names("sampler")
    assert isinstance(build_sampler("rss", {}, context_for()), RandomSubnetSampling)


def test_a_sampler_refuses_another_samplers_config(context_for):
    with pytest.raises(SamplerError, match="RandomSubnetSampling needs a RandomSubnetSampling.Config, got PerBatchSampler.Config"):
        RandomSubnetSampling(PerBatchSampler.Config(), context_for())  # type: ignore[arg-type]
