"""The phase plans a suite's runs would train: epochs, warm-ups, learning rates, distillation.

A protocol scales what is counted in epochs (phase lengths, warm-ups) to a run's length;
``validate`` shows the scaled values here, before anything trains, from the same sampler
objects the trainer builds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nasbench_rss.plugins import PluginRegistry
from nasbench_rss.samplers.base import Phase
from nasbench_rss.suite.sampler_check import build_phases, sampler_builds
from nasbench_rss.train.schedule import learning_rate


@dataclass(frozen=True)
class PhasePlan:
    """The phases of one run on one architecture and dataset (only runs with more than one phase)."""

    run: str
    arch: str
    dataset: str
    epochs: int
    base_lr: float
    schedule: str
    phases: tuple[Phase, ...]

    def rows(self) -> list[dict[str, Any]]:
        """Per phase: epochs, warm-up, the rate at its first step and at its last epoch's first step, per step, sorting, teacher."""
        rows = []
        for phase in self.phases:
            rate = self.base_lr * phase.lr_scale

            def at(epoch: int) -> float:
                return learning_rate(
                    rate, epoch, phase.epochs, self.schedule, phase.warmup_epochs,  # one step per epoch: exact at epoch starts
                    warmup_start=phase.warmup_start, cosine_offset=phase.cosine_start, cosine_steps=phase.cosine_epochs,
                )  # fmt: skip

            rows.append(
                {
                    "phase": phase.name,
                    "epochs": phase.epochs,
                    "warmup_epochs": phase.warmup_epochs,
                    "lr_start": at(0),
                    "lr_last_epoch": at(phase.epochs - 1),
                    "subnets_per_step": phase.subnets_per_step,
                    "sorts_channels": phase.reorganize_expand_stage is not None,
                    "kd_ratio": phase.kd_ratio,
                    "teacher": phase.teacher if phase.kd_ratio > 0 else None,
                }
            )
        return rows


def phase_plans(suite: Any, registry: PluginRegistry, infos: dict[str, Any]) -> list[PhasePlan]:
    """A plan per run x architecture x dataset whose sampler has more than one phase (a valid suite's samplers all build)."""
    plans = []
    for run, arch, dataset, epochs, shape in sampler_builds(suite.resolved, infos):
        phases = build_phases(run.sampler, run.options, epochs, arch.name, arch.space, shape, registry)
        if isinstance(phases, tuple) and len(phases) > 1:
            plans.append(PhasePlan(run.name, arch.name, dataset.name, epochs, run.training.lr, run.training.lr_schedule, phases))
    return plans
