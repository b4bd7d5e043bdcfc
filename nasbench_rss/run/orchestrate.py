"""``run_suite``: a suite's cells trained and evaluated into a run directory, resumably.

Rerunning the same suite into the same directory skips complete cells (trained and
evaluated), evaluates trained ones whose evaluation is missing or stale, resumes
interrupted ones from their last checkpoint and retries failed ones; a failing cell is
recorded and the others go on.  A cell with a damaged file is not run: the summary says
which file and how to recover.  Nothing is written by a dry run.

The pipeline is four steps: :func:`plan_run` checks the options and plans the cells
(nothing written; every refusal is here), :func:`prepare_run` builds the executor and
writes the run directory's books (manifest, suite, each cell's ``cell.json``),
:func:`dispatch` hands the cells to the executor plugin (``local`` by default), and
:func:`summarise` records every outcome.  The report is the commands' business
(``nasbench-rss run`` and ``evaluate`` write ``RUN_DIR/report`` after the cells ran,
partial or not).
"""

from __future__ import annotations

import fnmatch
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence, TextIO

from tabulate import tabulate

from nasbench_rss import atomic
from nasbench_rss.cell.directory import CELL_FILE, CellDirectory, CellState
from nasbench_rss.errors import NasbenchError, StorageError
from nasbench_rss.limits import MAX_SUITE_BYTES
from nasbench_rss.exit_codes import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_STORAGE
from nasbench_rss.locks import DirectoryLock
from nasbench_rss.plugins import PluginRegistry, get_registry, validate_options
from nasbench_rss.run import manifest as manifests
from nasbench_rss.run.executors.base import (
    ExecutorContext,
    Job,
    JobResult,
    check_jobs,
    check_slot_options,
    oversubscription,
    resolve_jobs,
)
from nasbench_rss.run.layout import CELLS_DIR, HISTORY_DIR, LOCK_FILE, MANIFEST_FILE, RUN_FILES, SUITE_FILE, read_manifest
from nasbench_rss.run.progress import Progress, format_duration
from nasbench_rss.run.workload import cell_workload

if TYPE_CHECKING:
    from nasbench_rss.suite import PlannedCell, Suite

DEFAULT_EXECUTOR = "local"


class RunError(NasbenchError):
    """The run cannot start as asked (directory of another suite, in use, bad options): nothing ran."""


@dataclass(frozen=True)
class PlannedEntry:
    """A selected cell, where it lives and what is on disk for it now."""

    cell: PlannedCell
    directory: Path
    state: CellState

    @property
    def done(self) -> bool:
        return self.state.status == "complete"

    @property
    def trained(self) -> bool:
        return self.state.result is not None

    @property
    def action(self) -> str:
        status, state = self.state.status, self.state
        if status == "complete":
            return "skip (complete)"
        if status == "trained":
            return "evaluate (trained)"
        if status == "damaged":
            return "none: damaged (" + _one_line(state.problem or "") + ")"
        if status == "failed":
            stage = "evaluation " if state.result is not None else ""
            return f"retry {stage}(failed: " + _one_line(state.failure.get("error", "")) + ")"
        if status == "interrupted":
            return f"resume after epoch {state.epochs_done}"
        return "train"


