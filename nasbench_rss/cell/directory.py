"""The files of one cell: the only code that knows their names, reads and writes them.

    cell.json          the planned cell (id, run, seed, config, evaluation, observers); the runner writes it
    config.json        the resolved training config, every plugin option filled in (first start)
    provenance.json    what the cell was started with: code and plugin versions, torch, device, threads
    events.jsonl       one line per trained epoch
    checkpoint-N.pt    the state after N epochs (only the latest is kept); its number is its epoch,
                       set in the same atomic rename that makes it, so it can be read without torch
    result.json        written last: the cell is trained when it exists
    evaluation.jsonl   every subnet measured (appended as each finishes)
    evaluation.json    the population under the current evaluation settings and weights
    failure.json       the last failure, until a rerun succeeds
    worker.log         the worker's log, appended per attempt
    cell.lock          held by the process working on the cell
    tensorboard/       per-epoch scalars, when the TensorBoard observer is on
    interference.jsonl one line per probed step, when the interference probe is on

Reading is tolerant where a crash can leave damage and strict where it cannot: a JSON
Lines file's torn last line (a process killed while appending) is dropped and said;
every other unreadable file is a :class:`CellFileError` naming the file and how to
recover.  JSON files are written atomically (:mod:`nasbench_rss.atomic`), never through a
symbolic link.  This module imports no torch, so planning, reports and dry runs stay cheap.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, IO, Literal

from nasbench_rss import atomic
from nasbench_rss.cell.planned import PlannedCell
from nasbench_rss.clock import timestamp
from nasbench_rss.errors import StorageError
from nasbench_rss.limits import MAX_RECORD_BYTES
from nasbench_rss.locks import DirectoryLock

CELL_FILE = "cell.json"
CONFIG_FILE = "config.json"
PROVENANCE_FILE = "provenance.json"
EVENTS_FILE = "events.jsonl"
RESULT_FILE = "result.json"
FAILURE_FILE = "failure.json"
EVALUATION_FILE = "evaluation.json"
SUBNET_RECORDS_FILE = "evaluation.jsonl"
INTERFERENCE_FILE = "interference.jsonl"
WORKER_LOG = "worker.log"
LOCK_FILE = "cell.lock"
TENSORBOARD_DIR = "tensorboard"
_CHECKPOINT = re.compile(r"checkpoint-(\d+)\.pt")

RESULT_FORMAT = 2
"""Version of result.json and evaluation.json: 2 ties an evaluation to the weights it measured."""

CellStatus = Literal["pending", "interrupted", "trained", "complete", "failed", "damaged"]
"""pending: nothing yet; interrupted: a checkpoint but no result (resumes from it); trained:
result.json but no evaluation under the current settings and weights; complete: trained and
evaluated; failed: failure.json (the last attempt failed, in training or in evaluation);
damaged: a file cannot be read (``CellState.problem`` says which and how to recover)."""

_RECOVERY = {
    CELL_FILE: "delete it: the next `nasbench-rss run` writes it again from the suite",
    CONFIG_FILE: "restore it, or delete the cell directory to train the cell anew",
    PROVENANCE_FILE: "restore it, or delete the cell directory to train the cell anew",
    RESULT_FILE: "delete it and rerun: the last checkpoint writes it again without training anything",
    FAILURE_FILE: "delete it: it only records the last failure",
    EVENTS_FILE: "delete the damaged line, or the cell directory to train the cell anew",
    SUBNET_RECORDS_FILE: "delete the damaged line (or the file): those subnets are measured again",
    EVALUATION_FILE: "delete it and run `nasbench-rss evaluate RUN_DIR`: it is made again from the subnet records of evaluation.jsonl",
    INTERFERENCE_FILE: "delete the damaged line (or the file): the probe's records of those steps are lost",
}


def recovery(name: str) -> str:
    """How to recover a damaged file ``name`` of a cell (what every message about a damaged cell file ends with)."""
    return _RECOVERY.get(name, "restore or delete it")


class CellFileError(StorageError):
    """A file of a cell cannot be read; the message names it and says how to recover."""


def _json_object(text: str, where: str, name: str, damage: str) -> dict[str, Any]:
    """``text`` as a JSON object; a CellFileError naming ``where`` (file or file:line) and how to recover otherwise."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as error:  # RecursionError: nested deeper than the parser's stack
        raise CellFileError(f"{where}: not valid JSON ({error}); {damage}: {recovery(name)}") from None
    if not isinstance(value, dict):
        raise CellFileError(f"{where}: holds {type(value).__name__}, not a JSON object; {recovery(name)}")
    return value


