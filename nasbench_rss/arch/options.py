"""The options an architecture plugin takes: which kernel, expand and depth choices are elastic.

The paper's space (kernel 3/5/7, expand 3/4/6, depth 2/3/4) is the default; a smaller one
(e.g. ``kernel: [3, 5]``) builds a smaller supernet.  The search space itself checks the
values (odd kernels, depths a stage can hold), so the model only fixes their shape.
"""

from __future__ import annotations

from typing import Any

import pydantic
from pydantic import Field

from nasbench_rss.plugins import validate_options


class SpaceOptions(pydantic.BaseModel):
    """Elastic choices of a MobileNet-family supernet (OFA's ``ks_list``, ``expand_ratio_list``, ``depth_list``)."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    kernel: tuple[int, ...] = Field((3, 5, 7), min_length=1, description="kernel sizes (odd, 1..9)")
    expand: tuple[int, ...] = Field((3, 4, 6), min_length=1, description="expand ratios (1..9)")
    depth: tuple[int, ...] = Field((2, 3, 4), min_length=1, description="layers per stage")

    @pydantic.model_validator(mode="after")
    def _sorted_unique(self) -> "SpaceOptions":
        for name in ("kernel", "expand", "depth"):
            values = getattr(self, name)
            if len(set(values)) != len(values):
                raise ValueError(f"{name}: {list(values)} repeats a value; list each choice once")
        return self


def architecture_space(entry: Any, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
    """The search space of registry ``entry``'s architecture for ``options``, and the options resolved.

    An architecture's options model names the keyword arguments of its ``space()``; the
    resolved options (every default filled, JSON-ready) are what a cell records.  Options
    the model refuses are an :class:`~nasbench_rss.plugins.OptionsError`; choices the space
    refuses (an even kernel) a :class:`~nasbench_rss.errors.SpaceError`.
    """

    validated = validate_options(entry, options)
    arch = entry.factory()
    if validated is None:
        return arch.space(), {}
    return arch.space(**dict(validated)), validated.model_dump(mode="json")
