"""The plugin module named by the entry point: one hook, one registration.

Keep this module cheap to import (nasbench-rss imports every plugin to list them): the
sampler's module is imported inside the hook, when the registry is built.  It first says
which plugin contract it was written for: under a nasbench-rss with another one it is
skipped with a warning naming both versions, rather than failing in some later, obscure way.
"""

from __future__ import annotations

import nasbench_rss
from nasbench_rss import hookimpl

nasbench_rss.require_plugin_api(">=1.0,<2")


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
