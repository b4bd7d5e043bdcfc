"""Progress of a running suite: cells done, each running cell's epoch and step (or evaluated subnets), and an ETA.

On a terminal one status line is redrawn in place and finished cells scroll above it;
anywhere else (CI logs, files) only plain lines are written, one per cell start, epoch,
evaluated bucket and cell end, so logs stay readable.

The ETA is work left times the time per unit of work seen so far, for training and
evaluation separately.  Training work is counted in *subnet passes* (one forward and
backward pass of one subnet on one batch), so an epoch of progressive shrinking that
trains four subnets per step counts four times an RSS epoch, and an ETA made while a
progressive-shrinking cell trained is not several times off for the RSS cells after it.
Evaluation work is counted in subnets.  Cells run side by side share the remaining work.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TextIO


def format_duration(seconds: float) -> str:
    """``42s``, ``12m05s``, ``3h07m``."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


@dataclass(frozen=True)
class Workload:
    """What a cell costs: subnet passes of each epoch, and subnets its evaluation measures."""

    epoch_passes: tuple[int, ...]
    subnets: int

    def passes_after(self, epochs_done: int) -> int:
        return sum(self.epoch_passes[epochs_done:])


@dataclass
class CellProgress:
    """What the display knows of one cell to do."""

    id: str
    epochs: int
    workload: Workload
    epoch: int = 0
    """Epochs done."""
    step: int = 0
    steps: int = 0
    running: bool = False
    evaluated: int = 0
    to_evaluate: int = 0
    bucket: str = ""
    evaluation_clock: tuple[float, int] | None = None
    """(time, subnets done) at the first evaluation message: where this cell's evaluation timing starts."""

    @property
    def passes_left(self) -> int:
        return self.workload.passes_after(self.epoch)

    @property
    def subnets_left(self) -> int:
        return max(0, (self.to_evaluate or self.workload.subnets) - self.evaluated)


