"""The ``ray`` executor: each cell is one Ray task, on a local Ray instance or a cluster.

Without an ``address`` it starts a Ray instance on this machine (``--jobs`` cells side by
side, each reserving its ``training.threads`` cores, or ``num_cpus_per_cell``; a task's torch
threads are the cell's ``training.threads`` either way) and shuts it down at the end; with one
(``--ray-address HOST:6379``, or ``auto``) it connects to that cluster, whose resources
decide how many cells run at once.  The run directory must be on storage every node sees
at the same path: a task runs :class:`~nasbench_rss.run.runner.CellRunner` on its cell's
directory there.

A task whose worker or node dies is retried by Ray (``max_retries``) and resumes from the
cell's last checkpoint (the cell's ``flock`` died with its holder); a cell still dead after
that is ``failed`` with a ``failure.json``.  Ctrl-C asks every running task to stop at its
next step (tasks not started return at once), waits at most ``stop_grace_seconds``, then
cancels what still runs; a second Ctrl-C cancels at once.  Each cell keeps its last
checkpoint and is ``interrupted``.
"""

from __future__ import annotations

import math
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Optional

import pydantic

from nasbench_rss.cell.directory import WORKER_LOG
from nasbench_rss.errors import NasbenchError
from nasbench_rss.limits import CpusPerCell, GpusPerCell, Retries, WaitSeconds
from nasbench_rss.run.executors.base import ExecutorContext, Job, JobResult, forward_event, record_worker_death
from nasbench_rss.run.progress import Progress

INSTALL_HINT = "pip install 'nasbench-rss[ray]'"
STOP_GRACE_SECONDS = 60.0
POLL_SECONDS = 0.5


