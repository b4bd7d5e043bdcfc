"""Per-epoch scalars of a cell in TensorBoard's format (``CELL_DIR/tensorboard``).

A built-in observer plugin, registered like a third party's would be, to show that what
watches training plugs in through the observer seam rather than into the loop.  It needs
the ``tensorboard`` package (``pip install 'nasbench-rss[tensorboard]'``); torch's own
``torch.utils.tensorboard`` writes the files.  A resumed cell purges the scalars written
after its checkpoint, so a killed run leaves no duplicates.

    tensorboard --logdir runs/quick/cells
"""

from __future__ import annotations

from typing import Any

import pydantic

from nasbench_rss.cell.directory import TENSORBOARD_DIR
from nasbench_rss.errors import NasbenchError
from nasbench_rss.train.observers.base import TrainingRun, TrainObserver

DESCRIPTION = "TensorBoard scalars per epoch (loss, accuracy, learning rate, time, exposure) in CELL_DIR/tensorboard"


class TensorBoardOptions(pydantic.BaseModel):
    """What the TensorBoard observer writes."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)

    exposure: bool = pydantic.Field(True, description="also write the cumulative optimizer steps per MFLOP bucket")


def require_tensorboard() -> Any:
    """torch's SummaryWriter; an error saying how to install it when the package is missing."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as error:
        raise NasbenchError(
            f"observer 'tensorboard' needs the tensorboard package ({error}); install it with "
            "pip install 'nasbench-rss[tensorboard]'"
        ) from None
    return SummaryWriter


class TensorBoardObserver(TrainObserver):
    """Writes each epoch's record as scalars, the epoch number (1-based) as the step."""

    def __init__(self, options: TensorBoardOptions | None = None) -> None:
        self.options = options or TensorBoardOptions()
        self._writer_class = require_tensorboard()
        self._writer = None

    def on_train_start(self, run: TrainingRun) -> None:
        # purge_step: scalars of epochs after the checkpoint (from a killed run) are dropped.
        self._writer = self._writer_class(log_dir=str(run.directory.file(TENSORBOARD_DIR)), purge_step=run.start_epoch + 1)

    def on_epoch_end(self, epoch: int, record: dict[str, Any]) -> None:
        step = epoch + 1
        write = self._writer.add_scalar
        write("train/loss", record["train_loss"], step)
        write("train/accuracy", record["train_accuracy"], step)
        write("train/lr", record["lr_start"], step)
        if "seconds" in record:
            write("time/epoch_seconds", record["seconds"], step)
            write("time/images_per_second", record["images_per_second"], step)
        if self.options.exposure:
            for bucket, steps in (record.get("exposure_buckets") or {}).items():
                write(f"exposure/steps_bucket_{bucket}", steps, step)
        self._writer.flush()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
