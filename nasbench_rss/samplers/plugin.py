"""Built-in sampler plugin: registered through the same hook as third-party plugins."""

from __future__ import annotations

from nasbench_rss.hookspecs import hookimpl


@hookimpl
def register_samplers(register) -> None:
    # Imported here, not at module import, so loading plugins stays cheap until a hook runs.
    from nasbench_rss.plugins import Registration
    from nasbench_rss.samplers.builtin import BUILTIN_SAMPLERS

    for name, (description, sampler_class) in BUILTIN_SAMPLERS.items():
        register(Registration(name, description, factory=sampler_class, options_model=sampler_class.Config))
