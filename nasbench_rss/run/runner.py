"""CellRunner: one cell built, trained and evaluated from its directory alone.

This is the only thing an executor calls, whatever it runs on (a local worker process, a
Ray task): it reads the planned cell from ``cell.json``, holds the cell's lock, removes
temp files a killed write left, checks that this process may continue the cell (same
code, plugins, libraries, device and numerics as the cell was started with; see
``provenance``), trains or resumes it, evaluates its subnet population, and records a
failure (with its stage and traceback) in ``failure.json``.

It talks to whoever runs it through :class:`RunnerEvents`: progress, log lines, and the
stop request, checked after every optimizer step and every evaluated subnet (a safe
point: never in the middle of writing a checkpoint).
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Any, Literal

from nasbench_rss.cell.directory import CELL_FILE, FAILURE_FILE, PROVENANCE_FILE, CellDirectory
from nasbench_rss.cell.planned import PlannedCell
from nasbench_rss.config.training import CellConfig
from nasbench_rss.cell.provenance import changes, identity
from nasbench_rss.clock import timestamp
from nasbench_rss.errors import NasbenchError
from nasbench_rss.limits import MAX_THREADS
from nasbench_rss.train.observers.base import StepInfo, TrainObserver

Outcome = Literal["complete", "failed", "interrupted"]
Stage = Literal["start", "build", "train", "evaluate"]


class StopRequested(KeyboardInterrupt):
    """Raised at a safe point when whoever runs the cell asked it to stop."""


class ProvenanceChanged(NasbenchError):
    """This process would continue a cell with other code, plugins, libraries or hardware than it started with."""


class RunnerEvents:
    """What a CellRunner tells whoever runs it.  The defaults print log lines (unless ``quiet``) and never stop."""

    def __init__(self, *, quiet: bool = False) -> None:
        self.quiet = quiet

    def started(self, cell_id: str, epochs_done: int, epochs: int) -> None:
        """The cell is built; ``epochs_done`` of ``epochs`` are trained already."""

    def log(self, message: str) -> None:
        if self.quiet:
            return
        try:
            print(message, file=sys.stderr, flush=True)
        except OSError:  # a full disk under the log: the message is lost, the cell is not
            pass

    def step(self, epoch: int, done: int, steps: int) -> None:
        """After each optimizer step (cheap: called thousands of times per epoch)."""

    def epoch_done(self, epoch: int, seconds: float, passes: int) -> None:
        """Epoch ``epoch`` (0-based) took ``seconds`` for ``passes`` subnet forward-backward passes."""

    def evaluating(self, bucket: str, done: int, total: int) -> None:
        """After each evaluated subnet."""

    def stop_requested(self) -> bool:
        return False


class CellRunner:
    """Runs the cell in ``directory`` on ``device``, with the CPU threads its config names (``training.threads``)."""

    def __init__(
        self,
        directory: CellDirectory,
        spec: PlannedCell | None = None,
        *,
        device: str = "auto",
        events: RunnerEvents | None = None,
        allow_changed_environment: bool = False,
        evaluate: bool = True,
    ) -> None:
        self.directory = directory
        self.spec = spec
        """The planned cell; None: read from ``cell.json``."""
        self.device = device
        self.events = events or RunnerEvents()
        self.allow_changed_environment = allow_changed_environment
        self.evaluate = evaluate
        self.stage: Stage = "start"
        self.result: dict[str, Any] | None = None
        self.evaluation: dict[str, Any] | None = None

    def run(self) -> tuple[Outcome, str]:
        """Lock, execute, record: the outcome and, for a failure, its one-line error."""
        try:
            lock = self.directory.lock().acquire()
        except NasbenchError as error:  # busy, or the directory cannot be written: nothing of the cell is touched
            return "failed", f"{type(error).__name__}: {error}"
        try:
            try:
                self.execute()
            except KeyboardInterrupt:
                self.events.log(f"[{timestamp()}] interrupted; the last checkpoint stands")
                return "interrupted", ""
            except Exception as error:  # recorded, and the suite goes on with other cells
                return "failed", self._record_failure(error)
            self.directory.remove(FAILURE_FILE)
            return "complete", ""
        finally:
            lock.release()

    def _record_failure(self, error: BaseException) -> str:
        trace = traceback.format_exc()
        self.events.log(trace)
        message = f"{type(error).__name__}: {error}"
        try:
            self.directory.write_failure(message, type(error).__name__, self.stage, trace)
        except NasbenchError as write_error:  # e.g. the disk is full: the message still reaches the runner
            message += f" (and {FAILURE_FILE} could not be written: {write_error})"
        return message

    def execute(self, epoch_limit: int | None = None, extra_observers: tuple[Any, ...] = ()) -> None:
        """Build, train (or resume), evaluate; exceptions propagate.  Call it holding the cell's lock.

        ``epoch_limit`` stops after that many more epochs (no evaluation then);
        ``extra_observers`` are TrainObserver instances added to the cell's own.  torch's
        CPU threads are the cell's while it runs, and what they were afterwards.
        """
        import torch

        directory, events = self.directory, self.events
        for path, size in directory.remove_temp_files():
            events.log(f"removed {path.name} ({size / 1e6:.1f} MB), left by a write that was killed")
        spec = self.spec or directory.planned()
        if self.spec is not None and not directory.file(CELL_FILE).exists():
            directory.write_planned(spec)
        trained = directory.result() is not None
        latest = directory.latest_checkpoint()
        epochs_done = spec.config.epochs if trained else (latest[0] if latest else 0)
        # Before a first checkpoint nothing was trained: the cell starts afresh, under this process's provenance.
        started = directory.read_json(PROVENANCE_FILE) if (trained or latest) else None
        previous = torch.get_num_threads()
        torch.set_num_threads(self._threads(spec, started))
        try:
            self._train_and_evaluate(spec, started, trained, epochs_done, epoch_limit, extra_observers)
        finally:
            torch.set_num_threads(previous)

    def _train_and_evaluate(
        self, spec: PlannedCell, started: dict[str, Any] | None, trained: bool, epochs_done: int, epoch_limit: int | None, extra_observers: tuple[Any, ...]
    ) -> None:
        from nasbench_rss.evaluate.cell import evaluate_cell
        from nasbench_rss.plugins import get_registry
        from nasbench_rss.runtime.build import build_cell, provenance
        from nasbench_rss.runtime.device import resolve_device
        from nasbench_rss.train.loop import Trainer

        directory, events = self.directory, self.events
        self.stage = "build"
        registry = get_registry()
        cell = build_cell(spec.config, resolve_device(self.device), registry)
        observers = [*(self._observer(registry, name, options) for name, options in spec.observers), *extra_observers]
        now = provenance(cell, registry)
        events.log(f"[{timestamp()}] {spec.id} on {cell.device} ({now['device_name']}), {now['threads']} CPU threads")

        self.stage = "train"
        events.started(spec.id, epochs_done, spec.config.epochs)
        recorded = started if trained else self._check_provenance(started, now, epochs_done)
        trainer = Trainer(
            cell, directory, [*observers, _EventsObserver(self)], log=events.log, provenance=recorded, evaluation=spec.evaluation
        )
        self.result = trainer.run(epoch_limit)
        if self.result is not None and self.evaluate and spec.evaluation is not None:
            self.stage = "evaluate"
            self.evaluation = evaluate_cell(cell, directory, spec.evaluation, spec.id, now, events.log, self._on_subnet)

    def _threads(self, spec: PlannedCell, started: dict[str, Any] | None) -> int:
        """The cell's ``training.threads``; a cell started with another count (before the setting existed) keeps that
        count, which its provenance recorded: float reductions depend on it, so it resumes exactly."""
        wanted = spec.config.train.threads
        recorded = started.get("threads") if started else None
        if isinstance(recorded, int) and not isinstance(recorded, bool) and 1 <= recorded <= MAX_THREADS and recorded != wanted:
            self.events.log(
                f"using the {recorded} CPU threads the cell started with (its {PROVENANCE_FILE}), not training.threads "
                f"{wanted}, so that it resumes exactly"
            )
            return recorded
        return wanted

    def _check_provenance(self, started: dict[str, Any] | None, now: dict[str, Any], epochs_done: int) -> dict[str, Any]:
        """The provenance to record: this process's for a new cell; the cell's own when they agree."""
        if started is None:
            self.directory.write_json(PROVENANCE_FILE, now)
            return now
        differences = changes(started, now)
        if not differences:
            return started
        path = self.directory.path
        if not self.allow_changed_environment:
            raise ProvenanceChanged(
                f"{path} was started with other code or environment ({'; '.join(differences)}); continuing after epoch "
                f"{epochs_done} would mix the two in one training run. Restore what it started with, delete the directory "
                "to train it anew, or rerun with --allow-changed-environment to continue and record the change"
            )
        self.events.log(f"continuing after epoch {epochs_done} under a changed environment ({'; '.join(differences)}); recorded in {PROVENANCE_FILE}")
        updated = {**started, "resumed_under": [*started.get("resumed_under", []), {"epochs_done": epochs_done, "time": timestamp(), "changes": differences, **identity(now)}]}
        self.directory.write_json(PROVENANCE_FILE, updated)
        return updated

    @staticmethod
    def _observer(registry: Any, name: str, options: dict[str, Any]) -> TrainObserver:
        from nasbench_rss.plugins import build_entry

        observer, _ = build_entry(registry.get("observer", name), options)
        if not isinstance(observer, TrainObserver):
            entry = registry.get("observer", name)
            raise NasbenchError(
                f"observer {name!r} ({entry.distribution}, plugin {entry.plugin}) made {type(observer).__name__}; "
                "expected a nasbench_rss.train.observers.base.TrainObserver"
            )
        return observer

    def _on_subnet(self, bucket: str, done: int, total: int) -> None:
        if self.events.stop_requested():
            raise StopRequested("stop requested")
        self.events.evaluating(bucket, done, total)


def train_cell(
    config: CellConfig,
    out: str | Path,
    device: str = "auto",
    *,
    events: RunnerEvents | None = None,
    epoch_limit: int | None = None,
    observers: tuple[Any, ...] = (),
    observer_plugins: tuple[tuple[str, dict[str, Any]], ...] = (),
    allow_changed_environment: bool = False,
) -> dict[str, Any] | None:
    """Train (or resume, or just read back) one cell into ``out``, in this process; no evaluation.

    What ``nasbench-rss train`` does.  ``observers`` are TrainObserver instances,
    ``observer_plugins`` (name, options) of registered observer plugins.  The result dict,
    or None when ``epoch_limit`` stopped it early; errors propagate (nothing is written to
    ``failure.json``).
    """
    directory = CellDirectory(out)
    spec = PlannedCell.for_training(config, tuple(observer_plugins))
    runner = CellRunner(
        directory, spec, device=device, events=events, allow_changed_environment=allow_changed_environment, evaluate=False
    )
    with directory.lock():
        runner.execute(epoch_limit, observers)
    return runner.result


class _EventsObserver(TrainObserver):
    """Forwards training progress to the runner's events; stops at a step when asked to."""

    def __init__(self, runner: CellRunner) -> None:
        self.events = runner.events

    def on_step(self, step: StepInfo) -> None:
        if self.events.stop_requested():
            raise StopRequested("stop requested")
        self.events.step(step.epoch, step.step + 1, step.steps)

    def on_epoch_end(self, epoch: int, record: dict[str, Any]) -> None:
        self.events.epoch_done(epoch, record.get("seconds", 0.0), record["subnet_passes"])