@dataclass
class RunSummary:
    """What a run did: the outcome of every selected cell."""

    run_dir: Path
    entries: list[PlannedEntry] = field(default_factory=list)
    """The selected cells as planned before anything ran (what the end-of-run table lists)."""
    outcomes: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    interrupted: bool = False
    dry_run: bool = False
    storage_problems: list[str] = field(default_factory=list)
    """Writes of the run's own books that failed (the cells' files are their own)."""
    report: list[Path] = field(default_factory=list)
    """Files of the report written at the end (empty when none was)."""
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Where each cell this invocation ran did run (``hostname``; ``ray_node_id`` under Ray)."""

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        if self.storage_problems:
            return EXIT_STORAGE
        return EXIT_FAILED if self.failures else EXIT_OK


def select_cells(cells: Sequence[PlannedCell], only: Sequence[str] | None) -> list[PlannedCell]:
    """Cells whose id (``arch/dataset/run/seedN``) matches any ``only`` glob (all when None).

    A pattern matching no cell is an error listing the ids, so a typo never runs nothing.
    """
    if not only:
        return list(cells)
    unmatched = [pattern for pattern in only if not any(fnmatch.fnmatchcase(cell.id, pattern) for cell in cells)]
    if unmatched:
        ids = ", ".join(cell.id for cell in cells)
        raise RunError(f"--only {', '.join(map(repr, unmatched))} matches no cell; cell ids are arch/dataset/run/seedN (references: arch/dataset/references/ENCODING/seedN): {ids}")
    return [cell for cell in cells if any(fnmatch.fnmatchcase(cell.id, pattern) for pattern in only)]


def default_run_dir(suite: Suite) -> Path:
    return Path("runs") / suite.name


def plan(suite: Suite, run_dir: Path, only: Sequence[str] | None = None) -> list[PlannedEntry]:
    """The selected cells of ``suite`` with their directories under ``run_dir`` and their state."""
    run_dir = Path(run_dir)
    entries = []
    for cell in select_cells(suite.cells(), only):
        directory = run_dir / cell.directory
        entries.append(PlannedEntry(cell, directory, CellDirectory(directory).state(cell.evaluation.config_hash)))
    return entries


@dataclass(frozen=True)
class RunOptions:
    """How to run a suite: :func:`run_suite`'s keyword arguments.

    ``device`` overrides the suite's.  ``jobs`` (cells side by side) defaults on the CPU to
    as many cells as the usable cores hold at the cells' ``training.threads``, on CUDA to 1,
    or to GPUs x ``cells_per_gpu`` when that is K > 1 (refused without CUDA), which it may
    cap but not exceed (see :func:`~nasbench_rss.run.executors.base.resolve_jobs`).
    ``executor`` (default: the suite's ``executor:``, else ``local``) overrides the suite's
    executor; ``executor_options`` are laid over the suite's options key by key when it
    names the same executor.  Progress goes to ``stream`` (default stderr).
    ``evaluate_only`` evaluates trained cells and trains nothing (untrained cells are
    ``not trained``).
    """

    only: Sequence[str] | None = None
    device: str | None = None
    jobs: int | None = None
    cells_per_gpu: int = 1
    executor: str | None = None
    executor_options: dict[str, Any] | None = None
    allow_changed_environment: bool = False
    dry_run: bool = False
    stream: TextIO | None = None
    interactive: bool | None = None
    evaluate_only: bool = False
    registry: PluginRegistry | None = None


@dataclass
class RunPlan:
    """What :func:`plan_run` decided, with nothing written: the cells, where and how they run."""

    suite: Suite
    run_dir: Path
    entries: list[PlannedEntry]
    options: RunOptions
    registry: PluginRegistry
    stream: TextIO
    device: str
    resolved_device: Any
    """The ``torch.device`` that ``device`` names here."""
    executor: str
    executor_entry: Any
    executor_config: Any
    jobs: int
    threads: int
    """The largest ``training.threads`` of the cells to run."""

    def to_run(self) -> list[PlannedEntry]:
        """The cells the executor gets (not complete, not damaged, trained when only evaluating)."""
        return [entry for entry in self.entries if _to_run(entry, self.options.evaluate_only)]


@dataclass
class Prepared:
    """What :func:`prepare_run` made ready: the executor, the jobs, the summary of the cells not run, the progress."""

    plan: RunPlan
    executor: Any
    manifest: dict[str, Any]
    jobs: list[Job]
    summary: RunSummary
    progress: Progress


def run_suite(suite: Suite, out: str | Path | None = None, **options: Any) -> RunSummary:
    """Train and evaluate ``suite``'s cells (those matching ``only``) into ``out`` (default ``runs/<name>``).

    ``options`` are :class:`RunOptions`' fields.  The pipeline: :func:`plan_run` (nothing
    written), :func:`prepare_run` (the executor built, then the run directory's books),
    :func:`dispatch` (the executor runs the cells), :func:`summarise` (the outcomes, the
    manifest's end).  The commands write the report afterwards.  Raises :class:`RunError`
    (or another NasbenchError) before anything runs when the run cannot start;
    KeyboardInterrupt while cells run is handled (``summary.interrupted``).
    """
    run = plan_run(suite, out, RunOptions(**options))
    if run.options.dry_run:
        summary = RunSummary(run.run_dir, run.entries, dry_run=True)
        summary.outcomes = {entry.cell.id: entry.state.status for entry in run.entries}
        return summary
    with prepare_run(run) as prepared:
        return summarise(prepared, dispatch(prepared))


def plan_run(suite: Suite, out: str | Path | None, options: RunOptions) -> RunPlan:
    """Check the options, plan the cells and how many run at once; a RunError (nothing written) when the run cannot start."""
    from nasbench_rss.runtime.device import resolve_device

    jobs = options.jobs
    try:
        check_slot_options(jobs, options.cells_per_gpu)  # before anything else is looked at
    except NasbenchError as error:
        raise RunError(str(error)) from None
    registry = options.registry or get_registry()
    run_dir = Path(out) if out is not None else default_run_dir(suite)
    device = options.device or suite.device
    resolved_device = resolve_device(device)  # an unusable device is an error before anything runs
    executor, merged_options = _executor_choice(suite, options.executor, options.executor_options)
    executor_entry = registry.get("executor", executor)
    executor_config = validate_options(executor_entry, merged_options)
    _check_directory(run_dir, suite)
    entries = plan(suite, run_dir, options.only)
    threads = max((e.cell.config.train.threads for e in entries if _to_run(e, options.evaluate_only)), default=1)
    try:
        jobs = resolve_jobs(device, jobs, options.cells_per_gpu, threads)  # --cells-per-gpu > 1 without CUDA: refused here
    except NasbenchError as error:
        raise RunError(str(error)) from None
    missing_data = suite.data_problems([e.cell for e in entries if not e.done and e.state.status != "damaged"])
    if missing_data:
        raise RunError("the data of cells to run is missing:\n" + "\n".join(missing_data))
    return RunPlan(
        suite, run_dir, entries, options, registry, options.stream or sys.stderr, device, resolved_device,
        executor, executor_entry, executor_config, jobs, threads,
    )  # fmt: skip


@contextmanager
def prepare_run(run: RunPlan) -> Iterator[Prepared]:
    """Build the executor (an error of the command, with nothing written, when it cannot start or run a cell), then,
    holding the run directory's lock: the manifest, ``suite.resolved.yaml`` and each cell's ``cell.json``."""
    stream = run.stream
    workloads = {entry.cell.id: cell_workload(entry.cell, run.suite.plan(entry.cell)) for entry in run.to_run()}
    context = ExecutorContext(
        device=run.device, jobs=run.jobs, allow_changed_environment=run.options.allow_changed_environment,
        cells_per_gpu=run.options.cells_per_gpu,
    )  # fmt: skip
    executor = run.executor_entry.factory(run.executor_config, context)
    check_jobs(executor, [_job(entry) for entry in run.to_run()])  # e.g. a Ray cell no node holds
    if getattr(run.executor_config, "address", None) in (None, "local"):  # an executor that runs the cells on this machine
        warning = oversubscription(run.jobs, run.threads)
        if warning:
            print(warning, file=stream)
    try:
        run.run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise atomic.storage_error("create", run.run_dir, error) from None
    with DirectoryLock(run.run_dir / LOCK_FILE, f"run directory {run.run_dir}"):
        manifest = _open_books(run)
        summary = RunSummary(run.run_dir, run.entries)
        progress = Progress(stream, len(run.entries), slots=run.jobs, interactive=run.options.interactive)
        jobs = []
        for entry in run.entries:
            if _to_run(entry, run.options.evaluate_only):
                CellDirectory(entry.directory).write_planned(entry.cell)
                jobs.append(_job(entry))
                progress.add(entry.cell.id, entry.cell.config.epochs, workloads[entry.cell.id], entry.state.epochs_done)
            else:
                _pass_over(entry, summary, progress)
        if len(jobs) < len(run.entries):
            progress.message(f"{len(run.entries) - len(jobs)} of {len(run.entries)} cells already complete (or not to be run) in {run.run_dir}")
        yield Prepared(run, executor, manifest, jobs, summary, progress)


def dispatch(prepared: Prepared) -> dict[str, JobResult]:
    """The executor runs the jobs (Ctrl-C is its to handle); every job's outcome."""
    try:
        return prepared.executor.run(prepared.jobs, prepared.progress)
    finally:
        prepared.progress.close()


def summarise(prepared: Prepared, outcomes: dict[str, JobResult]) -> RunSummary:
    """Every job's outcome into the summary, and the invocation's end into the manifest."""
    summary = prepared.summary
    for job in prepared.jobs:
        ended = outcomes[job.cell_id]
        summary.outcomes[job.cell_id] = ended.outcome
        if ended.node:
            summary.nodes[job.cell_id] = dict(ended.node)
        if ended.outcome == "failed":
            summary.failures[job.cell_id] = ended.error or "unknown error"
        elif ended.outcome == "interrupted":
            summary.interrupted = True
    status = "interrupted" if summary.interrupted else ("failed" if summary.failures else "complete")
    counts = {name: sum(1 for o in summary.outcomes.values() if o == name) for name in ("complete", "failed", "interrupted")}
    try:
        atomic.write_json(prepared.plan.run_dir / MANIFEST_FILE, manifests.end_invocation(prepared.manifest, status, counts, summary.nodes))
    except StorageError as error:
        summary.storage_problems.append(str(error))
    return summary


def _open_books(run: RunPlan) -> dict[str, Any]:
    """The run directory's own files at the start of an invocation: temp files cleared, manifest, suite; notes said."""
    run_dir, suite, stream, options = run.run_dir, run.suite, run.stream, run.options
    for path, size in atomic.remove_temp_files(run_dir):
        print(f"note: removed {path.name} ({size} bytes), left by a write that was killed", file=stream)
    manifest = manifests.start_invocation(
        read_manifest(run_dir),
        {
            "name": suite.name,
            "description": suite.description,
            "source": str(suite.source) if suite.source else None,
            "seeds": list(suite.seeds),
            "baseline": suite.baseline,
            "comparisons": suite.comparisons,
            "claims": suite.claims,
        },
        [cell.record() | {"epochs": cell.config.epochs} for cell in suite.cells()],
        manifests.environment_record(run.registry, run.device, run.resolved_device),
        {"only": list(options.only or []), "jobs": run.jobs, "cells_per_gpu": options.cells_per_gpu, "executor": run.executor},
    )
    atomic.write_json(run_dir / MANIFEST_FILE, manifest)  # first: a directory with a manifest is a run directory
    _write_suite(run_dir, suite)
    if manifest["mixed_environments"]:
        print(
            f"note: {run_dir} holds cells made with different {', '.join(manifest['mixed_environments'])} "
            f"(see {MANIFEST_FILE} invocations)",
            file=stream,
        )
    _note_stale_cells(run_dir, suite, stream)
    return manifest


def _pass_over(entry: PlannedEntry, summary: RunSummary, progress: Progress) -> None:
    """A cell this invocation does not run: complete, damaged (a failure naming the file), or not trained (evaluate)."""
    cell_id, state = entry.cell.id, entry.state
    if entry.done:
        summary.outcomes[cell_id] = "complete"
        progress.skipped()
    elif state.status == "damaged":
        summary.outcomes[cell_id] = "failed"
        summary.failures[cell_id] = state.problem or "damaged"
        progress.skipped(failed=True)
    else:
        summary.outcomes[cell_id] = "not trained"
        progress.skipped()


def _to_run(entry: PlannedEntry, evaluate_only: bool) -> bool:
    """Whether the run hands this cell to the executor (not complete, not damaged, trained when only evaluating)."""
    return not entry.done and entry.state.status != "damaged" and (entry.trained or not evaluate_only)


def _job(entry: PlannedEntry) -> Job:
    cell = entry.cell
    return Job(cell.id, entry.directory, cell.config.epochs, entry.state.epochs_done, trained=entry.trained, threads=cell.config.train.threads)


def _executor_choice(suite: Suite, executor: str | None, options: dict[str, Any] | None) -> tuple[str, dict[str, Any] | None]:
    """The executor to use and its options: the caller's over the suite's (``executor:``), else local."""
    written = getattr(suite, "executor", None)
    name = executor or (written[0] if written else DEFAULT_EXECUTOR)
    if written and written[0] == name:
        return name, {**written[1], **(options or {})}
    return name, options


def evaluate_run(run_dir: str | Path, **options: Any) -> RunSummary:
    """Evaluate the trained cells of the run directory ``run_dir`` whose evaluation is missing.

    The suite is the directory's own ``suite.resolved.yaml``, so this evaluates exactly
    what was run; untrained cells are left alone (``not trained``).  ``options`` are
    :func:`run_suite`'s.
    """
    return run_suite(run_directory_suite(run_dir), run_dir, evaluate_only=True, **options)


def run_directory_suite(run_dir: str | Path) -> Suite:
    """The suite a run directory last ran (its ``suite.resolved.yaml``)."""
    from nasbench_rss.suite import load_suite

    run_dir = Path(run_dir)
    if read_manifest(run_dir) is None or not (run_dir / SUITE_FILE).exists():
        raise RunError(f"{run_dir}: not a run directory (no {MANIFEST_FILE} or {SUITE_FILE}); make one with `nasbench-rss run SUITE --out {run_dir}`")
    return load_suite(run_dir / SUITE_FILE)


def _check_directory(run_dir: Path, suite: Suite) -> None:
    if run_dir.is_symlink() and not run_dir.exists():
        raise RunError(f"--out {run_dir}: is a dangling symbolic link; name a directory")
    if run_dir.exists() and not run_dir.is_dir():
        raise RunError(f"--out {run_dir}: exists and is not a directory; name a directory (it is made when missing)")
    manifest = read_manifest(run_dir)
    if manifest is not None and manifest.get("suite", {}).get("name") != suite.name:
        raise RunError(
            f"--out {run_dir}: holds a run of suite {manifest['suite'].get('name')!r}, not {suite.name!r}; "
            "use another --out directory"
        )
    if manifest is None and run_dir.is_dir():
        foreign = sorted(p.name for p in run_dir.iterdir() if p.name not in RUN_FILES and not p.name.endswith(atomic.TEMP_SUFFIX))
        if foreign or (run_dir / CELLS_DIR).exists():
            raise RunError(
                f"--out {run_dir}: is a non-empty directory that is not a run directory (no {MANIFEST_FILE}; it holds "
                f"{', '.join(foreign[:5]) or CELLS_DIR}); use another --out"
            )


def _write_suite(run_dir: Path, suite: Suite) -> None:
    """Write ``suite.resolved.yaml``; an earlier, different version moves to ``history/``."""
    path = run_dir / SUITE_FILE
    text = suite.resolved_yaml()
    if path.exists():
        previous = atomic.read_bounded(path, MAX_SUITE_BYTES, "a suite file").decode("utf-8", errors="replace")
        if previous == text:
            return
        history = run_dir / HISTORY_DIR
        number = len(list(history.glob("suite.resolved.*.yaml"))) + 1 if history.exists() else 1
        atomic.write_text(history / f"suite.resolved.{number}.yaml", previous)
    atomic.write_text(path, text)


def _note_stale_cells(run_dir: Path, suite: Suite, stream: TextIO) -> None:
    planned = {str(cell.directory) for cell in suite.cells()}
    stale = sorted(
        str(path.parent.relative_to(run_dir))
        for path in (run_dir / CELLS_DIR).glob(f"*/*/*/*/{CELL_FILE}")
        if str(path.parent.relative_to(run_dir)) not in planned
    )
    if stale:
        print(
            f"note: {len(stale)} cell director{'y' if len(stale) == 1 else 'ies'} in {run_dir} belong to an earlier version "
            f"of the suite (a setting changed) and are left as they are: {', '.join(stale[:5])}{' ...' if len(stale) > 5 else ''}",
            file=stream,
        )


def _one_line(text: str, limit: int = 120) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe_plan(entries: Sequence[PlannedEntry]) -> str:
    """A table of what a run would do, for ``--dry-run``."""
    rows = [[e.cell.id, e.cell.config.epochs, e.action, str(e.directory)] for e in entries]
    total = sum(e.cell.config.epochs - e.state.epochs_done for e in entries if not e.trained and e.state.status != "damaged")
    evaluations = sum(1 for e in entries if not e.done and e.state.status != "damaged")
    return tabulate(rows, headers=["cell", "epochs", "action", "directory"]) + (
        f"\n{len(entries)} cells, {total} epochs to train, {evaluations} populations to evaluate"
    )


def describe_summary(summary: RunSummary, command: str) -> str:
    """The end-of-run table: every selected cell's outcome, time and speed; failures; how to resume."""
    rows = []
    for entry in summary.entries:
        outcome = summary.outcomes.get(entry.cell.id, "not run")
        state = CellDirectory(entry.directory).state(entry.cell.evaluation.config_hash)
        result = state.result or {}
        evaluation = state.evaluation
        subnets = sum(len(bucket["subnets"]) for bucket in evaluation["buckets"]) if evaluation else 0
        rows.append(
            [
                entry.cell.id,
                outcome,
                f"{state.epochs_done}/{entry.cell.config.epochs}",
                format_duration(result["train_seconds"]) if result else "",
                f"{result['images_per_second']:.0f}" if result else "",
                subnets if evaluation else "",
                format_duration(evaluation["seconds"]) if evaluation else "",
            ]
        )
    headers = ["cell", "outcome", "epochs", "train time", "img/s", "subnets evaluated", "evaluation time"]
    lines = [tabulate(rows, headers=headers)]
    outcomes = ("complete", "failed", "interrupted", "not trained")
    counts = {o: sum(1 for v in summary.outcomes.values() if v == o) for o in outcomes}
    lines.append(", ".join(f"{counts[o]} {o}" for o in outcomes if counts[o] or o != "not trained") + f"; results in {summary.run_dir}")
    if summary.report:
        lines.append(f"report: {summary.report[0].parent}")
    for cell_id, error in summary.failures.items():
        lines.append(f"FAILED {cell_id}: {_one_line(error, 800)}")
    if summary.failures:
        lines.append(f"each failed cell's traceback is in its worker.log; rerun `{command}` to retry them")
    for problem in summary.storage_problems:
        lines.append(f"NOT WRITTEN: {problem}")
    if summary.interrupted:
        lines.append(f"interrupted: rerun `{command}` to resume (complete cells are kept, others continue from their last epoch)")
    return "\n".join(lines)