class Progress:
    """Prints progress to ``stream``; ``interactive`` (default: ``stream.isatty()``) redraws a status line."""

    def __init__(self, stream: TextIO, total_cells: int, slots: int = 1, interactive: bool | None = None) -> None:
        self.stream = stream
        self.interactive = stream.isatty() if interactive is None else interactive
        self.total_cells = total_cells
        self.slots = max(1, slots)
        self.finished = 0
        self.failed = 0
        self.numbered = 0
        """Cells started or passed over so far: the next started cell is number ``numbered + 1``."""
        self.cells: dict[str, CellProgress] = {}
        self._train_seconds = 0.0
        self._train_passes = 0
        self._eval_seconds = 0.0
        self._eval_subnets = 0
        self._status_shown = False
        self._last_draw = 0.0

    # --------------------------------------------------------------- events
    def message(self, text: str) -> None:
        """A line that stays (above the status line on a terminal)."""
        self._clear_status()
        self.stream.write(text + "\n")
        self.stream.flush()
        self._draw(force=True)

    def add(self, cell_id: str, epochs: int, workload: Workload, epochs_done: int = 0, evaluated: bool = False) -> None:
        """A cell this invocation will run (its remaining work counts in the ETA)."""
        cell = CellProgress(cell_id, epochs, workload, epoch=epochs_done)
        if evaluated:
            cell.evaluated = workload.subnets
        self.cells[cell_id] = cell

    def skipped(self, failed: bool = False) -> None:
        """A cell this invocation does not run (complete, damaged, not trained): it counts as done, and in the numbering."""
        self.finished += 1
        self.numbered += 1
        self.failed += int(failed)

    def cell_started(self, cell_id: str, epochs: int, epochs_done: int) -> None:
        """A cell starts: numbered in the order cells start, so cells started side by side read [1/N], [2/N], ..."""
        cell = self.cells.setdefault(cell_id, CellProgress(cell_id, epochs, Workload((0,) * epochs, 0), epoch=epochs_done))
        cell.running, cell.epoch = True, epochs_done
        self.numbered += 1
        if epochs_done >= epochs:
            what = "trained; evaluating its subnets"
        else:
            what = f"training {epochs} epochs" + (f", resuming after epoch {epochs_done}" if epochs_done else "") + ", then evaluating"
        self.message(f"[{self.numbered}/{self.total_cells}] {cell_id}: {what}")

    def cell_resumed(self, cell_id: str, epochs_done: int, epochs: int) -> None:
        """The worker loaded the cell: ``epochs_done`` is its checkpoint's count."""
        cell = self.cells.get(cell_id)
        if cell is not None:
            cell.epoch = epochs_done

    def step(self, cell_id: str, epoch: int, step: int, steps: int) -> None:
        cell = self.cells.get(cell_id)
        if cell is None:
            return
        cell.epoch, cell.step, cell.steps = epoch, step, steps
        self._draw()

    def epoch_done(self, cell_id: str, epoch: int, seconds: float, passes: int) -> None:
        cell = self.cells.get(cell_id)
        if cell is None:
            return
        self._train_seconds += seconds
        self._train_passes += passes
        cell.epoch, cell.step = epoch + 1, 0
        if not self.interactive:
            self.message(f"  {cell.id}: epoch {cell.epoch}/{cell.epochs} done; {self._eta_text()}")
        self._draw()

    def evaluating(self, cell_id: str, bucket: str, done: int, total: int) -> None:
        """``done`` of the cell's ``total`` subnets evaluated, the last in ``bucket``."""
        cell = self.cells.get(cell_id)
        if cell is None:
            return
        clock = time.monotonic()
        if cell.evaluation_clock is None:
            cell.evaluation_clock = (clock, done)
        else:
            started, first = cell.evaluation_clock
            self._eval_seconds += clock - started
            self._eval_subnets += done - first
            cell.evaluation_clock = (clock, done)
        finished_bucket = cell.bucket and bucket != cell.bucket
        if not self.interactive and finished_bucket:  # ``done`` counts the next bucket's first subnet
            self.message(f"  {cell.id}: evaluated {done - 1}/{total} subnets ({_part(cell.bucket)} done)")
        if not self.interactive and done == total:
            self.message(f"  {cell.id}: evaluated {done}/{total} subnets ({_part(bucket)} done)")
        cell.evaluated, cell.to_evaluate, cell.bucket = done, total, bucket
        self._draw()

    def cell_finished(self, cell_id: str, status: str, detail: str = "") -> None:
        self.cells.pop(cell_id, None)
        if status in ("complete", "failed"):
            self.finished += 1
        if status == "failed":
            self.failed += 1
        self.message(f"  {cell_id}: {status}{': ' + detail if detail else ''}")

    # ------------------------------------------------------------- drawing
    def eta_seconds(self) -> float | None:
        """Seconds left for the work whose rate is known, or None until an epoch or a subnet was timed."""
        if not self._train_passes and not self._eval_subnets:
            return None
        train, evaluate = self._remaining()
        return ((train or 0.0) + (evaluate or 0.0)) / self.slots

    def _remaining(self) -> tuple[float | None, float | None]:
        """(training seconds, evaluation seconds) left; None where nothing was timed yet."""
        passes = sum(cell.passes_left for cell in self.cells.values())
        subnets = sum(cell.subnets_left for cell in self.cells.values())
        train = passes * self._train_seconds / self._train_passes if self._train_passes else (0.0 if not passes else None)
        evaluate = subnets * self._eval_seconds / self._eval_subnets if self._eval_subnets else (0.0 if not subnets else None)
        return train, evaluate

    def _eta_text(self) -> str:
        eta = self.eta_seconds()
        if eta is None:
            return "ETA unknown until an epoch ends"
        train, evaluate = self._remaining()
        untimed = " + evaluation" if evaluate is None else (" + training" if train is None else "")
        return f"ETA ~{format_duration(eta)}{untimed}"

    def status_line(self) -> str:
        parts = [f"cells {self.finished}/{self.total_cells}" + (f" ({self.failed} failed)" if self.failed else "")]
        for cell in self.cells.values():
            if not cell.running:
                continue
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


def _part(label: str) -> str:
    """What an evaluation label names: a bucket, or a learning curve's point (``curve point at epoch N``)."""
    return label if label.startswith("curve") else f"bucket {label}"
