"""One cell trained and evaluated in its own process: ``python -m nasbench_rss.run.worker CELL_DIR``.

A process per cell keeps a crash, an out-of-memory kill or a leaked CUDA context from
taking the rest of a suite down, and lets ``--jobs`` run cells side by side.  The worker
reads the planned cell from ``cell.json``, trains or resumes it with the trainer, evaluates
its subnet population (``nasbench_rss.evaluate``; measured subnets are kept), and
talks to its parent in JSON lines on stdout (progress, log lines, the outcome); its
stderr goes to the cell's ``worker.log``.  It dies with its parent (Linux
``PR_SET_PDEATHSIG``), and holds the cell's lock while it trains, so a killed run never
leaves a second writer behind.

Exit codes: 0 trained and evaluated (or already so), 1 failed (``failure.json`` written),
130 interrupted (SIGINT or SIGTERM; the last checkpoint stands).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Sequence

from nasbench_rss.run.layout import WORKER_EXIT_FAILED, WORKER_EXIT_INTERRUPTED, WORKER_EXIT_OK, timestamp

CELL_LOCK = "cell.lock"
STEP_REPORT_SECONDS = 0.5
"""Least time between two step reports: the parent redraws at most this often per cell."""


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the cell lock still prevents a second writer
        pass


class Messages:
    """JSON lines to the parent on stdout, and the stop request checked at every step.

    SIGINT and SIGTERM only *request* a stop: raising at an arbitrary point could land in
    the middle of writing a checkpoint (torch then reports a corrupt archive, not an
    interrupt).  The trainer calls :meth:`step` after each optimizer step, a safe point.
    """

    def __init__(self) -> None:
        self._last_step = 0.0
        self._bucket = ""
        self.stop_requested = False

    def request_stop(self, signum: int, frame: Any) -> None:
        self.stop_requested = True

    def send(self, message_type: str, **fields: Any) -> None:
        sys.stdout.write(json.dumps({"type": message_type, **fields}) + "\n")
        sys.stdout.flush()

    def log(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)
        self.send("log", message=message)

    def step(self, epoch: int, done: int, steps: int) -> None:
        if self.stop_requested:
            raise KeyboardInterrupt("stop requested")
        clock = time.monotonic()
        if done == steps or clock - self._last_step >= STEP_REPORT_SECONDS:
            self._last_step = clock
            self.send("step", epoch=epoch, step=done, steps=steps)

    def subnet(self, bucket: str, done: int, total: int) -> None:
        """After each evaluated subnet: the same stop check and rate limit as a step."""
        if self.stop_requested:
            raise KeyboardInterrupt("stop requested")
        clock = time.monotonic()
        # The first subnet of each bucket is always sent: the parent prints a line per bucket.
        if done == total or bucket != self._bucket or clock - self._last_step >= STEP_REPORT_SECONDS:
            self._last_step, self._bucket = clock, bucket
            self.send("evaluating", bucket=bucket, done=done, total=total)


def run_worker(cell_dir: Path, device: str, threads: int | None) -> int:
    from nasbench_rss import atomic
    from nasbench_rss.run.layout import CELL_FILE, FAILURE_FILE, epochs_logged
    from nasbench_rss.run.lock import DirectoryLock

    messages = Messages()
    signal.signal(signal.SIGINT, messages.request_stop)
    signal.signal(signal.SIGTERM, messages.request_stop)
    lock = DirectoryLock(cell_dir / CELL_LOCK, f"cell {cell_dir}")
    try:
        lock.acquire()
    except Exception as error:
        messages.send("failed", error=str(error), kind=type(error).__name__)
        return WORKER_EXIT_FAILED
    try:
        import torch

        from nasbench_rss.evaluate.cell import evaluate_cell
        from nasbench_rss.evaluate.config import EvaluationConfig
        from nasbench_rss.train.config import CellConfig
        from nasbench_rss.train.trainer import CellTrainer, build_cell, resolve_device

        if threads:
            torch.set_num_threads(threads)
        planned = json.loads((cell_dir / CELL_FILE).read_text())
        config = CellConfig.model_validate(planned["config"])
        print(
            f"[{timestamp()}] worker pid {os.getpid()} starts {planned['id']} on {device} with {torch.get_num_threads()} CPU threads",
            file=sys.stderr,
            flush=True,
        )
        messages.send("started", epochs_done=epochs_logged(cell_dir), epochs=config.epochs)
        cell = build_cell(config, resolve_device(device))
        result = CellTrainer(cell, cell_dir, messages.log, messages.step).run()
        evaluation = evaluate_cell(
            cell, cell_dir, EvaluationConfig.model_validate(planned["evaluation"]), planned["id"], messages.log, messages.subnet
        )
        (cell_dir / FAILURE_FILE).unlink(missing_ok=True)
        messages.send(
            "done",
            train_seconds=result["train_seconds"],
            images_per_second=result["images_per_second"],
            evaluation_seconds=evaluation["seconds"],
        )
        return WORKER_EXIT_OK
    except KeyboardInterrupt:
        print(f"[{timestamp()}] interrupted", file=sys.stderr, flush=True)
        messages.send("interrupted")
        return WORKER_EXIT_INTERRUPTED
    except Exception as error:  # recorded, and the suite goes on with other cells
        trace = traceback.format_exc()
        print(trace, file=sys.stderr, flush=True)
        failure = {
            "error": f"{type(error).__name__}: {error}",
            "kind": type(error).__name__,
            "epochs_done": epochs_logged(cell_dir),
            "time": timestamp(),
            "traceback": trace,
        }
        atomic.write_json(cell_dir / FAILURE_FILE, failure)
        messages.send("failed", error=failure["error"], kind=failure["kind"])
        return WORKER_EXIT_FAILED
    finally:
        lock.release()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nasbench_rss.run.worker", description=__doc__.splitlines()[0])
    parser.add_argument("cell_dir", type=Path)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    args = parser.parse_args(argv)
    _die_with_parent()
    return run_worker(args.cell_dir, args.device, args.threads)


if __name__ == "__main__":
    sys.exit(main())
