"""What runs inside a Ray worker: one cell through CellRunner, its events sent to the driver.

Imported by the Ray workers (so ``nasbench_rss`` must be installed, at the same version, on
every node); it imports ray and torch only inside the functions, so that the executor's
module can be imported, and its options checked, without either.

The task and the driver talk through one small actor, :class:`Control`: each task pushes
its buffered events every :data:`FLUSH_SECONDS` from a thread of its own and gets back
whether the driver asked to stop; the driver takes the events and forwards them to its
``Progress``.  A stop is honoured at the cell's next step or subnet (a safe point), as
with the local executor; a task that begins after the stop request returns at once,
without saying it runs.

A task talks to the actor only from threads other than its main one: a Ray task blocked
in ``ray.get`` on its main thread hands its CPUs back to Ray for the while, and Ray starts
queued tasks on them, so more cells ran at once than the cores reserved for them (all of
them, under ``--jobs 1``).
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from typing import Any, Callable

FLUSH_SECONDS = 0.5
"""How often a task sends its events to the driver (and learns of a stop request)."""
LOCK_POLL_SECONDS = 2.0


class Control:
    """The driver's mailbox (a Ray actor): events from the tasks, a stop flag for them."""

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []
        self.stopping = False

    def begin(self, cell_id: str, node: dict[str, Any]) -> bool:
        """A task starts its cell: it runs (``("running", node)`` for the driver) unless a stop was asked; True: stop."""
        if not self.stopping:
            self.events.append((cell_id, "running", node))
        return self.stopping

    def push(self, batch: list[tuple[Any, ...]]) -> bool:
        self.events.extend(batch)
        return self.stopping

    def take(self) -> list[tuple[Any, ...]]:
        events, self.events = self.events, []
        return events

    def stop(self) -> None:
        self.stopping = True


def node_record() -> dict[str, Any]:
    """Which machine this process is: hostname, and the Ray node id when inside Ray."""
    record: dict[str, Any] = {"hostname": socket.gethostname()}
    try:
        import ray

        if ray.is_initialized():
            record["ray_node_id"] = ray.get_runtime_context().get_node_id()
    except Exception:  # not in Ray (or no runtime context): the hostname says enough
        pass
    return record


def _events_class() -> type:
    from nasbench_rss.run.executors.messages import MessageEvents

    class ActorEvents(MessageEvents):
        """The runner's events, buffered and flushed to the :class:`Control` actor by a thread."""

        def __init__(self, control: Any, cell_id: str, log_path: str) -> None:
            super().__init__()
            self.control = control
            self.cell_id = cell_id
            self.log_path = log_path
            self._buffer: list[tuple[Any, ...]] = []
            self._lock = threading.Lock()
            self._done = threading.Event()
            self._thread = threading.Thread(target=self._flusher, name="nasbench-rss events", daemon=True)

        def start(self, node: dict[str, Any]) -> bool:
            """Tell the driver the cell runs on ``node`` and start flushing; False (and nothing said) after a stop request."""
            import ray

            try:
                self.stop = _off_main_thread(lambda: ray.get(self.control.begin.remote(self.cell_id, node), timeout=60))
            except Exception:  # the driver is gone: nobody waits for this cell
                self.stop = True
            if not self.stop:
                self._thread.start()
            return not self.stop

        def close(self) -> None:
            self._done.set()
            if self._thread.is_alive():
                self._thread.join(timeout=5)
            _off_main_thread(self.flush)

        def _flusher(self) -> None:
            while not self._done.wait(FLUSH_SECONDS):
                self.flush()

        def flush(self) -> None:
            import ray

            with self._lock:
                batch, self._buffer = self._buffer, []
            try:
                if ray.get(self.control.push.remote(batch), timeout=60):
                    self.stop = True
            except Exception:  # the driver is gone: nobody waits for this cell; stop at the next step
                self.stop = True

        def send(self, *message: Any) -> None:
            with self._lock:
                self._buffer.append((self.cell_id, *message))

        def log(self, message: str) -> None:
            try:
                with open(self.log_path, "a") as stream:
                    stream.write(message + "\n")
            except OSError:  # a full disk under worker.log: the message is lost, the cell is not
                pass

    return ActorEvents


def _off_main_thread(call: Callable[[], Any]) -> Any:
    """``call()`` on a thread of its own, waited for: a blocking Ray call there keeps the task's CPUs (see above)."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # re-raised on the calling thread
            outcome["error"] = error

    thread = threading.Thread(target=target, name="nasbench-rss ray call", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def run_cell(
    control: Any,
    cell_id: str,
    cell_dir: str,
    device: str,
    allow_changed_environment: bool,
    cwd: str,
    lock_wait_seconds: float = 0.0,
) -> tuple[str, str, dict[str, Any]]:
    """Run the cell in ``cell_dir`` (the Ray task's body): (outcome, error, node record).

    A cell lock held by someone else is waited for up to ``lock_wait_seconds``: the holder
    can be this cell's previous attempt on a node that died, whose lock a network file
    system releases only after its lease runs out (a process that died on a live node
    releases it at once).
    """
    from nasbench_rss.cell.directory import WORKER_LOG, CellDirectory
    from nasbench_rss.run.runner import CellRunner
    from nasbench_rss.clock import timestamp

    node = node_record() | {"pid": os.getpid()}
    directory = CellDirectory(cell_dir)
    events = _events_class()(control, cell_id, str(directory.file(WORKER_LOG)))
    try:
        if not events.start(node):  # the run was interrupted before this cell started: it keeps what it has
            return "interrupted", "", node
        events.log(
            f"[{timestamp()}] ray task on node {node.get('ray_node_id', '?')} (host {node['hostname']}, pid {node['pid']})"
        )
        previous = os.getcwd()
        try:
            if os.path.isdir(cwd):  # relative dataset roots mean the driver's directory (shared storage)
                os.chdir(cwd)
            runner = CellRunner(directory, device=device, events=events, allow_changed_environment=allow_changed_environment)
            deadline, said = time.monotonic() + lock_wait_seconds, False
            while True:
                outcome, error = runner.run()
                busy = outcome == "failed" and error.startswith("DirectoryBusy")
                if not busy or events.stop or time.monotonic() >= deadline:
                    break
                if not said:
                    events.log(f"[{timestamp()}] the cell's lock is held ({error}); waiting up to {lock_wait_seconds:g} s for it")
                    said = True
                time.sleep(LOCK_POLL_SECONDS)
        finally:
            os.chdir(previous)
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:
            pass
        return outcome, error, node
    finally:
        events.close()
