"""Building a sampler by its registered name: what the CLI and the trainer call.

Built-in and third-party samplers are looked up in the one plugin registry, their options
validated with the registered pydantic model (:func:`nasbench_rss.plugins.validate_options`:
an :class:`~nasbench_rss.plugins.OptionsError` naming the sampler and each field), and the
sampler built with ``factory(config, context)``.  What the factory refuses is a
:class:`SamplerError` whose message starts with the sampler's name, once, so a user
running many cells can tell which one was misconfigured; an unknown name is the
registry's ``UnknownName``, which lists what is available.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

import numpy as np
import pydantic

from nasbench_rss.plugins import PluginRegistry, build_entry, get_registry
from nasbench_rss.samplers.base import Sampler, SamplerContext, SamplerError

if TYPE_CHECKING:
    from nasbench_rss.arch.layout import Shape
    from nasbench_rss.space.search_space import SearchSpace


def build_sampler(
    name: str, options: Mapping[str, Any], context: SamplerContext, registry: PluginRegistry | None = None
) -> Sampler:
    """The sampler registered as ``name`` with ``options`` (e.g. from ``--option key=value``).

    ``registry`` defaults to the process-wide one (:func:`nasbench_rss.plugins.get_registry`).
    """
    entry = (registry or get_registry()).get("sampler", name)
    try:
        sampler, _ = build_entry(entry, options, context)
    except SamplerError as error:
        raise error.for_sampler(name) from None
    if not isinstance(sampler, Sampler):
        raise SamplerError(
            f"the factory registered by {entry.distribution} (plugin {entry.plugin}) returned "
            f"{type(sampler).__name__}; expected a nasbench_rss.samplers.base.Sampler",
            sampler=name,
        )
    return sampler


def sampler_for(
    name: str,
    options: Mapping[str, Any],
    *,
    epochs: int,
    architecture: Any,
    space: "SearchSpace",
    shape: "Shape",
    rng: np.random.Generator,
    registry: PluginRegistry | None = None,
) -> Sampler:
    """The sampler of a cell from its config: sampler ``name`` with ``options`` over ``epochs``, on ``space`` of
    ``architecture`` (the plugin's object, whose FLOPs table at ``shape`` it is given), drawing from ``rng``.

    The one builder: validation (suite/sampler_check.py, whose phases the run's ETA reads)
    and the worker (runtime/build.py) call it, so a cell trains with the sampler it was
    checked with.
    """
    context = SamplerContext(space=space, epochs=epochs, rng=rng, flops=architecture.flops_table(shape, space))
    return build_sampler(name, options, context, registry=registry)


def option_help(model: type[pydantic.BaseModel]) -> dict[str, str]:
    """Option name -> its description and default, for ``--help`` and listings."""
    return {
        name: f"{field.description or ''} (default: {field.get_default(call_default_factory=True)!r})"
        for name, field in model.model_fields.items()
        if name != "name"
    }
