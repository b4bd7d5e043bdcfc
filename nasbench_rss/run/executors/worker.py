"""What runs inside a local worker process: one cell, through CellRunner.

A process per cell keeps a crash, an out-of-memory kill or a leaked CUDA context from
taking the rest of a suite down, and lets ``--jobs`` run cells side by side.  Starting a
fresh interpreter per cell and importing torch cost about 2-6 s, so workers are forked
from a *fork server* that imported torch, torchvision and the training code once (the
standard library's ``multiprocessing`` forkserver, with this module as its preload): a
worker starts in milliseconds with everything imported, and still in a process of its
own.  The fork server never runs a tensor operation or touches CUDA, so forking it is safe.

A worker applies the parent's environment variables and working directory first (the
fork server's were fixed when it started), dies with the fork server (Linux
``PR_SET_PDEATHSIG``; the fork server exits when the run does), writes its stdout and
stderr (tracebacks included) into the cell's ``worker.log``, and sends its events to the
parent over a pipe.  SIGINT and SIGTERM only *request* a stop, honoured at the next step.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from typing import Any

# Imported here so that the fork server (which preloads this module) has them in memory.
import torch  # noqa: F401
import torchvision.datasets  # noqa: F401

import nasbench_rss.evaluate.cell  # noqa: F401
import nasbench_rss.train.loop  # noqa: F401
from nasbench_rss.atomic import open_nofollow
from nasbench_rss.cell.directory import WORKER_LOG, CellDirectory
from nasbench_rss.cell.provenance import source_digest
from nasbench_rss.run.runner import CellRunner
from nasbench_rss.errors import NasbenchError
from nasbench_rss.run.executors.messages import MessageEvents

# The digest of this package's sources, taken when the fork server loads this module and
# inherited by every worker: it names the code the workers run, even if the files on disk
# are edited while a run goes on (a digest taken per worker would name the disk's).
source_digest("nasbench_rss")

class PipeEvents(MessageEvents):
    """The runner's events as messages to the parent over a pipe; the stop request comes from a signal."""

    def __init__(self, conn: Any) -> None:
        super().__init__()
        self.conn = conn

    def request_stop(self, signum: int, frame: Any) -> None:
        self.stop = True

    def send(self, *message: Any) -> None:
        """A message to the parent; a parent that is gone (killed) is a stop request: nobody waits for us."""
        try:
            self.conn.send(message)
        except OSError:  # BrokenPipeError: the run died; the fork server's exit will kill us too
            self.stop = True


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the cell lock still prevents a second writer
        pass


def _log_to(directory: CellDirectory) -> None:
    """Send this process's stdout and stderr (file descriptors 1 and 2) into the cell's worker.log."""
    fd = open_nofollow(directory.file(WORKER_LOG), os.O_WRONLY | os.O_APPEND | os.O_CREAT, "append to")
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def worker_main(
    conn: Any, cell_dir: str, device: str, allow_changed_environment: bool, environ: dict[str, str], cwd: str
) -> None:
    """Run the cell in ``cell_dir``; the last message is ``("done", outcome, error)``."""
    events = PipeEvents(conn)
    signal.signal(signal.SIGINT, events.request_stop)
    signal.signal(signal.SIGTERM, events.request_stop)
    _die_with_parent()
    os.environ.clear()
    os.environ.update(environ)
    try:
        os.chdir(cwd)
        directory = CellDirectory(cell_dir)
        _log_to(directory)
    except (OSError, NasbenchError) as error:
        conn.send(("done", "failed", f"{type(error).__name__}: {error}"))
        return
    runner = CellRunner(directory, device=device, events=events, allow_changed_environment=allow_changed_environment)
    outcome, error = runner.run()
    events.send("done", outcome, error)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a full disk under worker.log: nothing more to say there
        pass
