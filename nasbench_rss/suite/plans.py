"""What validation planned for each cell's sampler, kept with the suite: phases, FLOPs, data.

Validation builds every run's sampler (:mod:`nasbench_rss.suite.sampler_check`); what it
planned is kept (:class:`CellPlan`, per run, architecture, dataset and reference subnet)
so nothing builds a sampler again before the worker does: the run's ETA counts the
phases' subnet passes (:mod:`nasbench_rss.run.workload`), and ``validate`` shows the
phase plans (:class:`PhasePlan`), with what a protocol scales in epochs (phase lengths,
warm-ups) scaled to the run's length.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nasbench_rss.data.source import DatasetInfo
from nasbench_rss.samplers.base import Phase
from nasbench_rss.space.flops import FlopsTable
from nasbench_rss.train.schedule import learning_rate

PlanKey = tuple[str, str, str, "str | None"]
"""(run, architecture, dataset, reference subnet or None): a cell's plan, whatever its seed."""


@dataclass(frozen=True)
class CellPlan:
    """What a cell's sampler plans (``phases``), the FLOPs table of its space at its shape, and its dataset's description."""

    phases: tuple[Phase, ...]
    flops: FlopsTable
    info: DatasetInfo


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


def phase_plans(resolved: Any, plans: dict[PlanKey, CellPlan]) -> list[PhasePlan]:
    """A plan per run x architecture x dataset whose sampler has more than one phase, from what validation built."""
    found = []
    for run in resolved.runs:
        for arch in resolved.architectures:
            for dataset in resolved.datasets:
                plan = plans.get((run.name, arch.name, dataset.name, None))
                if plan is not None and len(plan.phases) > 1:
                    epochs = run.epochs_for(dataset.name)
                    found.append(PhasePlan(run.name, arch.name, dataset.name, epochs, run.training.lr, run.training.lr_schedule, plan.phases))
    return found
