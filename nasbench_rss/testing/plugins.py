"""Registries and sampler contexts for plugin tests, built the way a training run builds them.

A plugin's tests should not depend on whether the plugin happens to be installed, nor on
what else is installed: :func:`registry_with` gives a private registry holding the
built-ins plus the plugin modules under test, registered exactly as an entry point would
register them (so a name that clashes with a built-in fails here too).
"""

from __future__ import annotations

from typing import Any, Mapping

from nasbench_rss.arch.layout import Shape
from nasbench_rss.plugins import PluginRegistry, Registration, get_registry
from nasbench_rss.samplers.base import SamplerContext
from nasbench_rss.seeding import SAMPLER, numpy_rng

DEFAULT_SHAPE = Shape(in_channels=3, num_classes=10, image_size=32)
"""The data shape of the contexts made here (CIFAR-10's); FLOPs tables depend on it."""


def registry_with(*plugins: object, builtins: bool = True, entry_points: bool = False) -> PluginRegistry:
    """A private, strict registry: the built-ins (unless ``builtins=False``) and ``plugins``.

    Each plugin is a module or object with ``@hookimpl`` functions, registered under its
    ``__name__`` (or its type's name).  Installed entry points are left out unless
    ``entry_points=True``, so the result does not depend on the environment.
    """
    registry = PluginRegistry.load(strict=True, entry_points=entry_points) if builtins else PluginRegistry(strict=True)
    for plugin in plugins:
        name = getattr(plugin, "__name__", None) or type(plugin).__name__
        registry.register_plugin(plugin, name)
    return registry


class RegistrationPlugin:
    """A plugin object registering ready-made :class:`Registration` records of one kind.

    Lets tests check a sampler class without writing a plugin module::

        registry_with(RegistrationPlugin("sampler", Registration("mine", "...", Mine, Mine.Config)))
    """

    def __init__(self, kind: str, *registrations: Registration) -> None:
        from nasbench_rss.hookspecs import HOOKS_BY_KIND, hookimpl

        if kind not in HOOKS_BY_KIND:
            raise ValueError(f"kind: {kind!r} not allowed; allowed: {', '.join(HOOKS_BY_KIND)}")
        self.__name__ = f"test-{kind}-" + "-".join(r.name for r in registrations)

        def register_all(register: Any) -> None:
            for registration in registrations:
                register(registration)

        setattr(self, HOOKS_BY_KIND[kind], hookimpl(register_all))


def sampler_context(
    arch: str = "mobilenet-v3",
    *,
    epochs: int,
    seed: int,
    arch_options: Mapping[str, Any] | None = None,
    registry: PluginRegistry | None = None,
    shape: Shape = DEFAULT_SHAPE,
) -> SamplerContext:
    """The context a training cell of ``arch`` would give its sampler for ``seed``.

    Same space (the architecture's options resolved by its own model), same ``sampler``
    random stream of the seed, same FLOPs table; only the data shape is fixed here.
    """
    from nasbench_rss.arch.options import architecture_space

    entry = (registry or get_registry()).get("architecture", arch)
    space, _ = architecture_space(entry, dict(arch_options or {}))
    flops = entry.factory().flops_table(shape, space)
    return SamplerContext(space=space, epochs=epochs, rng=numpy_rng(seed, SAMPLER), flops=flops)
