"""The plugin module named by the entry point: one hook, one registration.

Keep this module cheap to import (nasbench-rss imports every plugin to list them): the
sampler's module is imported inside the hook, when the registry is built.
"""

from __future__ import annotations

from nasbench_rss import hookimpl


@hookimpl
def register_samplers(register) -> None:
    from nasbench_rss.plugins import Registration

    from nasbench_rss_example_sampler.sandwich import SandwichSampler

    register(
        Registration(
            name="mini-sandwich",
            description="The sandwich rule: largest, smallest and k random subnets every step, gradients summed (BigNAS)",
            factory=SandwichSampler,
            options_model=SandwichSampler.Config,
        )
    )
