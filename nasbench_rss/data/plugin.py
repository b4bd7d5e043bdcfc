"""Built-in dataset plugin: registered through the same hook as third-party plugins.

Each factory takes an instance of its ``options_model`` (or None for the defaults) and
returns an :class:`~nasbench_rss.data.dataset.ImageDataset` of CPU tensors.  Registering
imports only the pydantic options models: torch and torchvision load when a factory runs.
"""

from __future__ import annotations

from nasbench_rss.hookspecs import hookimpl

SYNTHETIC_DESCRIPTION = (
    "Synthetic class templates with shifts, clutter and noise: no files, learnable in seconds (tests, smoke runs)"
)


@hookimpl
def register_datasets(register) -> None:
    from nasbench_rss.data.options import DESCRIPTIONS, TORCHVISION_DATASETS, SyntheticOptions, TorchvisionOptions
    from nasbench_rss.plugins import Registration

    for name in TORCHVISION_DATASETS:
        register(Registration(name, DESCRIPTIONS[name], _torchvision_factory(name), TorchvisionOptions))
    register(Registration("synthetic", SYNTHETIC_DESCRIPTION, _synthetic_factory, SyntheticOptions))


def _torchvision_factory(name: str):
    def factory(options=None):
        from nasbench_rss.data.torchvision_data import load_torchvision

        return load_torchvision(name, options)

    factory.__qualname__ = f"factory[{name}]"
    factory.__doc__ = f"Read {name} from the data root in torchvision's layout (options: TorchvisionOptions)."
    return factory


def _synthetic_factory(options=None):
    """Build the synthetic dataset (options: SyntheticOptions)."""
    from nasbench_rss.data.synthetic import make_synthetic

    return make_synthetic(options)
