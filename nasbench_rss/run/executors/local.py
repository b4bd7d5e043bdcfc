"""The local executor: cells run by worker processes on this machine, ``--jobs`` at a time.

Workers are forked from a fork server that has torch and the training code imported (see
``worker.py``), each in a process of its own.  With several GPUs each job slot gets its
own device (``cuda:0``, ``cuda:1``, ...); with ``--cells-per-gpu K`` up to K slots share
each GPU.  Every cell runs with its own ``training.threads`` CPU threads, whatever the
slot: ``--jobs`` decides how many cells run at once, never what a cell computes.

Ctrl-C (or SIGTERM, turned into the same) asks every running worker to stop at its next
step, marks the cells not yet started ``interrupted`` and waits for the workers, at most
:data:`STOP_GRACE_SECONDS`; a second Ctrl-C kills them at once.  Each keeps its last
per-epoch checkpoint, so rerunning resumes.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import socket
import sys
import time
import types
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import pydantic

from nasbench_rss.cell.directory import WORKER_LOG
from nasbench_rss.limits import WaitSeconds
from nasbench_rss.run.executors.base import ExecutorContext, Job, JobResult, Outcome, forward_event, record_worker_death
from nasbench_rss.run.progress import Progress

STOP_GRACE_SECONDS = 60.0
"""How long stopped workers get to reach their next step before they are killed."""
WORKER_MODULE = "nasbench_rss.run.executors.worker"


class LocalOptions(pydantic.BaseModel):
    """Options of the local executor."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)

    stop_grace_seconds: WaitSeconds = pydantic.Field(
        STOP_GRACE_SECONDS, gt=0, description="after Ctrl-C, how long workers get to reach their next step"
    )


def job_slots(device: str, jobs: int, cells_per_gpu: int = 1) -> list[str]:
    """The device of each of ``jobs`` slots.

    ``auto``/``cuda`` with several GPUs spreads the slots over them; a named device
    (``cuda:1``, ``cpu``) is shared by all slots.  ``cells_per_gpu`` K > 1 (checked by
    :func:`~nasbench_rss.run.executors.base.resolve_jobs`: a CUDA device, ``jobs`` at most
    GPUs x K) puts up to K slots on each GPU, spread round-robin (``cuda:0``, ``cuda:1``,
    ``cuda:0``, ...).  A slot's CPU threads are not the slot's to choose: each cell runs
    with its own ``training.threads``.
    """
    import torch

    from nasbench_rss.run.executors.base import resolve_jobs
    from nasbench_rss.runtime.device import cuda_device_count

    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    if cells_per_gpu > 1:
        resolve_jobs(device, jobs, cells_per_gpu)  # refuses K > 1 without CUDA and jobs over GPUs x K
        names = [f"cuda:{index}" for index in range(cuda_device_count(device))] if device in ("auto", "cuda") else [device]
        return [names[slot % len(names)] for slot in range(jobs)]
    gpus = torch.cuda.device_count() if device in ("auto", "cuda") and torch.cuda.is_available() else 0
    if gpus:
        return [f"cuda:{slot % gpus}" for slot in range(jobs)]
    return [device] * jobs


