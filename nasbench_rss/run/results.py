"""Reading a run directory back: its manifest and every planned cell with its state and result.

Reports, notebooks and ``nasbench-rss evaluate`` read runs through this, not by globbing
files, so a missing or failed cell is always visible as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import pydantic

from nasbench_rss.cell.directory import CellDirectory, CellStatus
from nasbench_rss.config.evaluation import EvaluationConfig
from nasbench_rss.errors import NasbenchError
from nasbench_rss.run.layout import MANIFEST_FILE, RunFileError, read_manifest
from nasbench_rss.validation import error_text


@dataclass(frozen=True)
class CellRecord:
    """One planned cell of a run directory as it is on disk."""

    id: str
    run: str
    arch: str
    dataset: str
    seed: int
    epochs: int
    directory: Path
    config: dict[str, Any]
    evaluation: dict[str, Any]
    status: CellStatus
    epochs_done: int
    result: dict[str, Any] | None
    failure: dict[str, Any] | None
    population: dict[str, Any] | None
    """The cell's ``evaluation.json`` (per-bucket subnet accuracies) under its current
    evaluation settings and weights; None until the population is evaluated."""
    problem: str | None = None
    """For a ``damaged`` cell: which file cannot be read and how to recover."""
    kind: str = "run"
    """``run`` (a cell of one of the suite's runs) or ``reference`` (a stand-alone reference)."""
    subnet: str | None = None
    """A reference's subnet (encoding); None for a run's cell."""
    buckets: tuple[str, ...] = ()
    """The buckets a reference was drawn for."""

    @property
    def trained(self) -> bool:
        return self.result is not None

    @property
    def evaluated(self) -> bool:
        return self.population is not None


class RunDirectory:
    """A run directory made by ``nasbench-rss run``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        manifest = read_manifest(self.path)
        if manifest is None:
            raise NasbenchError(f"{self.path}: not a run directory (no {MANIFEST_FILE}); make one with `nasbench-rss run SUITE --out {self.path}`")
        self.manifest: dict[str, Any] = manifest

    @property
    def suite_name(self) -> str:
        return self.manifest["suite"]["name"]

    def cells(self) -> list[CellRecord]:
        """Every cell the suite plans, in suite order, complete or not.

        Each planned entry of the manifest is checked first: a damaged one is a
        :class:`RunFileError` naming the manifest and the entry (exit code 3), not a traceback.
        """
        entries = self.manifest.get("cells")
        if not isinstance(entries, list):
            raise RunFileError(f"{self.path / MANIFEST_FILE}: 'cells' is not a list of planned cells; {_MANIFEST_RECOVERY}")
        records = []
        for index, raw in enumerate(entries):
            planned = self._planned(index, raw)
            directory = self.path / planned.directory
            state = CellDirectory(directory).state(planned.evaluation.config_hash)
            records.append(
                CellRecord(
                    id=planned.id,
                    run=planned.run,
                    arch=planned.arch,
                    dataset=planned.dataset,
                    seed=planned.seed,
                    epochs=planned.epochs,
                    directory=directory,
                    config=planned.config,
                    evaluation=raw["evaluation"],
                    status=state.status,
                    epochs_done=state.epochs_done,
                    result=state.result,
                    failure=state.failure,
                    population=state.evaluation,
                    problem=state.problem,
                    kind=planned.kind,
                    subnet=planned.subnet,
                    buckets=tuple(planned.buckets),
                )
            )
        return records

    def _planned(self, index: int, raw: Any) -> "_PlannedEntry":
        try:
            return _PlannedEntry.model_validate(raw)
        except pydantic.ValidationError as error:
            problems = error_text(error, _PlannedEntry, raw, lambda path: f"cells[{index}]." + ".".join(map(str, path)))
            raise RunFileError(f"{self.path / MANIFEST_FILE}: {problems}; {_MANIFEST_RECOVERY}") from None

    def run_cells(self) -> list[CellRecord]:
        """The cells of the suite's runs (supernets and whatever else a run trains), without the references."""
        return [cell for cell in self.cells() if cell.kind == "run"]

    def references(self) -> list[CellRecord]:
        """The stand-alone reference cells (the suite's ``references:``), in suite order."""
        return [cell for cell in self.cells() if cell.kind == "reference"]

    def missing(self) -> list[CellRecord]:
        """Cells without a result (pending, interrupted, failed in training, damaged)."""
        return [cell for cell in self.cells() if not cell.trained]

    def unevaluated(self) -> list[CellRecord]:
        """Trained cells whose population is not (or not under the current settings and weights) evaluated."""
        return [cell for cell in self.cells() if cell.trained and not cell.evaluated]


_MANIFEST_RECOVERY = (
    "nasbench-rss writes the manifest atomically, so it was damaged afterwards: restore it, or rerun the suite into a new "
    "--out directory (each cell directory keeps its own records)"
)


class _PlannedEntry(pydantic.BaseModel):
    """What the analysis reads of one planned cell in ``manifest.json`` (other fields are left alone)."""

    model_config = pydantic.ConfigDict(extra="allow", frozen=True)

    id: str
    run: str
    arch: str
    dataset: str
    seed: pydantic.StrictInt = pydantic.Field(ge=0)
    epochs: pydantic.StrictInt = pydantic.Field(ge=0)
    directory: str
    config: dict[str, Any]
    evaluation: EvaluationConfig
    kind: Literal["run", "reference"] = "run"
    subnet: str | None = None
    buckets: list[str] = []

    @pydantic.field_validator("directory")
    @classmethod
    def _inside(cls, value: str) -> str:
        """A cell's directory lies inside the run directory (a crafted manifest must not point reads elsewhere)."""
        path = PurePosixPath(value)
        if path.is_absolute() or ".." in path.parts or not path.parts or path.parts[0] != "cells":
            raise ValueError(f"{value!r} not allowed; allowed: a path cells/... inside the run directory")
        return value


def open_run(path: str | Path) -> RunDirectory:
    """The run directory at ``path``; an error when it is not one."""
    return RunDirectory(path)
