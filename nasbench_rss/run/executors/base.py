"""The Executor protocol: how the runner hands cells to whatever runs them.

The runner plans which cells to run and keeps the books (manifest, summary, report); an
executor only runs them.  Each :class:`Job` names a cell directory that holds its
``cell.json``; the executor arranges for :class:`nasbench_rss.run.runner.CellRunner` to
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

from nasbench_rss.cell.directory import CellDirectory
from nasbench_rss.errors import NasbenchError
from nasbench_rss.limits import MAX_CELLS_PER_GPU, MAX_JOBS
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
    threads: int = 1
    """The cell's CPU threads (``training.threads``; what its provenance recorded for a cell started before that
    setting existed is the runner's business): what an executor that reserves cores reserves for it."""


@dataclass(frozen=True)
class ExecutorContext:
    """What every executor is told besides its own options."""

    device: str
    """The run's device: auto, cpu, cuda or cuda:N."""
    jobs: int
    """Cells to run side by side (``--jobs``; with ``cells_per_gpu`` > 1, at most GPUs x ``cells_per_gpu``)."""
    allow_changed_environment: bool = False
    """Let a cell continue under other code or hardware than it started with (recorded in the cell)."""
    cells_per_gpu: int = 1
    """Cells that share one GPU side by side (``--cells-per-gpu``); 1 on the CPU.  Already checked
    by the runner: > 1 only with a CUDA device, and ``jobs`` never exceeds GPUs x ``cells_per_gpu``."""


def check_slot_options(jobs: Any, cells_per_gpu: Any) -> None:
    """``--jobs`` (None: its default) and ``--cells-per-gpu`` as given: a NasbenchError naming what is allowed otherwise."""
    if isinstance(cells_per_gpu, bool) or not isinstance(cells_per_gpu, int) or not 1 <= cells_per_gpu <= MAX_CELLS_PER_GPU:
        raise NasbenchError(
            f"--cells-per-gpu: {cells_per_gpu!r} is not allowed; allowed: 1 to {MAX_CELLS_PER_GPU} (1 on the CPU; each cell holds "
            "its data and supernet in the GPU's memory)"
        )
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or not 1 <= jobs <= MAX_JOBS):
        raise NasbenchError(f"--jobs: {jobs!r} is not allowed; allowed: 1 to {MAX_JOBS} (cells side by side, a process each)")


def resolve_jobs(device: str, jobs: int | None, cells_per_gpu: int = 1, threads: int = 1) -> int:
    """How many cells run side by side, from ``--jobs``, ``--cells-per-gpu``, the GPUs ``device`` spans and the cells' threads.

    ``cells_per_gpu`` 1 (the default) keeps ``--jobs`` as given; left out, it is as many
    cells as the usable cores hold at ``threads`` each (the largest ``training.threads``
    of the cells to run) on the CPU, and 1 on CUDA.  ``cells_per_gpu`` K > 1 needs a CUDA
    device; ``--jobs`` then defaults to GPUs x K and, when given, caps the total (at most
    GPUs x K).  Raises :class:`NasbenchError` (nothing ran) for a value that is not allowed.
    """
    from nasbench_rss.runtime.device import cuda_device_count

    check_slot_options(jobs, cells_per_gpu)
    gpus = cuda_device_count(device)
    if cells_per_gpu == 1:
        if jobs is not None:
            return jobs
        return 1 if gpus else max(1, usable_cores() // max(1, threads))
    if not gpus:
        import torch

        if not torch.cuda.is_available():
            why = "this machine has none (torch.cuda.is_available() is False)"
        else:
            why = f"the run's device is {device}"
        raise NasbenchError(f"--cells-per-gpu {cells_per_gpu} needs a CUDA device; {why}; allowed: 1 on the CPU")
    slots = gpus * cells_per_gpu
    if jobs is None:
        return slots
    if jobs > slots:
        raise NasbenchError(
            f"--jobs {jobs} is more than --cells-per-gpu {cells_per_gpu} x {gpus} GPU{'s' if gpus > 1 else ''} = {slots} cells "
            f"side by side; allowed: 1 to {slots} (leave --jobs out for {slots})"
        )
    return jobs


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity mask where the OS has one)."""
    from nasbench_rss.train.observers.timing import usable_cpus

    return usable_cpus()


def oversubscription(jobs: int, threads: int) -> str | None:
    """A warning when ``jobs`` cells of ``threads`` CPU threads each need more cores than this machine lets us use."""
    cores = usable_cores()
    if jobs * threads <= cores:
        return None
    return (
        f"warning: --jobs {jobs} x training.threads {threads} = {jobs * threads} CPU threads on {cores} usable core"
        f"{'s' if cores != 1 else ''}: the cells will slow each other down (their results do not change); "
        "a smaller --jobs or training.threads avoids it"
    )


class Executor(Protocol):
    """Runs jobs; see the module docstring for the contract.

    An executor may also have ``check(jobs)``: the runner calls it before anything is
    written, and a NasbenchError from it (a job that can never run there) stops the run
    with nothing done.
    """

    def run(self, jobs: list[Job], progress: Progress) -> dict[str, JobResult]: ...


def check_jobs(executor: Any, jobs: list[Job]) -> None:
    """The executor's own ``check(jobs)``, where it has one (see :class:`Executor`)."""
    check = getattr(executor, "check", None)
    if check is not None:
        check(jobs)


def forward_event(progress: Progress, cell_id: str, kind: str, fields: list[Any]) -> bool:
    """A worker's progress message (see ``messages.MessageEvents``) as the ``Progress`` call it stands for; False if it is none."""
    calls = {"started": progress.cell_resumed, "step": progress.step, "epoch": progress.epoch_done, "evaluating": progress.evaluating}
    if kind not in calls:
        return False
    calls[kind](cell_id, *fields)
    return True


def record_worker_death(directory: Path, error: str) -> None:
    """A ``failure.json`` for a cell whose process died without a word (best effort: a full disk loses it,
    the job's outcome still says why)."""
    try:
        CellDirectory(directory).write_failure(error, "WorkerDied", "unknown")
    except NasbenchError:
        pass
