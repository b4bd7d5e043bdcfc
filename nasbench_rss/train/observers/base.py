"""The TrainObserver protocol: how anything that watches training plugs into the loop.

The loop itself only trains; what is *measured* about training (exposure, time, progress,
logs, TensorBoard scalars, and later measures such as an interference probe) is an
observer.  Observers see the run start, every optimizer step just before its update (with the
batch, for observers that measure the update) and just after it (with the subnets trained
and their losses), the end of every epoch (and may add fields to that epoch's record, which
becomes its line in ``events.jsonl``) and the end of training (and may add fields to the
result).  An observer with state returns it from :meth:`state_dict`; it is saved in every
checkpoint under :attr:`state_key` and handed back on resume, so a resumed run measures
exactly what an uninterrupted one would.

Observers nest like context managers: they start an epoch in list order and end it in the
reverse order.  The loop puts timing last, so it starts last and ends first: no other
observer's work at an epoch boundary is counted as training time.

An observer must not change training: it must not draw from any random generator the
cell uses, or change weights, gradients or the optimizer.  Reading a loss (``.item()``)
synchronises the device; an observer that does so at every step slows training down.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ClassVar

if TYPE_CHECKING:
    import torch

    from nasbench_rss.cell.directory import CellDirectory
    from nasbench_rss.config.evaluation import EvaluationConfig
    from nasbench_rss.samplers.base import Phase
    from nasbench_rss.space.subnet import Subnet
    from nasbench_rss.runtime.build import Cell


@dataclass(frozen=True)
class TrainingRun:
    """What an observer sees of the cell it watches, at the start of training."""

    cell: Cell
    directory: CellDirectory
    start_epoch: int
    """0 for a fresh cell, else the number of epochs the resumed checkpoint holds."""
    log: Callable[[str], None]
    evaluation: EvaluationConfig | None = None
    """How the cell's population will be evaluated (buckets, tolerance, seed); None for a cell trained alone."""


@dataclass(frozen=True)
class StepInfo:
    """One optimizer step, just after the update."""

    epoch: int
    step: int
    """0-based within the epoch."""
    steps: int
    """Steps of this epoch."""
    subnets: tuple[Subnet, ...]
    """The subnets whose gradients were summed into this update."""
    losses: torch.Tensor
    """Their losses on the batch (one per subnet, on the device; reading it synchronises)."""
    images: int
    lr: float


@dataclass(frozen=True)
class UpdateInfo:
    """One optimizer step just before the update: the step's gradients are summed in ``.grad``.

    For observers that measure the update itself (the interference probe): they may run
    the model, but must leave its weights, gradients, buffers and every random generator
    as they found them.
    """

    epoch: int
    step: int
    steps: int
    subnets: tuple[Subnet, ...]
    inputs: torch.Tensor
    """The step's (augmented) training batch."""
    labels: torch.Tensor


class TrainObserver:
    """Base class with no-op hooks: override the ones you need."""

    state_key: ClassVar[str | None] = None
    """Key of this observer's state in checkpoints; None for a stateless observer."""

    def on_train_start(self, run: TrainingRun) -> None:
        """Training (or its resumption) begins; ``run.start_epoch`` epochs are done."""

    def on_epoch_start(self, epoch: int, phase: Phase) -> None:
        """Epoch ``epoch`` (0-based) of ``phase`` begins."""

    def on_before_update(self, update: UpdateInfo) -> None:
        """The step's gradients are computed and the optimizer is about to apply them."""

    def on_step(self, step: StepInfo) -> None:
        """An optimizer step was taken.  Raising ``KeyboardInterrupt`` stops the cell here."""

    def on_epoch_end(self, epoch: int, record: dict[str, Any]) -> None:
        """Epoch ``epoch`` ended; fields added to ``record`` go into its ``events.jsonl`` line."""

    def on_train_end(self, result: dict[str, Any]) -> None:
        """The last epoch ended; fields added to ``result`` go into ``result.json``."""

    def state_dict(self) -> dict[str, Any]:
        """Plain values (numbers, strings, lists, dicts) and tensors only: checkpoints are read as data."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""

    def close(self) -> None:
        """Always called when the loop ends, however it ends (release files, writers)."""
