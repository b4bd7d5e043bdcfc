"""The interference probe's options, apart from its torch code: registering it stays cheap.

See :mod:`nasbench_rss.train.observers.interference` for what the probe measures.
"""

from __future__ import annotations

from typing import Any

import pydantic

DESCRIPTION = (
    "interference probe: every N steps, each probe subnet's loss change, predicted change and update cosine, and the "
    "pairwise gradient cosine of the step's subnets, in CELL_DIR/interference.jsonl"
)


class ProbeOptions(pydantic.BaseModel):
    """What the interference probe measures and how often."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)

    every: int = pydantic.Field(
        256,
        ge=1,
        description="probe every N optimizer steps (the first step of the run is probed); with the default panel a probed "
        "step costs about 6 training steps of per-batch k=2 and 14-20 of RSS on the CPU (benchmarks/bench_probe_overhead.py), "
        "so 256 keeps the probe under 10% of training time",
    )
    probe_images: int = pydantic.Field(32, ge=1, le=4096, description="training images in the fixed probe batch")
    probes: list[str] | None = pydantic.Field(
        None,
        description="the probe panel: 'smallest', 'middle', 'largest' or encodings; unset: one subnet per evaluation bucket "
        "(from the evaluation's seed) plus the smallest and the largest",
    )
    pairwise: bool = pydantic.Field(True, description="also the pairwise gradient cosine of the subnets a step sums")

    @pydantic.field_validator("probes", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return [item.strip() for item in value.split(",")] if isinstance(value, str) else value


def make_interference_observer(options: ProbeOptions | None = None) -> Any:
    """The registered factory: imports torch only when a cell builds the probe."""
    from nasbench_rss.train.observers.interference import InterferenceObserver

    return InterferenceObserver(options)