class RayOptions(pydantic.BaseModel):
    """Options of the ray executor (``--ray-address``, or the suite's ``executor: {name: ray, options: ...}``)."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)

    address: Optional[str] = pydantic.Field(
        None,
        description="the Ray cluster to connect to (HOST:PORT, ray://HOST:PORT or auto); unset or local: a Ray instance on this machine for the run",
    )
    num_cpus_per_cell: Optional[CpusPerCell] = pydantic.Field(
        None, description="CPU cores each cell's task reserves; unset: the cell's training.threads (its torch threads are those either way)"
    )
    num_gpus_per_cell: Optional[GpusPerCell] = pydantic.Field(
        None, description="GPUs each cell's task reserves; unset: 1 / --cells-per-gpu when the run's device is cuda (or auto with a GPU here), else 0"
    )
    max_retries: Retries = pydantic.Field(3, description="times Ray reruns a cell whose worker or node died (it resumes from its last checkpoint)")
    lock_wait_seconds: WaitSeconds = pydantic.Field(
        120.0,
        description="how long a task waits for a cell lock held elsewhere (a dead node's, until the shared file system releases it)",
    )  # fmt: skip
    stop_grace_seconds: WaitSeconds = pydantic.Field(
        STOP_GRACE_SECONDS, gt=0, description="after Ctrl-C, how long tasks get to reach their next step before they are cancelled"
    )

    @pydantic.field_validator("address")
    @classmethod
    def _address(cls, value: Optional[str]) -> Optional[str]:
        if value is None:
            return value
        value = value.strip()
        if value in ("auto", "local"):
            return value
        host, sep, port = value.removeprefix("ray://").rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{value!r} is not a Ray address; allowed: HOST:PORT (e.g. head-node:6379), ray://HOST:PORT or auto")
        return value


class RayUnavailable(NasbenchError):
    """ray is not installed, or its cluster cannot be reached."""


class RayCellTooLarge(NasbenchError):
    """A cell asks for more CPUs or GPUs than any node of the Ray cluster has: nothing ran."""


def import_ray() -> Any:
    try:
        import ray
    except ImportError as error:
        raise RayUnavailable(f"the ray executor needs Ray, which is not installed ({error}); install it with `{INSTALL_HINT}`") from None
    return ray


@dataclass
class _Task:
    job: Job
    ref: Any
    node: dict[str, Any] = field(default_factory=dict)
    running: bool = False


class RayExecutor:
    """Runs :class:`Job` s as Ray tasks and reports to a :class:`Progress`."""

    def __init__(self, options: RayOptions | None, context: ExecutorContext) -> None:
        self.options = options or RayOptions()
        self.context = context
        self.ray = import_ray()
        self._joined = False
        if self.options.address not in (None, "local"):  # a cluster that cannot be reached is an error before anything runs
            self._joined = self._connect()

    # ------------------------------------------------------------------ setup
    def _connect(self, threads: int = 1) -> bool:
        """Start or join Ray; True when this executor did (and so shuts it down at the end).

        A Ray instance started here holds ``--jobs`` cells of ``threads`` (the largest cell's) cores each.
        """
        ray, options = self.ray, self.options
        if ray.is_initialized():  # the caller's own Ray (a script that called ray.init): used as it is
            return False
        quiet = {"log_to_driver": False, "logging_level": "ERROR"}
        if options.address in (None, "local"):
            num_cpus, num_gpus = self._local_instance(threads)
            # address="local": a new instance even when RAY_ADDRESS names a cluster
            ray.init(address="local", num_cpus=num_cpus, num_gpus=num_gpus, include_dashboard=False, **quiet)
            return True
        _probe(options.address)
        try:
            ray.init(address=options.address, **quiet)
        except Exception as error:  # ConnectionError, or ray's own when nothing listens there
            raise RayUnavailable(
                f"--ray-address {options.address}: cannot connect to a Ray cluster there ({type(error).__name__}: "
                f"{' '.join(str(error).split())[:300]}); start one with `ray start --head` and pass its address"
            ) from None
        return True

    def _local_instance(self, threads: int) -> tuple[int, int]:
        """(CPUs, GPUs) of the Ray instance a run without a cluster starts here: ``--jobs`` cells of ``threads`` cores each."""
        per_cell = self._gpus_per_cell()
        num_gpus = min(self._gpus_here(), max(1, math.ceil(self.context.jobs * per_cell))) if per_cell else 0
        num_cpus = max(1, math.ceil(self.context.jobs * (self.options.num_cpus_per_cell or threads)))
        return num_cpus, num_gpus

    def check(self, jobs: list[Job]) -> None:
        """Refuse, before anything runs, a cell that no node can hold: Ray would keep its task waiting forever, in silence.

        The nodes are the cluster's (or the caller's Ray instance's), or the Ray instance a run
        without a cluster starts here.  Raises :class:`RayCellTooLarge` naming the first such
        cell, what it asks for and what the largest node has.
        """
        if not jobs:
            return
        if self.ray.is_initialized():
            nodes = [node.get("Resources", {}) for node in self.ray.nodes() if node.get("Alive")]
            where = "the largest node of the Ray cluster"
        else:
            cpus, gpus = self._local_instance(max(job.threads for job in jobs))
            nodes, where = [{"CPU": cpus, "GPU": gpus}], "the Ray instance this run starts here"
        gpus = self._gpus_per_cell()
        unfit = [job for job in jobs if not any(_holds(node, self._cpus_per_cell(job), gpus) for node in nodes)]
        if not unfit:
            return
        if self._joined:  # joined for this run, which ends here
            self.ray.shutdown()
            self._joined = False
        job = unfit[0]
        largest = max(nodes, key=lambda node: (node.get("CPU", 0), node.get("GPU", 0)), default={})
        cpu_source = "num_cpus_per_cell" if self.options.num_cpus_per_cell is not None else "training.threads"
        gpu_source = f" ({'num_gpus_per_cell' if self.options.num_gpus_per_cell is not None else '1 / --cells-per-gpu'} {gpus:g})" if gpus else ""
        others = f" (and {len(unfit) - 1} more cell{'s' if len(unfit) > 2 else ''})" if len(unfit) > 1 else ""
        raise RayCellTooLarge(
            f"cell {job.cell_id}{others} asks for {_count(self._cpus_per_cell(job), 'CPU')} ({cpu_source} "
            f"{self._cpus_per_cell(job):g}) and {_count(gpus, 'GPU')}{gpu_source}; {where} has "
            f"{_count(largest.get('CPU', 0), 'CPU')} and {_count(largest.get('GPU', 0), 'GPU')}, so its task would never "
            f"start. Ask for less (training.threads, the ray options num_cpus_per_cell and num_gpus_per_cell) or run it "
            "where a node has that much"
        )

    @staticmethod
    def _gpus_here() -> int:
        import torch

        return torch.cuda.device_count() if torch.cuda.is_available() else 0

    def _gpus_per_cell(self) -> float:
        """GPUs a task reserves: the option, else 1 / ``--cells-per-gpu`` for a cuda device (or auto where there are GPUs), else 0.

        A share of a GPU is what lets Ray pack K cells on each GPU of a cluster, as ``--cells-per-gpu K`` does locally.
        """
        if self.options.num_gpus_per_cell is not None:
            return self.options.num_gpus_per_cell
        share = 1.0 / self.context.cells_per_gpu
        device = self.context.device
        if device.startswith("cuda"):
            return share
        if device == "auto":
            if self.ray.is_initialized() and self.options.address not in (None, "local"):
                return share if self.ray.cluster_resources().get("GPU", 0) > 0 else 0.0
            return share if self._gpus_here() else 0.0
        return 0.0

    def _task_device(self, gpus: float) -> str:
        """A task's device: Ray shows a task only the GPUs it reserved, so its own is ``cuda``; none reserved: the CPU."""
        device = self.context.device
        if device.startswith("cuda") or device == "auto":
            return "cuda" if gpus else "cpu"
        return device

    # ------------------------------------------------------------------ run
    def run(self, jobs: list[Job], progress: Progress) -> dict[str, JobResult]:
        ray = self.ray
        from nasbench_rss.run.executors import ray_task

        if not jobs and not self._joined:
            return {}
        started_ray = self._joined or self._connect(max(job.threads for job in jobs) if jobs else 1)
        self._joined = False
        try:
            if not jobs:
                return {}
            gpus = self._gpus_per_cell()
            control = ray.remote(num_cpus=0)(ray_task.Control).remote()
            remote = ray.remote(ray_task.run_cell)
            device = self._task_device(gpus)
            tasks: dict[Any, _Task] = {}
            for job in jobs:
                options = {"num_cpus": self._cpus_per_cell(job), "num_gpus": gpus, "max_retries": self.options.max_retries}
                ref = remote.options(**options, retry_exceptions=False).remote(
                    control, job.cell_id, str(job.directory.resolve()), device, self.context.allow_changed_environment,
                    os.getcwd(), self.options.lock_wait_seconds,
                )  # fmt: skip
                tasks[ref] = _Task(job, ref)
            return self._wait(tasks, control, progress)
        finally:
            if started_ray:
                ray.shutdown()

    def _cpus_per_cell(self, job: Job) -> float:
        """The cores a cell's task reserves: ``num_cpus_per_cell`` when given, else the cell's threads."""
        return self.options.num_cpus_per_cell if self.options.num_cpus_per_cell is not None else float(job.threads)

    def _wait(self, tasks: dict[Any, _Task], control: Any, progress: Progress) -> dict[str, JobResult]:
        ray = self.ray
        by_cell = {task.job.cell_id: task for task in tasks.values()}
        outcomes: dict[str, JobResult] = {}
        stopping = False
        cancel_at: float | None = None
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _raise_interrupt) if main else None
        announce = False
        try:
            while len(outcomes) < len(tasks):
                try:
                    if announce:
                        announce = False
                        self._announce_stop(control, tasks, outcomes, progress)
                    waiting = [ref for ref, task in tasks.items() if task.job.cell_id not in outcomes]
                    ready, _ = ray.wait(waiting, num_returns=len(waiting), timeout=POLL_SECONDS)
                    now, starts = _starts_last(ray.get(control.take.remote()))
                    self._forward(now, by_cell, progress)
                    for ref in ready:
                        task = tasks[ref]
                        outcomes[task.job.cell_id] = self._finish(task, progress, stopping)
                    self._forward(starts, by_cell, progress)  # after the cells that ended: their slots made room
                    if cancel_at is not None and time.monotonic() > cancel_at:
                        self._cancel(tasks, outcomes, progress, f"still running {self.options.stop_grace_seconds:g} s after the stop request")
                        cancel_at = None
                except KeyboardInterrupt:
                    if not stopping:
                        stopping = announce = True
                        cancel_at = time.monotonic() + self.options.stop_grace_seconds
                        control.stop.remote()  # a task that begins after this returns without running (ray_task.Control.begin)
                    else:
                        self._cancel(tasks, outcomes, progress, "a second interrupt")
        finally:
            if main:
                signal.signal(signal.SIGTERM, previous)
        return outcomes

    def _announce_stop(self, control: Any, tasks: dict[Any, _Task], outcomes: dict[str, JobResult], progress: Progress) -> None:
        """Say the run stops, and how many cells never started: the events taken after the stop request hold the start of
        every task that began before it, and no task begins after it (``ray_task.Control.begin``)."""
        by_cell = {task.job.cell_id: task for task in tasks.values()}
        self._forward(self.ray.get(control.take.remote()), by_cell, progress)
        not_started = sum(1 for t in tasks.values() if not t.running and t.job.cell_id not in outcomes)
        progress.message(
            "interrupted: stopping the running cells at their next step (Ctrl-C again to cancel them); "
            f"{not_started} cells not started"
        )

    def _forward(self, events: list[tuple[Any, ...]], by_cell: dict[str, _Task], progress: Progress) -> None:
        for cell_id, kind, *fields in events:
            task = by_cell.get(cell_id)
            if task is None:
                continue
            if kind == "running":
                task.node = fields[0]
                if not task.running:
                    task.running = True
                    job = task.job
                    progress.cell_started(cell_id, job.epochs, job.epochs if job.trained else job.epochs_done)
            else:
                forward_event(progress, cell_id, kind, fields)

    def _finish(self, task: _Task, progress: Progress, stopping: bool) -> JobResult:
        ray = self.ray
        cell_id, directory = task.job.cell_id, task.job.directory
        node = dict(task.node)
        try:
            outcome, error, node = ray.get(task.ref)
        except ray.exceptions.TaskCancelledError:
            outcome, error = "interrupted", ""
        except ray.exceptions.RayError as failure:  # the worker or node died more often than max_retries
            if stopping:
                outcome, error = "interrupted", ""
            else:
                outcome = "failed"
                error = (
                    f"ray task died ({type(failure).__name__}, after {self.options.max_retries} retries): "
                    f"{' '.join(str(failure).split())[:300]}; see {directory / WORKER_LOG}"
                )
                record_worker_death(directory, error)
        node.pop("pid", None)
        if outcome == "complete":
            progress.cell_finished(cell_id, "complete")
        elif outcome == "interrupted" and not task.running:  # never started: said in the stop message, as local does
            pass
        elif outcome == "interrupted":
            progress.cell_finished(cell_id, "interrupted", "rerun to resume from its last checkpoint")
        else:
            progress.cell_finished(cell_id, "failed", " ".join(error.split())[:200])
        return JobResult(outcome, error if outcome == "failed" else "", node=node or None)

    def _cancel(self, tasks: dict[Any, _Task], outcomes: dict[str, JobResult], progress: Progress, why: str) -> None:
        left = [task for task in tasks.values() if task.job.cell_id not in outcomes]
        if left:
            progress.message(f"cancelling {len(left)} ray task(s) ({why}); each cell resumes from its last checkpoint")
        for task in left:
            try:
                self.ray.cancel(task.ref, force=True, recursive=False)
            except Exception:  # finished meanwhile
                pass


