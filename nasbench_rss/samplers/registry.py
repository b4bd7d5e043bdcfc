"""Building a sampler by its registered name: what the CLI and the trainer call.

Built-in and third-party samplers are looked up in the one plugin registry, their options
validated with the registered pydantic model, and the sampler built with
``factory(config, context)``.  Every error is a :class:`SamplerError` (or the registry's
``UnknownName``, which lists what is available) whose message starts with the sampler's
name, so a user running many cells can tell which one was misconfigured.
"""

from __future__ import annotations

from typing import Any, Mapping

import pydantic

from nasbench_rss.plugins import PluginRegistry, get_registry
from nasbench_rss.samplers.base import Sampler, SamplerContext, SamplerError


def build_sampler(
    name: str, options: Mapping[str, Any], context: SamplerContext, registry: PluginRegistry | None = None
) -> Sampler:
    """The sampler registered as ``name`` with ``options`` (e.g. from ``--option key=value``).

    ``registry`` defaults to the process-wide one (:func:`nasbench_rss.plugins.get_registry`).
    """
    entry = (registry or get_registry()).get("sampler", name)
    model = entry.options_model
    if not isinstance(options, Mapping):
        raise SamplerError(f"{name}: options must be a mapping of option names to values, got {options!r}")
    if model is None:
        if options:
            raise SamplerError(f"{name}: takes no options; got {', '.join(map(str, options))}")
        config = None
    else:
        try:
            config = model.model_validate(dict(options))
        except pydantic.ValidationError as error:
            raise SamplerError(f"{name}: {describe_validation_error(error, model)}") from None
    try:
        sampler = entry.factory(config, context)
    except SamplerError as error:
        message = str(error)
        raise SamplerError(message if message.startswith(f"{name}: ") else f"{name}: {message}") from None
    if not isinstance(sampler, Sampler):
        raise SamplerError(
            f"{name}: the factory registered by {entry.distribution} (plugin {entry.plugin}) returned "
            f"{type(sampler).__name__}; expected a nasbench_rss.samplers.base.Sampler"
        )
    return sampler


def describe_validation_error(error: pydantic.ValidationError, model: type[pydantic.BaseModel]) -> str:
    """Pydantic's errors as ``field: message (got value)``, then the options allowed."""
    problems = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "options"
        got = "" if item["type"] == "missing" else f" (got {item['input']!r})"
        problems.append(f"{field}: {item['msg']}{got}")
    allowed = ", ".join(name for name in model.model_fields if name != "name")
    return "; ".join(problems) + f"; allowed options: {allowed or 'none'}"


def option_help(model: type[pydantic.BaseModel]) -> dict[str, str]:
    """Option name -> its description and default, for ``--help`` and listings."""
    return {
        name: f"{field.description or ''} (default: {field.get_default(call_default_factory=True)!r})"
        for name, field in model.model_fields.items()
        if name != "name"
    }
