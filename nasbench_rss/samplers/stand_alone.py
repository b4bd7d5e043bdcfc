"""``stand-alone``: one subnet trained on its own, as a plain network of fixed shapes, from scratch.

The ``single`` sampler trains one subnet *inside* a supernet (the paper's Fig. 6: the
other subnets inherit what it learns).  A stand-alone reference is what NAS benchmarks
rank a supernet against: the subnet's own network, initialised as any network is and
trained alone.  The sampler is ``single``'s (one subnet every step, nothing drawn); what
differs is the network the cell builds (``runtime/build.py``: a
:class:`~nasbench_rss.arch.stand_alone.StandAloneNetwork`), which this sampler asks for
with ``trains_stand_alone``.  A suite's ``references:`` block plans these cells.
"""

from __future__ import annotations

from typing import Literal

import pydantic

from nasbench_rss.samplers.single import SUBNET_HELP, SingleSubnetSampler

Compile = Literal["auto", "on", "off"]


class StandAloneSampler(SingleSubnetSampler):
    """``stand-alone``: ``subnet`` as its own network, every step."""

    trains_stand_alone = True

    class Config(SingleSubnetSampler.Config):
        name: Literal["stand-alone"] = pydantic.Field("stand-alone", description="the sampler: one subnet as its own network")  # type: ignore[assignment]
        subnet: str = pydantic.Field("largest", min_length=1, description=f"the subnet trained alone: {SUBNET_HELP}")
        compile: Compile = pydantic.Field(
            "auto",
            description="run the training forward pass through torch.compile: on, off, or auto (on CUDA only: on the CPU "
            "it did not pay for runs this short, benchmarks/bench_stand_alone.py)",
        )

    config: Config


def compile_wanted(config: StandAloneSampler.Config, device_type: str) -> bool:
    """Whether a stand-alone cell on ``device_type`` trains compiled (``auto``: on CUDA only)."""
    return config.compile == "on" or (config.compile == "auto" and device_type == "cuda")