def worker_context() -> multiprocessing.context.BaseContext:
    """The fork-server context workers start from (started now, so its imports overlap the run's setup)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([WORKER_MODULE])
    from multiprocessing import forkserver

    forkserver.ensure_running()
    return context


@dataclass
class _Running:
    job: Job
    slot: int
    process: Any
    conn: Any
    outcome: Outcome | None = None
    error: str = ""
    exited: bool = False
    drained: bool = False


class LocalExecutor:
    """Runs :class:`Job` s in forked worker processes and reports to a :class:`Progress`."""

    def __init__(self, options: LocalOptions | None, context: ExecutorContext) -> None:
        self.options = options or LocalOptions()
        self.context = context
        self.slots = job_slots(context.device, context.jobs, context.cells_per_gpu)

    def run(self, jobs: list[Job], progress: Progress) -> dict[str, JobResult]:
        pending = deque(jobs)
        free = list(range(len(self.slots)))
        running: dict[int, _Running] = {}
        outcomes: dict[str, JobResult] = {}
        stopping = False
        kill_at: float | None = None
        processes = worker_context() if jobs else None
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            while running or (pending and not stopping):
                try:
                    while pending and free and not stopping:
                        slot = free.pop(0)
                        running[slot] = self._start(processes, pending.popleft(), slot, progress)
                    self._pump(running, progress, timeout=0.5)
                    for slot, item in list(running.items()):
                        if item.exited and item.drained:
                            outcomes[item.job.cell_id] = self._finish(item, progress, stopping)
                            del running[slot]
                            free.append(slot)
                            free.sort()
                    if kill_at is not None and time.monotonic() > kill_at:
                        self._kill(running, progress, f"still running {self.options.stop_grace_seconds:g} s after the stop request")
                        kill_at = None
                except KeyboardInterrupt:
                    if not stopping:
                        stopping = True
                        kill_at = time.monotonic() + self.options.stop_grace_seconds
                        progress.message(
                            "interrupted: stopping the running cells at their next step (Ctrl-C again to kill them); "
                            f"{len(pending)} cells not started"
                        )
                        for item in running.values():
                            _signal(item.process, signal.SIGINT)
                    else:
                        self._kill(running, progress, "a second interrupt")
        finally:
            signal.signal(signal.SIGTERM, previous)
        for job in pending:
            outcomes[job.cell_id] = JobResult("interrupted")
        return outcomes

    # ------------------------------------------------------------------ workers
    def _start(self, processes: Any, job: Job, slot: int, progress: Progress) -> _Running:
        from nasbench_rss.run.executors.worker import worker_main

        receive, send = processes.Pipe(duplex=False)
        process = processes.Process(
            target=worker_main,
            args=(send, str(job.directory), self.slots[slot], self.context.allow_changed_environment, dict(os.environ), os.getcwd()),
            name=f"nasbench-rss {job.cell_id}",
            daemon=True,
        )
        with _main_module_hidden():
            process.start()
        send.close()
        progress.cell_started(job.cell_id, job.epochs, job.epochs if job.trained else job.epochs_done)
        return _Running(job, slot, process, receive)

    def _pump(self, running: dict[int, _Running], progress: Progress, timeout: float) -> None:
        """Handle every message that arrives within ``timeout``; note which workers ended."""
        waiting = {item.conn: item for item in running.values() if not item.drained}
        sentinels = {item.process.sentinel: item for item in running.values() if not item.exited}
        if not waiting and not sentinels:
            return
        for ready in multiprocessing.connection.wait([*waiting, *sentinels], timeout=timeout):
            if ready in sentinels:
                sentinels[ready].exited = True
                continue
            self._drain(waiting[ready], progress)
        for item in running.values():  # a worker that exited has sent everything it will
            if item.exited and not item.drained:
                self._drain(item, progress)
                item.drained = True

    def _drain(self, item: _Running, progress: Progress) -> None:
        """Handle every message waiting on ``item``'s pipe; at its end (EOF) it is drained."""
        try:
            while item.conn.poll():
                self._handle(item, item.conn.recv(), progress)
        except (EOFError, OSError):
            item.drained = True

    def _handle(self, item: _Running, message: tuple[Any, ...], progress: Progress) -> None:
        kind, *fields = message
        if kind == "done":
            item.outcome, item.error = fields
        else:
            forward_event(progress, item.job.cell_id, kind, fields)

    def _finish(self, item: _Running, progress: Progress, stopping: bool) -> JobResult:
        item.process.join()
        item.conn.close()
        cell_id, directory = item.job.cell_id, item.job.directory
        outcome = item.outcome
        if outcome is None:  # the worker died without a word (killed, segfault, out of memory)
            code = item.process.exitcode
            how = f"signal {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit code {code}"
            if stopping:
                outcome = "interrupted"
            else:
                outcome = "failed"
                item.error = f"worker died ({how}); see {directory / WORKER_LOG}"
                record_worker_death(directory, item.error)
        if outcome == "complete":
            progress.cell_finished(cell_id, "complete")
        elif outcome == "interrupted":
            progress.cell_finished(cell_id, "interrupted", "rerun to resume from its last checkpoint")
        else:
            progress.cell_finished(cell_id, "failed", " ".join(item.error.split())[:200])
        return JobResult(outcome, item.error if outcome == "failed" else "", node={"hostname": socket.gethostname()})

    def _kill(self, running: dict[int, _Running], progress: Progress, why: str) -> None:
        alive = [item for item in running.values() if item.process.is_alive()]
        if alive:
            progress.message(f"killing {len(alive)} worker(s) ({why}); each cell resumes from its last checkpoint")
        for item in alive:
            _signal(item.process, signal.SIGKILL)


@contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Keep multiprocessing from re-running the caller's main script in the worker.

    A forkserver (like spawn) child imports the parent's ``__main__`` from its file so that
    pickled objects defined there resolve; a user's script calling ``run_suite`` without an
    ``if __name__ == "__main__"`` guard would then run again, training again, in every
    worker.  A worker needs nothing from ``__main__`` (its target is
    :func:`worker.worker_main`), so for the moment of starting it the parent shows
    multiprocessing a blank ``__main__``.
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def _signal(process: Any, signum: int) -> None:
    try:
        if process.pid is not None:
            os.kill(process.pid, signum)
    except ProcessLookupError:
        pass


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")
