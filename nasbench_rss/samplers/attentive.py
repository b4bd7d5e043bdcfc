"""AttentiveNAS's attentive sampling (best-up / worst-up) inside the sandwich rule.

What AttentiveNAS's training step does (facebookresearch/AttentiveNAS,
``train_attentive_nas.py:273-300``, ``sampler/attentive_nas_sampler.py:90-122``): the largest
subnet first and the smallest last, as the sandwich rule; each subnet in between is
chosen by drawing a target FLOPs value (``sample_one_target_flops``: by default as likely as
a random subnet's FLOPs are to fall there), ``num_trials`` candidate subnets with those
FLOPs (``sample_archs_according_to_flops``), their losses on the step's batch without
gradient, and the candidate with the lowest loss (``bestup``) or the highest (``worstup``).
Its config (``configs/train_attentive_nas_models.yml``) trains 4 subnets per step with
``num_trials: 3`` and ``inplace_distill: True``: our defaults.

The candidates' losses come through the sampler protocol's feedback seam
(:meth:`~nasbench_rss.samplers.base.Sampler.candidates` and ``feedback``): the trainer
measures them as AttentiveNAS does (train mode, no gradient, dropout off).

Where we differ: AttentiveNAS discretises FLOPs in steps of 25 MFLOPs (``discretize_step``)
from a file of random architectures' FLOPs, and draws a candidate by rejection, keeping the
last try when 100 miss (``:100-120``); we use 1-MFLOP bins of the space's exact FLOPs table
and draw candidates exactly within the bin (:mod:`nasbench_rss.samplers.flops_bins`).
"""

from __future__ import annotations

from typing import Any, Literal

import pydantic

from nasbench_rss.limits import MAX_SUBNETS_PER_STEP
from nasbench_rss.samplers.base import Phase, SamplerConfig, SamplerContext, SamplerError
from nasbench_rss.samplers.flops_bins import BinCentres, BinTolerance, BinWeighting, FlopsBins
from nasbench_rss.samplers.options import Distribution
from nasbench_rss.samplers.stream import StreamSampler
from nasbench_rss.space.buckets import PAPER_TOLERANCE
from nasbench_rss.space.subnet import Subnet

MAX_CANDIDATES = 64
"""Candidates per pick at most: each is a forward pass on the batch at every step."""


class AttentiveSampler(StreamSampler):
    """``attentive``: largest, ``k`` subnets picked by loss among candidates of a FLOPs bin, smallest."""

    class Config(SamplerConfig):
        name: Literal["attentive"] = pydantic.Field("attentive", description="the sampler: AttentiveNAS's best-up / worst-up")
        method: Literal["best-up", "worst-up"] = pydantic.Field(
            "best-up", description="pick the candidate with the lowest loss (best-up) or the highest (worst-up)"
        )
        k: int = pydantic.Field(
            2, ge=1, le=MAX_SUBNETS_PER_STEP - 2, description="attentive picks per step between the largest and the smallest (AttentiveNAS: 2)"
        )
        candidates: int = pydantic.Field(
            3, ge=1, le=MAX_CANDIDATES, description=f"candidates per pick, 1..{MAX_CANDIDATES} (AttentiveNAS num_trials: 3)"
        )
        target: BinWeighting = pydantic.Field(
            "prior",
            description="how a pick's FLOPs bin is drawn: 'prior' as likely as a random subnet lands there (AttentiveNAS's "
            "default), 'uniform' each bin alike (its flops_uniform)",
        )
        buckets: BinCentres = None
        tolerance: BinTolerance = PAPER_TOLERANCE
        inplace_distillation: bool = pydantic.Field(
            True, description="every subnet but the largest learns only from the largest's outputs (AttentiveNAS inplace_distill)"
        )
        distribution: Distribution = "per-dimension"

    config: Config

    def __init__(self, config: Config, context: SamplerContext) -> None:
        super().__init__(config, context)
        self.bins = FlopsBins.build(context.flops, config.distribution, config.buckets, config.tolerance)
        self._largest, self._smallest = context.space.largest(), context.space.smallest()
        self._phases = (
            Phase("train", context.epochs, context.space, subnets_per_step=config.k + 2, inplace_distillation=config.inplace_distillation),
        )
        self._asked: tuple[tuple[int, int], list[Subnet]] | None = None
        self._picked: tuple[tuple[int, int], list[Subnet]] | None = None

    @property
    def phases(self) -> tuple[Phase, ...]:
        return self._phases

    def candidates(self, epoch: int, step: int) -> list[Subnet]:
        position = self.next_position(epoch, step, "candidates")
        asked = []
        for _ in range(self.config.k):
            asked += self.bins.draw(self.bins.pick(self.rng, self.config.target), self.config.candidates, self.rng)
        self._asked = (position, asked)
        return list(asked)

    def feedback(self, epoch: int, step: int, candidates: list[Subnet], losses: list[float]) -> None:
        position = (int(epoch), int(step))
        if self._asked is None or self._asked[0] != position or list(candidates) != self._asked[1]:
            raise SamplerError(f"feedback(epoch={epoch}, step={step}): not the candidates this sampler asked for at that step")
        n = self.config.candidates
        if len(losses) != len(candidates):
            raise SamplerError(f"feedback(epoch={epoch}, step={step}): {len(losses)} losses for {len(candidates)} candidates")
        choose = min if self.config.method == "best-up" else max
        picked = []
        for start in range(0, len(candidates), n):
            group = range(start, start + n)
            picked.append(candidates[choose(group, key=lambda i: losses[i])])
        self._picked = (position, picked)

    def draw(self, epoch: int, step: int) -> list[Subnet]:
        if self._picked is None or self._picked[0] != (epoch, step):
            raise SamplerError(
                f"subnets(epoch={epoch}, step={step}) before the candidates' losses were given: attentive sampling picks by "
                "loss; call candidates() and feedback() first (the trainer does)"
            )
        picked = self._picked[1]
        self._asked = self._picked = None
        return [self._largest, *picked, self._smallest]

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "bins": self.bins.describe()}
