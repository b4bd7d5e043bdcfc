"""Progress of a running suite: cells done, each running cell's epoch and step (or evaluated subnets), and an ETA.

On a terminal one status line is redrawn in place and finished cells scroll above it;
anywhere else (CI logs, files) only plain lines are written, one per cell start, epoch,
evaluated bucket and cell end, so logs stay readable.  The ETA counts training epochs
only, and assumes the remaining epochs cost what the epochs seen so far in this
invocation cost on average (phases of progressive shrinking that train several subnets
per step cost more, so read it as a rough guide).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TextIO


def format_duration(seconds: float) -> str:
    """``42s``, ``12m05s``, ``3h07m``."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


@dataclass
class RunningCell:
    """What the display knows of one cell being trained."""

    id: str
    epochs: int
    epoch: int = 0
    step: int = 0
    steps: int = 0
    epoch_started: float = field(default_factory=time.monotonic)
    evaluated: int = 0
    """Subnets of the population evaluated so far (evaluation follows the last epoch)."""
    to_evaluate: int = 0
    bucket: str = ""


class Progress:
    """Prints progress to ``stream``; ``interactive`` (default: ``stream.isatty()``) redraws a status line."""

    def __init__(self, stream: TextIO, total_cells: int, total_epochs: int, slots: int = 1, interactive: bool | None = None) -> None:
        self.stream = stream
        self.interactive = stream.isatty() if interactive is None else interactive
        self.total_cells = total_cells
        self.epochs_left = total_epochs
        self.slots = max(1, slots)
        self.finished = 0
        self.failed = 0
        self.running: dict[str, RunningCell] = {}
        self._epoch_seconds_sum = 0.0
        self._epochs_timed = 0
        self._status_shown = False
        self._last_draw = 0.0

    # --------------------------------------------------------------- events
    def message(self, text: str) -> None:
        """A line that stays (above the status line on a terminal)."""
        self._clear_status()
        self.stream.write(text + "\n")
        self.stream.flush()
        self._draw(force=True)

    def cell_started(self, cell_id: str, epochs: int, epochs_done: int) -> None:
        self.running[cell_id] = RunningCell(cell_id, epochs, epoch=epochs_done)
        if epochs_done >= epochs:
            what = "trained; evaluating its subnets"
        else:
            what = f"training {epochs} epochs" + (f", resuming after epoch {epochs_done}" if epochs_done else "") + ", then evaluating"
        self.message(f"[{self.finished + 1}/{self.total_cells}] {cell_id}: {what}")

    def step(self, cell_id: str, epoch: int, step: int, steps: int) -> None:
        cell = self.running.get(cell_id)
        if cell is None:
            return
        if epoch != cell.epoch:
            cell.epoch, cell.epoch_started = epoch, time.monotonic()
        cell.step, cell.steps = step, steps
        if step == steps:
            self._epoch_done(cell)
        self._draw()

    def evaluating(self, cell_id: str, bucket: str, done: int, total: int) -> None:
        """``done`` of the cell's ``total`` subnets evaluated, the last in ``bucket``."""
        cell = self.running.get(cell_id)
        if cell is None:
            return
        finished_bucket = cell.bucket and bucket != cell.bucket
        if not self.interactive and finished_bucket:  # ``done`` counts the next bucket's first subnet
            self.message(f"  {cell.id}: evaluated {done - 1}/{total} subnets (bucket {cell.bucket} done)")
        if not self.interactive and done == total:
            self.message(f"  {cell.id}: evaluated {done}/{total} subnets (bucket {bucket} done)")
        cell.evaluated, cell.to_evaluate, cell.bucket = done, total, bucket
        self._draw()

    def _epoch_done(self, cell: RunningCell) -> None:
        self._epoch_seconds_sum += time.monotonic() - cell.epoch_started
        self._epochs_timed += 1
        self.epochs_left -= 1
        cell.epoch += 1
        cell.epoch_started = time.monotonic()
        cell.step = 0
        if not self.interactive:
            self.message(f"  {cell.id}: epoch {cell.epoch}/{cell.epochs} done; {self._eta_text()}")

    def cell_finished(self, cell_id: str, status: str, detail: str = "") -> None:
        cell = self.running.pop(cell_id, None)
        if status == "complete":
            self.finished += 1
        elif status == "failed":
            self.finished += 1
            self.failed += 1
        if cell is not None and status != "complete":
            self.epochs_left -= max(0, cell.epochs - cell.epoch)  # not trained in this invocation
        self.message(f"  {cell_id}: {status}{': ' + detail if detail else ''}")

    def skip(self, epochs: int) -> None:
        """Epochs of a cell that will not be trained (complete already)."""
        self.epochs_left -= epochs

    # ------------------------------------------------------------- drawing
    def eta_seconds(self) -> float | None:
        if not self._epochs_timed:
            return None
        return self._epoch_seconds_sum / self._epochs_timed * max(0, self.epochs_left) / self.slots

    def _eta_text(self) -> str:
        eta = self.eta_seconds()
        return "ETA unknown until an epoch ends" if eta is None else f"ETA ~{format_duration(eta)}"

    def status_line(self) -> str:
        parts = [f"cells {self.finished}/{self.total_cells}" + (f" ({self.failed} failed)" if self.failed else "")]
        for cell in self.running.values():
            if cell.to_evaluate:
                parts.append(f"{cell.id} evaluating subnet {cell.evaluated}/{cell.to_evaluate} (bucket {cell.bucket})")
                continue
            step = f" step {cell.step}/{cell.steps}" if cell.steps else ""
            parts.append(f"{cell.id} epoch {min(cell.epoch + 1, cell.epochs)}/{cell.epochs}{step}")
        parts.append(self._eta_text())
        return " | ".join(parts)

    def _draw(self, force: bool = False) -> None:
        if not self.interactive:
            return
        clock = time.monotonic()
        if not force and clock - self._last_draw < 0.2:
            return
        self._last_draw = clock
        self.stream.write("\r\x1b[2K" + self.status_line())
        self.stream.flush()
        self._status_shown = True

    def _clear_status(self) -> None:
        if self.interactive and self._status_shown:
            self.stream.write("\r\x1b[2K")
            self._status_shown = False

    def close(self) -> None:
        self._clear_status()
        self.stream.flush()
