"""CompOFA's compound sampling: depth and width coupled, kernels fixed, two phases after the supernet.

What CompOFA does (gatech-sysml/CompOFA):
- a subnet couples each stage's expand ratio to its depth (``ofa/elastic_nn/networks/ofa_mbv3.py:318-348``,
  ``sample_compound_subnet``): depth 2, 3, 4 -> expand 3, 4, 6 for every layer of the stage, the
  depth drawn per stage with weights proportional to the number of combinations (all equal here);
  in a restricted space the deepest depth keeps the widest expand, and so on down (its mapping);
- with ``--fixed_kernel`` (its README's recipe) every layer keeps MobileNetV3's own kernel per stage,
  3, 5, 3, 3, 5 (``ofa_mbv3.py:228-232``; 3 everywhere for ProxylessNAS, ``ofa_proxyless.py:229-232``);
- training starts from the full network (its ``teacher`` task) and runs two ``compound`` phases,
  each after re-organising channels (``progressive_shrinking.py:377-411``): 25 epochs at
  ``0.08 x bs/2048`` without warm-up, then 120 at ``0.24 x bs/2048`` with 5 warm-up epochs,
  4 subnets per step, distilling from the teacher with ``kd_ratio`` 1 (``train_ofa_net.py:74,137-156``).

So the phases here are OFA's supernet phase and then OFA's two expand phases' lengths, rates and
warm-ups (S/7.2 and S/1.5 epochs, the base rate over 32.5 and 10.83, warm-up 5 x S/180), on the
compound space instead of the expand-restricted one; S is derived from the run's epochs as
progressive shrinking derives it.  ``kernel: elastic`` draws each layer's kernel uniformly, as
CompOFA's elastic-kernel variant (its ``compofa-elastic`` model).  A stage of fixed depth
(ProxylessNAS's last) has no depth to couple to: its expand ratios are drawn per layer.
"""

from __future__ import annotations

from typing import Any, Literal

import pydantic

from nasbench_rss.limits import MAX_SUBNETS_PER_STEP, SubnetsPerStep
from nasbench_rss.samplers.base import Phase, SamplerConfig, SamplerContext, SamplerError
from nasbench_rss.samplers.progressive_shrinking import (
    OFA_LR_DIVISORS,
    OFA_WARMUP_START,
    REFERENCE_SUPERNET_EPOCHS,
    phase_spaces,
    round_half_up,
)
from nasbench_rss.samplers.stream import StreamSampler
from nasbench_rss.space.search_space import SearchSpace
from nasbench_rss.space.subnet import Subnet

FIXED_KERNELS: dict[str, tuple[int, ...]] = {"mobilenet-v3": (3, 5, 3, 3, 5), "proxylessnas": (3, 3, 3, 3, 3, 3)}
"""Per-stage kernels of ``--fixed_kernel`` (CompOFA ofa_mbv3.py:230, ofa_proxyless.py:231, the first entry dropped there)."""
PHASE_DIVISORS = (7.2, 1.5)
"""The two compound phases last S/7.2 and S/1.5 epochs (CompOFA: 25 and 120 after a 180-epoch teacher)."""
LR_DIVISORS = (OFA_LR_DIVISORS[3], OFA_LR_DIVISORS[4])
"""Their rates: the base over 2.6/0.08 and 2.6/0.24 (CompOFA's 0.08 and 0.24 x bs/2048 against OFA's 2.6)."""
WARMUPS_AT_REFERENCE = (0, 5)


