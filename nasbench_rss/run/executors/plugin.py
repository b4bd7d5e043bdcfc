"""Built-in executor plugin (``local``): registered through the same hook as third-party ones."""

from __future__ import annotations

from nasbench_rss.hookspecs import hookimpl

DESCRIPTION = "Worker processes on this machine (forked with torch loaded), --jobs at a time, one GPU per slot"


@hookimpl
def register_executors(register) -> None:
    # The module imports no torch until an executor runs.
    from nasbench_rss.plugins import Registration
    from nasbench_rss.run.executors.local import LocalExecutor, LocalOptions

    register(Registration("local", DESCRIPTION, factory=LocalExecutor, options_model=LocalOptions))
