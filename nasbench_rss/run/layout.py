"""A run directory on disk: which files it holds and what state each cell is in.

    RUN_DIR/
      suite.resolved.yaml      the suite with every default filled (what this directory ran)
      manifest.json            code, versions, device, host, seeds, invocations with their times
      report/                  the report (report.md, report.json, report.html, figures)
      run.lock                 held by the process running this directory
      cells/<arch>/<dataset>/<run>/seed<N>-<hash>/
        cell.json              the planned cell: id, run, seed, config, evaluation, hash
        config.json  events.jsonl  checkpoint.pt  result.json     (the trainer's files)
        evaluation.jsonl  evaluation.json                          (the evaluation's, see evaluate/files.py)
        failure.json           the last failure, until a rerun of the cell succeeds
        worker.log             the worker's log (epoch lines, tracebacks), appended per attempt

A cell is trained (status ``complete``) when ``result.json`` exists, and evaluated when
its ``evaluation.json`` matches its evaluation settings.  The hash in a cell's directory name
is of its resolved training config, so changing any setting makes a new directory instead
of mixing new results with old ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from nasbench_rss.train.trainer import CHECKPOINT_FILE, EVENTS_FILE, RESULT_FILE

SUITE_FILE = "suite.resolved.yaml"
MANIFEST_FILE = "manifest.json"
LOCK_FILE = "run.lock"
CELLS_DIR = "cells"
CELL_FILE = "cell.json"
FAILURE_FILE = "failure.json"
WORKER_LOG = "worker.log"

WORKER_EXIT_OK, WORKER_EXIT_FAILED, WORKER_EXIT_INTERRUPTED = 0, 1, 130
"""Exit codes of a cell's worker process: trained, failed (``failure.json`` written), stopped."""

CellStatus = Literal["complete", "failed", "interrupted", "pending"]
"""complete: result.json exists; failed: failure.json and no result; interrupted: a
checkpoint or events but no result (resumes from the checkpoint); pending: nothing yet."""


@dataclass(frozen=True)
class CellState:
    """What is on disk for one cell directory."""

    status: CellStatus
    epochs_done: int
    result: dict[str, Any] | None
    failure: dict[str, Any] | None


def timestamp() -> str:
    """Now, in UTC, to the second: the times recorded in manifests, failures and logs."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``, or None when the file does not exist."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None


def epochs_logged(cell_dir: Path) -> int:
    """Epoch events in ``events.jsonl`` (those after the last checkpoint are dropped on resume)."""
    try:
        lines = (cell_dir / EVENTS_FILE).read_text().splitlines()
    except FileNotFoundError:
        return 0
    return sum(1 for line in lines if line.strip() and json.loads(line).get("event") == "epoch")


def cell_state(cell_dir: Path) -> CellState:
    """The status of the cell in ``cell_dir`` from its files alone."""
    result = read_json(cell_dir / RESULT_FILE)
    failure = read_json(cell_dir / FAILURE_FILE)
    epochs = epochs_logged(cell_dir)
    if result is not None:
        return CellState("complete", len(result.get("epoch_seconds", [])) or epochs, result, None)
    if failure is not None:
        return CellState("failed", epochs, None, failure)
    if (cell_dir / CHECKPOINT_FILE).exists() or epochs:
        return CellState("interrupted", epochs, None, None)
    return CellState("pending", 0, None, None)