@dataclass(frozen=True)
class JsonLines:
    """The records of a JSON Lines file, and whether a torn last line was dropped."""

    records: list[dict[str, Any]]
    torn: bool = False


@dataclass(frozen=True)
class CellState:
    """What is on disk for one cell, from its files alone."""

    status: CellStatus
    epochs_done: int
    result: dict[str, Any] | None = None
    failure: dict[str, Any] | None = None
    evaluation: dict[str, Any] | None = None
    """``evaluation.json`` when it is current (same settings, same weights)."""
    problem: str | None = None
    """For ``damaged``: which file, what is wrong, how to recover."""


class CellDirectory:
    """One cell's directory.  Creating the object touches nothing on disk."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"CellDirectory({str(self.path)!r})"

    def file(self, name: str) -> Path:
        return self.path / name

    # ------------------------------------------------------------------ JSON
    def read_json(self, name: str) -> dict[str, Any] | None:
        """The JSON object in ``name``; None when the file does not exist."""
        path = self.file(name)
        data = self._read(name)
        if data is None:
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise CellFileError(f"{path}: cannot be read ({error}); {recovery(name)}") from None
        return _json_object(text, str(path), name, "nasbench-rss writes it atomically, so it was damaged afterwards")

    def _read(self, name: str) -> bytes | None:
        """The bytes of ``name`` (None when it does not exist), read with the bound every record of a run directory has."""
        try:
            return atomic.read_bounded(self.file(name), MAX_RECORD_BYTES, "a run directory's file")
        except FileNotFoundError:
            return None
        except atomic.UnreadableFile as error:
            raise CellFileError(f"{self.file(name)}: cannot be read ({error.reason}); {recovery(name)}") from None

    def write_json(self, name: str, data: Any) -> Path:
        return atomic.write_json(self.file(name), data)

    def write_atomic(self, name: str, write: Callable[[IO[bytes]], None]) -> Path:
        return atomic.write_atomic(self.file(name), write)

    def remove(self, name: str) -> None:
        try:
            self.file(name).unlink(missing_ok=True)
        except OSError as error:
            raise atomic.storage_error("remove", self.file(name), error) from None

    # ------------------------------------------------------- typed records
    def planned(self) -> PlannedCell:
        """The planned cell in ``cell.json``; a CellFileError when it is missing or not one this version can run."""
        record = self.read_json(CELL_FILE)
        if record is None:
            raise CellFileError(f"{self.file(CELL_FILE)}: missing; a cell directory is made by `nasbench-rss run SUITE`")
        try:
            return PlannedCell.from_record(record)
        except (ValueError, KeyError, TypeError) as error:  # a field at fault (named), a missing key, a wrong type
            what = f"missing key {error}" if isinstance(error, KeyError) else str(error)
            raise CellFileError(f"{self.file(CELL_FILE)}: not a planned cell this version can run ({what}); {recovery(CELL_FILE)}") from None

    def write_planned(self, cell: PlannedCell) -> None:
        """Write ``cell.json`` (the one writer: the suite pipeline before it runs a cell, ``train`` for its cell)."""
        self.write_json(CELL_FILE, cell.record())

    def result(self) -> dict[str, Any] | None:
        """``result.json`` (the cell is trained when it exists); None before."""
        return self.read_json(RESULT_FILE)

    def write_failure(self, error: str, kind: str, stage: str, traceback: str | None = None) -> None:
        """Record the last attempt's failure in ``failure.json`` (the one writer: the runner, or an executor
        whose worker died without a word); raises StorageError when it cannot be written."""
        latest = self.latest_checkpoint()
        record: dict[str, Any] = {"error": error, "kind": kind, "stage": stage, "epochs_done": latest[0] if latest else 0, "time": timestamp()}
        if traceback is not None:
            record["traceback"] = traceback
        self.write_json(FAILURE_FILE, record)

    # ----------------------------------------------------------- JSON Lines
    def read_jsonl(self, name: str) -> JsonLines:
        """Every record of ``name`` (none when it does not exist); a torn last line is dropped."""
        path = self.file(name)
        data = self._read(name)
        if data is None:
            return JsonLines([])
        lines = data.decode("utf-8", errors="replace").split("\n")
        torn = lines[-1] != ""  # a complete file ends with a newline
        records = []
        for number, line in enumerate(lines[:-1], start=1):
            if line.strip():
                records.append(_json_object(line, f"{path}:{number}", name, "only a last line can be torn by a crash"))
        return JsonLines(records, torn)

    def drop_torn_line(self, name: str) -> bool:
        """Cut a torn last line off ``name`` (so the next append starts a line); whether one was."""
        path = self.file(name)
        data = self._read(name)
        if not data or data.endswith(b"\n"):
            return False
        atomic.write_atomic(path, lambda file: file.write(data[: data.rfind(b"\n") + 1]))
        return True

    def append_jsonl(self, name: str, record: dict[str, Any]) -> None:
        line = json.dumps(record, allow_nan=False) + "\n"  # serialised first: nothing half-written on a bad value
        with atomic.appending(self.file(name)) as file:
            file.write(line)

    def rewrite_jsonl(self, name: str, records: list[dict[str, Any]]) -> None:
        atomic.write_text(self.file(name), "".join(json.dumps(r, allow_nan=False) + "\n" for r in records))

    # ----------------------------------------------------------- checkpoints
    def checkpoints(self) -> list[tuple[int, Path]]:
        """(epochs done, path) of every checkpoint file, oldest first."""
        try:
            names = os.listdir(self.path)
        except FileNotFoundError:
            return []
        except OSError as error:
            raise atomic.storage_error("list", self.path, error) from None
        found = [(int(m.group(1)), self.path / n) for n in names if (m := _CHECKPOINT.fullmatch(n))]
        return sorted(found)

    def latest_checkpoint(self) -> tuple[int, Path] | None:
        found = self.checkpoints()
        return found[-1] if found else None

    def checkpoint_path(self, epochs_done: int) -> Path:
        return self.file(f"checkpoint-{epochs_done}.pt")

    def snapshot_path(self, epochs_done: int) -> Path:
        """The weights kept for a learning curve's point after ``epochs_done`` epochs (see ``DuringTraining``)."""
        return self.file(f"snapshot-{epochs_done}.pt")

    def remove_older_checkpoints(self, keep: int) -> None:
        """Remove every checkpoint but the one after ``keep`` epochs (written just before)."""
        for epochs, path in self.checkpoints():
            if epochs != keep:
                try:
                    path.unlink(missing_ok=True)
                except OSError as error:
                    raise atomic.storage_error("remove", path, error) from None

    # ------------------------------------------------------------- evaluation
    def evaluation(self, config_hash: str, result: dict[str, Any] | None) -> dict[str, Any] | None:
        """``evaluation.json`` when it was made with these settings from the weights ``result`` records.

        A damaged ``evaluation.json`` counts as missing: it is derived from ``evaluation.jsonl``
        and rebuilt by the next evaluation, so nothing is lost.
        """
        if result is None:
            return None
        try:
            stored = self.read_json(EVALUATION_FILE)
        except CellFileError:
            return None
        if stored is None or stored.get("config_hash") != config_hash:
            return None
        if stored.get("weights") is None or stored.get("weights") != result.get("weights"):
            return None
        return stored

    # ------------------------------------------------------------------ state
    def state(self, evaluation_hash: str | None = None) -> CellState:
        """The cell's status; ``evaluation_hash`` (its evaluation settings) decides ``complete``."""
        try:
            result = self.result()
            if result is not None and result.get("format") != RESULT_FORMAT:
                raise CellFileError(
                    f"{self.file(RESULT_FILE)}: format {result.get('format', 1)!r}, made by an older nasbench-rss "
                    f"(this version reads {RESULT_FORMAT}); rerun the suite into a new --out directory"
                )
            failure = self.read_json(FAILURE_FILE)
            latest = self.latest_checkpoint()
        except CellFileError as error:
            return CellState("damaged", 0, problem=str(error))
        if result is not None:
            listed = result.get("epoch_seconds")  # checked where the analysis reads it; a damaged value must not stop this
            epochs = len(listed) if isinstance(listed, list) else 0
            evaluation = self.evaluation(evaluation_hash, result) if evaluation_hash else None
            if failure is not None:
                return CellState("failed", epochs, result, failure, evaluation)
            return CellState("complete" if evaluation is not None else "trained", epochs, result, None, evaluation)
        epochs = latest[0] if latest else 0
        if failure is not None:
            return CellState("failed", epochs, None, failure)
        return CellState("interrupted" if latest else "pending", epochs)

    # ------------------------------------------------------------ housekeeping
    def remove_temp_files(self) -> list[tuple[Path, int]]:
        """Remove temp files of writes a killed process left (call it holding the cell's lock)."""
        return atomic.remove_temp_files(self.path)

    def lock(self) -> DirectoryLock:
        """The cell's lock: one process at a time trains or evaluates a cell."""
        return DirectoryLock(self.file(LOCK_FILE), f"cell {self.path}")
