"""Built-in observer plugin: registered through the same hook as third-party plugins."""

from __future__ import annotations

from nasbench_rss.hookspecs import hookimpl


@hookimpl
def register_observers(register) -> None:
    # The module imports neither torch nor tensorboard until an observer is made.
    from nasbench_rss.plugins import Registration
    from nasbench_rss.train.observers.tensorboard import DESCRIPTION, TensorBoardObserver, TensorBoardOptions

    register(Registration("tensorboard", DESCRIPTION, factory=TensorBoardObserver, options_model=TensorBoardOptions))
