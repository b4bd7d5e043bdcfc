"""FairNAS's strict fairness: every choice of every layer trained exactly once per step.

FairNAS (Chu et al., ICCV 2021, Algorithm 1): at each step, every layer shuffles its
choices independently; the ``m``-th subnet of the step takes the ``m``-th choice of every
layer's shuffle, so ``m`` = the number of choices per layer, every choice of every layer
is in exactly one of the step's subnets, and their gradients are summed into one update.
FairNAS's repository (xiaomi-automl/FairNAS) publishes models but no training code; an
independent re-implementation, Brococoli/FairNAS ``supernet_train_with_SF.py:64-89``
(``get_archs``), shuffles each dimension and zips the per-layer products, which makes
the same guarantee.

A choice here is a (kernel, expand) pair: 9 subnets per step in the paper's space.  FairNAS's
space has no elastic depth, so ``depth: largest`` (default) trains every layer of every
stage, the only way every layer's every choice is used.  ``depth: permuted`` also deals
each stage's depth choices in equal shares over the step's subnets (each depth
``m / len(depths)`` times, in a shuffled order); then the layers beyond a subnet's depth
are not trained in it, and only the layers every depth keeps get every choice exactly once.
"""

from __future__ import annotations

import itertools
from typing import Any, Literal

import numpy as np
import pydantic

from nasbench_rss.limits import MAX_SUBNETS_PER_STEP
from nasbench_rss.samplers.base import Phase, SamplerConfig, SamplerContext, SamplerError
from nasbench_rss.samplers.stream import StreamSampler
from nasbench_rss.space.subnet import Subnet

DepthRule = Literal["largest", "permuted"]


class StrictFairSampler(StreamSampler):
    """``strict-fair``: one shuffle of the (kernel, expand) choices per layer per step, dealt to as many subnets."""

    class Config(SamplerConfig):
        name: Literal["strict-fair"] = pydantic.Field("strict-fair", description="the sampler: FairNAS's strict fairness")
        depth: DepthRule = pydantic.Field(
            "largest",
            description="'largest': every stage at its full depth (FairNAS's space has no elastic depth); 'permuted': each "
            "stage's depth choices dealt in equal shares over the step's subnets",
        )

    config: Config

    def __init__(self, config: Config, context: SamplerContext) -> None:
        super().__init__(config, context)
        space = context.space
        self._choices = list(itertools.product(space.kernel_choices, space.expand_choices))
        m = len(self._choices)
        if m > MAX_SUBNETS_PER_STEP:
            raise SamplerError(
                f"the space has {m} (kernel, expand) choices per layer, so strict fairness trains {m} subnets per step; "
                f"allowed: at most {MAX_SUBNETS_PER_STEP}"
            )
        if config.depth == "permuted":
            for stage in range(space.n_stages):
                depths = space.stage_depth_choices(stage)
                if m % len(depths):
                    raise SamplerError(
                        f"depth: permuted deals stage {stage}'s {len(depths)} depth choices over {m} subnets per step, which "
                        f"does not divide evenly; allowed: depth: largest, or a space whose depth choices divide {m}",
                        option="depth",
                    )
        self._phases = (Phase("train", context.epochs, space, subnets_per_step=m),)

    @property
    def phases(self) -> tuple[Phase, ...]:
        return self._phases

    def draw(self, epoch: int, step: int) -> list[Subnet]:
        space, m = self.space, len(self._choices)
        if self.config.depth == "largest":
            depths = np.array([[max(space.stage_depth_choices(s))] * m for s in range(space.n_stages)])
        else:
            depths = np.array(
                [self.rng.permutation(np.repeat(space.stage_depth_choices(s), m // len(space.stage_depth_choices(s)))) for s in range(space.n_stages)]
            )
        # One shuffle of the choices per layer of the supernet: layer (s, i)'s column m is subnet m's choice there.
        deals = [[self.rng.permutation(m) for _ in range(max(space.stage_depth_choices(s)))] for s in range(space.n_stages)]
        return [
            Subnet._trusted(
                space,
                tuple(
                    tuple(self._choices[int(deals[s][i][n])] for i in range(int(depths[s][n]))) for s in range(space.n_stages)
                ),
            )
            for n in range(m)
        ]

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "choices_per_layer": [list(choice) for choice in self._choices]}
