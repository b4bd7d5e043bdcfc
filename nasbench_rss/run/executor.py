"""The local executor: cells trained and evaluated by worker processes, ``jobs`` at a time.

Each cell runs in ``python -m nasbench_rss.run.worker`` (see there for why a process per
cell).  With several GPUs each job slot gets its own device (``cuda:0``, ``cuda:1``, ...);
on the CPU the cores are shared out between the slots.  Ctrl-C (or SIGTERM) stops every
worker at its next step; each keeps its last per-epoch checkpoint, so rerunning resumes.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from nasbench_rss import atomic
from nasbench_rss.run.layout import (
    FAILURE_FILE,
    WORKER_EXIT_FAILED,
    WORKER_EXIT_INTERRUPTED,
    WORKER_EXIT_OK,
    WORKER_LOG,
    epochs_logged,
    timestamp,
)
from nasbench_rss.run.progress import Progress

Outcome = Literal["complete", "failed", "interrupted"]
STOP_GRACE_SECONDS = 60.0
"""How long stopped workers get to finish their current step before they are killed."""


@dataclass(frozen=True)
class Job:
    """A cell to train and evaluate: its id, directory and epochs (for progress).

    ``trained``: the cell is trained already and only its evaluation is left."""

    cell_id: str
    directory: Path
    epochs: int
    trained: bool = False


@dataclass
class _Running:
    job: Job
    slot: int
    process: subprocess.Popen
    log: Any
    error: str = ""
    output_closed: bool = False


def job_slots(device: str, jobs: int) -> list[tuple[str, int | None]]:
    """(device, CPU threads) of each of ``jobs`` slots.

    ``auto``/``cuda`` with several GPUs spreads the slots over them; a named device
    (``cuda:1``, ``cpu``) is shared by all slots.  On the CPU, several slots split the cores
    (a single slot leaves torch's own choice).
    """
    import torch

    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    gpus = torch.cuda.device_count() if device in ("auto", "cuda") and torch.cuda.is_available() else 0
    if gpus:
        return [(f"cuda:{slot % gpus}", None) for slot in range(jobs)]
    threads = None if jobs == 1 else max(1, (os.cpu_count() or 1) // jobs)
    return [(device, threads if device in ("auto", "cpu") else None)] * jobs


def _reader(stream: Any, slot: int, messages: queue.Queue) -> None:
    for line in stream:
        messages.put((slot, line))
    messages.put((slot, None))


class LocalExecutor:
    """Runs :class:`Job` s in worker processes and reports to a :class:`Progress`."""

    def __init__(self, slots: list[tuple[str, int | None]], progress: Progress) -> None:
        self.slots = slots
        self.progress = progress
        self._stopping = False

    def run(self, jobs: list[Job]) -> dict[str, Outcome]:
        """Train every job; the outcome of each.  Interrupted jobs (and those never started
        after an interrupt) are ``interrupted``; KeyboardInterrupt is not re-raised."""
        pending = deque(jobs)
        free = list(range(len(self.slots)))
        running: dict[int, _Running] = {}
        outcomes: dict[str, Outcome] = {}
        messages: queue.Queue = queue.Queue()
        stopping = False
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            while pending or running:
                try:
                    while pending and free and not stopping:
                        slot = free.pop(0)
                        running[slot] = self._start(pending.popleft(), slot, messages)
                    self._pump(messages, running, timeout=0.5)
                    for slot, item in list(running.items()):
                        # Done once its output is read to the end (so its last messages count) and it exited.
                        if item.output_closed and item.process.poll() is not None:
                            outcomes[item.job.cell_id] = self._finish(item)
                            del running[slot]
                            free.append(slot)
                            free.sort()
                except KeyboardInterrupt:
                    if not stopping:
                        stopping = self._stopping = True
                        self.progress.message("interrupted: stopping the running cells at their next step (Ctrl-C again to kill them)")
                    try:
                        self._stop(running)
                    except KeyboardInterrupt:  # a second Ctrl-C: stop waiting
                        for item in running.values():
                            item.process.kill()
        finally:
            signal.signal(signal.SIGTERM, previous)
        for job in pending:
            outcomes[job.cell_id] = "interrupted"
        return outcomes

    # ------------------------------------------------------------------ workers
    def _start(self, job: Job, slot: int, messages: queue.Queue) -> _Running:
        device, threads = self.slots[slot]
        command = [sys.executable, "-m", "nasbench_rss.run.worker", str(job.directory), "--device", device]
        if threads:
            command += ["--threads", str(threads)]
        log = open(job.directory / WORKER_LOG, "a")
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1)
        threading.Thread(target=_reader, args=(process.stdout, slot, messages), daemon=True).start()
        self.progress.cell_started(job.cell_id, job.epochs, job.epochs if job.trained else epochs_logged(job.directory))
        return _Running(job, slot, process, log)

    def _pump(self, messages: queue.Queue, running: dict[int, _Running], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                slot, line = messages.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return
            item = running.get(slot)
            if item is not None:
                if line is None:
                    item.output_closed = True
                else:
                    self._handle(item, line)
            if time.monotonic() >= deadline:
                return

    def _handle(self, item: _Running, line: str) -> None:
        import json

        try:
            message = json.loads(line)
        except ValueError:  # a stray print from a plugin: keep it in the cell's log only
            item.log.write(line)
            return
        kind = message.get("type")
        if kind == "step":
            self.progress.step(item.job.cell_id, message["epoch"], message["step"], message["steps"])
        elif kind == "evaluating":
            self.progress.evaluating(item.job.cell_id, message["bucket"], message["done"], message["total"])
        elif kind == "failed":
            item.error = message.get("error", "")

    def _finish(self, item: _Running) -> Outcome:
        item.log.close()
        code = item.process.returncode
        if code == WORKER_EXIT_OK:
            self.progress.cell_finished(item.job.cell_id, "complete")
            return "complete"
        if code in (WORKER_EXIT_INTERRUPTED, -signal.SIGINT) or (self._stopping and code != WORKER_EXIT_FAILED):
            self.progress.cell_finished(item.job.cell_id, "interrupted", "rerun to resume from its last checkpoint")
            return "interrupted"
        if code != WORKER_EXIT_FAILED or not (item.job.directory / FAILURE_FILE).exists():
            # The worker died without recording why (killed, segfault, out of memory).
            how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
            item.error = item.error or f"worker died ({how}); see {item.job.directory / WORKER_LOG}"
            atomic.write_json(
                item.job.directory / FAILURE_FILE,
                {"error": item.error, "kind": "WorkerDied", "epochs_done": epochs_logged(item.job.directory), "time": timestamp()},
            )
        self.progress.cell_finished(item.job.cell_id, "failed", " ".join(item.error.split())[:200])
        return "failed"

    def _stop(self, running: dict[int, _Running]) -> None:
        for item in running.values():
            if item.process.poll() is None:
                item.process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for item in running.values():
            try:
                item.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                item.process.kill()


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")
