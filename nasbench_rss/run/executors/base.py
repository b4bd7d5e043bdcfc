"""The Executor protocol: how the runner hands cells to whatever runs them.

The runner plans which cells to run and keeps the books (manifest, summary, report); an
executor only runs them.  Each :class:`Job` names a cell directory that holds its
``cell.json``; the executor arranges for :class:`nasbench_rss.cell.runner.CellRunner` to
run it somewhere (a local process, a Ray task), forwards the runner's events to the
:class:`nasbench_rss.run.progress.Progress`, and returns every job's outcome.

Its contract, which the runner's tests check for every executor:

- every job gets exactly one :class:`JobResult`: ``complete``, ``failed`` (with the error)
  or ``interrupted``;
- a cell whose process died without a word gets a ``failure.json`` from the executor
  (the runner writes its own for every failure it sees);
- on KeyboardInterrupt (Ctrl-C, or SIGTERM turned into one by the runner) it stops the
  running cells at their next safe point, marks the jobs not yet started ``interrupted``
  and returns; a second interrupt stops waiting and kills what still runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from nasbench_rss.run.progress import Progress

Outcome = Literal["complete", "failed", "interrupted"]


@dataclass(frozen=True)
class JobResult:
    """How a job ended; ``error`` is the one-line reason of a failure."""

    outcome: Outcome
    error: str = ""
    node: dict[str, Any] | None = None
    """Where the cell ran: ``hostname`` (and ``ray_node_id`` under Ray); recorded in the run's manifest."""


@dataclass(frozen=True)
class Job:
    """A cell to run: its id, directory, epochs and what is left of it (for progress)."""

    cell_id: str
    directory: Path
    epochs: int
    epochs_done: int = 0
    trained: bool = False
    """Only its evaluation is left."""


@dataclass(frozen=True)
class ExecutorContext:
    """What every executor is told besides its own options."""

    device: str
    """The run's device: auto, cpu, cuda or cuda:N."""
    jobs: int
    """Cells to run side by side (``--jobs``)."""
    allow_changed_environment: bool = False
    """Let a cell continue under other code or hardware than it started with (recorded in the cell)."""


class Executor(Protocol):
    """Runs jobs; see the module docstring for the contract."""

    def run(self, jobs: list[Job], progress: Progress) -> dict[str, JobResult]: ...
