"""Progress for people: a log line per epoch (and one when a cell resumes)."""

from __future__ import annotations

from typing import Any, Callable

from nasbench_rss.train.observers.base import TrainingRun, TrainObserver


class ProgressObserver(TrainObserver):
    """Logs one line per epoch: phase, loss, accuracy, learning rate, time and speed."""

    def __init__(self, log: Callable[[str], None]) -> None:
        self.log = log
        self._epochs = 0

    def on_train_start(self, run: TrainingRun) -> None:
        self._epochs = run.cell.config.epochs
        if run.start_epoch:
            self.log(f"resuming {run.directory.path} after epoch {run.start_epoch} (its checkpoint)")

    def on_epoch_end(self, epoch: int, record: dict[str, Any]) -> None:
        timing = f" {record['seconds']:.1f}s {record['images_per_second']:.0f} img/s" if "seconds" in record else ""
        self.log(
            f"epoch {epoch + 1}/{self._epochs} [{record['phase']}] loss {record['train_loss']:.4f} "
            f"acc {record['train_accuracy']:.4f} lr {record['lr_start']:.5f}{timing}"
        )
