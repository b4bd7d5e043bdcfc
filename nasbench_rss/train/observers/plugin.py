"""Built-in observer plugin: registered through the same hook as third-party plugins."""

from __future__ import annotations

from nasbench_rss.hookspecs import hookimpl


@hookimpl
def register_observers(register) -> None:
    # The modules import neither torch nor tensorboard until an observer is made.
    from nasbench_rss.plugins import Registration
    from nasbench_rss.train.observers import probe_options
    from nasbench_rss.train.observers.tensorboard import DESCRIPTION, TensorBoardObserver, TensorBoardOptions

    register(Registration("tensorboard", DESCRIPTION, factory=TensorBoardObserver, options_model=TensorBoardOptions))
    register(
        Registration(
            "interference",
            probe_options.DESCRIPTION,
            factory=probe_options.make_interference_observer,
            options_model=probe_options.ProbeOptions,
        )
    )
