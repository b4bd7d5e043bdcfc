"""Built-in reporter plugin (``md``, ``json``, ``html``): registered through the same hook as third-party ones."""

from __future__ import annotations

from nasbench_rss.hookspecs import hookimpl


@hookimpl
def register_reporters(register) -> None:
    # Imported here, not at module import, so loading plugins does not import matplotlib.
    from nasbench_rss.plugins import Registration
    from nasbench_rss.report.reporters import BUILTIN_REPORTERS

    for name, (description, reporter_class) in BUILTIN_REPORTERS.items():
        register(Registration(name, description, factory=_factory(reporter_class)))


def _factory(reporter_class: type):
    def factory(options=None):
        return reporter_class()

    factory.__qualname__ = f"factory[{reporter_class.__name__}]"
    factory.__doc__ = f"Make a {reporter_class.__name__} (no options)."
    return factory
