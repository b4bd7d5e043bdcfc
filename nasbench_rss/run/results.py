"""Reading a run directory back: its manifest and every planned cell with its state and result.

Reports, notebooks and ``nasbench-rss evaluate`` read runs through this, not by globbing
files, so a missing or failed cell is always visible as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nasbench_rss.cell.directory import CellDirectory, CellStatus
from nasbench_rss.errors import NasbenchError
from nasbench_rss.config.evaluation import EvaluationConfig
from nasbench_rss.run.layout import MANIFEST_FILE, SUITE_FILE, read_manifest


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

    @property
    def resolved_suite(self) -> str:
        """The text of ``suite.resolved.yaml``: the suite as this directory last ran it."""
        return (self.path / SUITE_FILE).read_text()

    def cells(self) -> list[CellRecord]:
        """Every cell the suite plans, in suite order, complete or not."""
        records = []
        for planned in self.manifest["cells"]:
            directory = self.path / planned["directory"]
            state = CellDirectory(directory).state(EvaluationConfig.model_validate(planned["evaluation"]).config_hash)
            records.append(
                CellRecord(
                    id=planned["id"],
                    run=planned["run"],
                    arch=planned["arch"],
                    dataset=planned["dataset"],
                    seed=planned["seed"],
                    epochs=planned["epochs"],
                    directory=directory,
                    config=planned["config"],
                    evaluation=planned["evaluation"],
                    status=state.status,
                    epochs_done=state.epochs_done,
                    result=state.result,
                    failure=state.failure,
                    population=state.evaluation,
                    problem=state.problem,
                    kind=planned.get("kind", "run"),
                    subnet=planned.get("subnet"),
                    buckets=tuple(planned.get("buckets", ())),
                )
            )
        return records

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


def open_run(path: str | Path) -> RunDirectory:
    """The run directory at ``path``; an error when it is not one."""
    return RunDirectory(path)