def _starts_last(events: list[tuple[Any, ...]]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """``events`` split in two, each cell's in order: those before its ``running`` event, and from it on.

    The driver forwards the first, handles the tasks that ended, then the second, so that a
    cell's start is shown after the end of the cell whose cores it took.
    """
    now, later, starting = [], [], set()
    for event in events:
        if event[1] == "running" or event[0] in starting:
            starting.add(event[0])
            later.append(event)
        else:
            now.append(event)
    return now, later


def _holds(node: dict[str, float], cpus: float, gpus: float) -> bool:
    """Whether a node with these Ray resources can run a task that reserves ``cpus`` and ``gpus``."""
    return node.get("CPU", 0) >= cpus and node.get("GPU", 0) >= gpus


def _count(amount: float, unit: str) -> str:
    return f"{amount:g} {unit}{'' if amount == 1 else 's'}"


def _probe(address: str, timeout: float = 5.0) -> None:
    """A TCP connection to ``HOST:PORT`` first: ``ray.init`` waits for minutes on an address where nothing listens."""
    if address in ("auto", "local"):
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as error:
        raise RayUnavailable(
            f"--ray-address {address}: no Ray cluster answers there ({error.strerror or error}); start one with "
            "`ray start --head` on that machine and pass its HOST:6379 (see README, Running on Ray)"
        ) from None


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")
