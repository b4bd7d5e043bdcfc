"""Built-in executor plugin (``local``): registered through the same hook as third-party ones."""

from __future__ import annotations

from nasbench_rss.hookspecs import hookimpl

DESCRIPTION = "Worker processes on this machine (forked with torch loaded), --jobs at a time, one GPU per slot"
RAY_DESCRIPTION = (
    "Each cell a Ray task: a Ray instance here (--jobs at a time), or a cluster (--ray-address); "
    "needs pip install 'nasbench-rss[ray]'"
)


@hookimpl
def register_executors(register) -> None:
    # The module imports no torch until an executor runs.
    from nasbench_rss.plugins import Registration
    from nasbench_rss.run.executors.local import LocalExecutor, LocalOptions

    register(Registration("local", DESCRIPTION, factory=LocalExecutor, options_model=LocalOptions))
    # ray_executor imports ray only when its executor is built (RayExecutor()), so this costs nothing without it.
    from nasbench_rss.run.executors.ray_executor import RayExecutor, RayOptions

    register(Registration("ray", RAY_DESCRIPTION, factory=RayExecutor, options_model=RayOptions))
