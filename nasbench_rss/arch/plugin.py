"""Built-in architecture plugin: registered through the same hook as third-party plugins."""

from __future__ import annotations

from nasbench_rss.hookspecs import hookimpl


@hookimpl
def register_architectures(register) -> None:
    # Imported here, not at module import, so loading plugins stays cheap until a hook runs.
    from nasbench_rss.arch.builtin import MOBILENET_V3_ARCH, PROXYLESSNAS_ARCH
    from nasbench_rss.arch.options import SpaceOptions
    from nasbench_rss.plugins import Registration

    for arch in (MOBILENET_V3_ARCH, PROXYLESSNAS_ARCH):
        register(Registration(name=arch.name, description=arch.description, factory=_constant(arch), options_model=SpaceOptions))


def _constant(value):
    def factory():
        return value

    factory.__qualname__ = f"factory[{getattr(value, 'name', value)!s}]"
    return factory
