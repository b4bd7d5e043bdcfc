"""Option types shared by the built-in samplers' configs.

Options reach a config either from Python (lists, numbers) or from the command line's
``--option key=value`` pairs, where every value is a string.  Pydantic already turns
``"2"`` into 2; :func:`comma_list` lets list options be written ``a,b,c`` there too.
"""

from __future__ import annotations

from typing import Annotated, Any

import pydantic

from nasbench_rss.space.population import BaseDistribution

DISTRIBUTION_HELP = (
    "how a subnet is drawn from the space: 'per-dimension' (the paper's Algorithm 1 and OFA's "
    "sample_active_subnet: each stage's depth, then each active layer's kernel and expand, uniformly) "
    "or 'uniform' (every distinct network equally likely)"
)

Distribution = Annotated[BaseDistribution, pydantic.Field(description=DISTRIBUTION_HELP)]
"""The ``distribution`` option: the two whole-population draws of ``space.population``."""


def comma_list(value: Any) -> Any:
    """``"a, b"`` -> ``["a", "b"]`` (for a ``mode="before"`` validator); other values unchanged."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",")]
    return value