class CompoundSampler(StreamSampler):
    """``compound``: a supernet phase, then two phases of depth-coupled subnets (CompOFA)."""

    class Config(SamplerConfig):
        name: Literal["compound"] = pydantic.Field("compound", description="the sampler: CompOFA's compound depth-width coupling")
        kernel: Literal["fixed", "elastic"] = pydantic.Field(
            "fixed", description="'fixed': MobileNetV3's kernel per stage, as CompOFA's --fixed_kernel; 'elastic': drawn per layer"
        )
        subnets_per_step: SubnetsPerStep = pydantic.Field(
            4, description=f"subnets per step in the compound phases, 1..{MAX_SUBNETS_PER_STEP} (CompOFA: 4)"
        )
        kd_ratio: float = pydantic.Field(
            1.0, ge=0, allow_inf_nan=False, description="distillation from the supernet phase's largest subnet (CompOFA: 1); 0: none"
        )
        supernet_epochs: int | None = pydantic.Field(
            None, ge=1, description="epochs of the supernet phase (S); unset: derived from the run's epochs"
        )

    config: Config

    def __init__(self, config: Config, context: SamplerContext) -> None:
        super().__init__(config, context)
        space = context.space
        self._expand_of_depth = coupling(space)
        self._kernels = fixed_kernels(space) if config.kernel == "fixed" else None
        supernet, first, second, warmup = compound_epochs(context.epochs, config.supernet_epochs)
        largest = phase_spaces(space)[0]  # progressive shrinking's supernet phase: the largest subnet only
        kd = config.kd_ratio
        common = dict(subnets_per_step=config.subnets_per_step, kd_ratio=kd, reorganize_expand_stage=0, warmup_start=OFA_WARMUP_START)
        self._phases = (
            Phase("supernet", supernet, largest, snapshot_teacher=kd > 0),
            Phase("compound-1", first, space, lr_scale=1 / LR_DIVISORS[0], **common),
            Phase("compound-2", second, space, lr_scale=1 / LR_DIVISORS[1], warmup_epochs=warmup, **common),
        )
        self._largest = space.largest()

    @property
    def phases(self) -> tuple[Phase, ...]:
        return self._phases

    def draw(self, epoch: int, step: int) -> list[Subnet]:
        index, phase = self.phase_at(epoch)
        if index == 0:
            return [self._largest]
        return [self._compound() for _ in range(phase.subnets_per_step)]

    def _compound(self) -> Subnet:
        space, rng = self.space, self.rng
        stages = []
        for s in range(space.n_stages):
            depths = space.stage_depth_choices(s)
            depth = int(depths[rng.integers(len(depths))])
            layers = []
            for _ in range(depth):
                expand = self._expand_of_depth[depth] if s not in space.fixed_depth_stages else int(rng.choice(space.expand_choices))
                kernel = self._kernels[s] if self._kernels is not None else int(rng.choice(space.kernel_choices))
                layers.append((kernel, expand))
            stages.append(tuple(layers))
        return Subnet(space, tuple(stages))

    def describe(self) -> dict[str, Any]:
        return {
            **super().describe(),
            "expand_of_depth": {str(d): e for d, e in self._expand_of_depth.items()},
            "fixed_kernels": None if self._kernels is None else list(self._kernels),
        }


def coupling(space: SearchSpace) -> dict[int, int]:
    """Depth -> expand, the deepest to the widest (CompOFA: 2 -> 3, 3 -> 4, 4 -> 6; depths 3, 4 alone -> 4, 6 as its mapping)."""
    depths, expands = sorted(space.depth_choices), sorted(space.expand_choices)
    if len(depths) > len(expands):
        raise SamplerError(
            f"compound couples each depth choice to its own expand choice, but the space has depths {depths} and only "
            f"expands {expands}; allowed: at most as many depth choices as expand choices"
        )
    return dict(zip(depths, expands[len(expands) - len(depths) :]))


def fixed_kernels(space: SearchSpace) -> tuple[int, ...]:
    """CompOFA's per-stage kernels for ``space``'s architecture, checked against its kernel choices."""
    kernels = FIXED_KERNELS.get(space.architecture)
    if kernels is None or len(kernels) != space.n_stages:
        raise SamplerError(
            f"kernel: fixed has no per-stage kernels for {space.architecture} ({space.n_stages} stages); allowed: "
            f"kernel: elastic, or an architecture among {', '.join(FIXED_KERNELS)}",
            option="kernel",
        )
    missing = sorted(set(kernels) - set(space.kernel_choices))
    if missing:
        raise SamplerError(
            f"kernel: fixed uses kernels {list(kernels)}, but the space's kernel choices {list(space.kernel_choices)} lack "
            f"{missing}; allowed: kernel: elastic",
            option="kernel",
        )
    return kernels


def compound_epochs(epochs: int, supernet_epochs: int | None = None) -> tuple[int, int, int, int]:
    """Supernet, compound-1 and compound-2 epochs (warm-up included) and compound-2's warm-up for a run of ``epochs``."""

    def split(s: int) -> tuple[int, int, int, int]:
        warmup = round_half_up(WARMUPS_AT_REFERENCE[1] * s / REFERENCE_SUPERNET_EPOCHS)
        first = max(1, round_half_up(s / PHASE_DIVISORS[0]))
        second = max(1, round_half_up(s / PHASE_DIVISORS[1])) + warmup
        return s, first, second, warmup

    if supernet_epochs is not None:
        plan = split(supernet_epochs)
        if sum(plan[:3]) != epochs:
            raise SamplerError(
                f"supernet_epochs: {supernet_epochs} implies {plan[0]} + {plan[1]} + {plan[2]} = {sum(plan[:3])} epochs, but the "
                f"run has epochs {epochs}; set epochs to {sum(plan[:3])} or leave supernet_epochs unset",
                option="supernet_epochs",
            )
        return plan
    rate = 1 + sum(1 / d for d in PHASE_DIVISORS) + WARMUPS_AT_REFERENCE[1] / REFERENCE_SUPERNET_EPOCHS
    _, first, second, warmup = split(max(1, round_half_up(epochs / rate)))
    supernet = epochs - first - second
    if supernet < 1:
        raise SamplerError(f"epochs: {epochs} too few for compound's supernet and two compound phases; allowed: >= 3")
    return supernet, first, second, warmup
