"""A cell's records checked once, where the analysis reads them: a damaged one is said, never a traceback.

``result.json``, ``evaluation.json`` and ``interference.jsonl`` are read by
:class:`~nasbench_rss.cell.directory.CellDirectory` as JSON; what the analysis takes from
them is checked here against the models below (the fields it reads, with the types and
ranges nasbench-rss writes; other fields are left alone).  A file that does not pass is a
:class:`Damage`: the file, what is wrong in it, and how to recover (the recovery of
:func:`nasbench_rss.cell.directory.recovery`).  A cell whose ``result.json`` is damaged adds
nothing; one whose ``evaluation.json`` is damaged adds its training but no accuracies.

An accuracy that is NaN (a bare ``NaN`` in the file) or null is not damage: it is kept as
NaN, counted (:func:`nasbench_rss.analysis.populations.nan_accuracies`) and left out of
every statistic.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Annotated, Any

import pydantic
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from nasbench_rss.cell.directory import EVALUATION_FILE, RESULT_FILE, recovery
from nasbench_rss.errors import StorageError
from nasbench_rss.run.results import CellRecord
from nasbench_rss.validation import field_problems, format_path

MAX_PROBLEMS = 3
"""At most this many problems of one file are named (the first ones); the count says how many more."""


@dataclass(frozen=True)
class Damage:
    """A cell file that cannot be used: ``problem`` names the file, what is wrong and how to recover."""

    cell: str
    problem: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.cell, "problem": self.problem}


class DamagedCells(StorageError):
    """Some cells of a run directory have damaged files; what was made (a report, a table) leaves out what they hold."""

    def __init__(self, damaged: list[Damage], made: str) -> None:
        self.damaged = list(damaged)
        lines = [f"  {d.cell}: {' '.join(d.problem.split())}" for d in self.damaged]
        count = f"{len(self.damaged)} cell{'s have' if len(self.damaged) != 1 else ' has'} damaged files"
        super().__init__(f"{count}; {made} without what they hold (mend them as said and rerun):\n" + "\n".join(lines))


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} not allowed; allowed: a number")
    return value


def _none_is_nan(value: Any) -> Any:
    """A subnet without an accuracy (null) is a NaN one; a boolean is not a number."""
    return math.nan if value is None else _not_bool(value)


def _fraction_or_nan(value: float) -> float:
    if math.isnan(value) or 0 <= value <= 1:
        return value
    raise ValueError(f"{value!r} not allowed; allowed: an accuracy in [0, 1], or NaN")


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"{value!r} not allowed; allowed: a finite number")
    return value


def _finite_non_negative(value: float) -> float:
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{value!r} not allowed; allowed: a finite number >= 0")
    return value


Real = Annotated[float, BeforeValidator(_not_bool)]
"""A number (NaN and infinity allowed: a measured change may diverge)."""
Number = Annotated[float, BeforeValidator(_not_bool), AfterValidator(_finite)]
NonNegative = Annotated[float, BeforeValidator(_not_bool), AfterValidator(_finite_non_negative)]
Count = Annotated[int, Field(strict=True, ge=0)]
Accuracy = Annotated[float, BeforeValidator(_none_is_nan), AfterValidator(_fraction_or_nan)]
"""A fraction in [0, 1], or NaN (null too): a subnet without an accuracy, counted and left out of the statistics."""


class _Record(BaseModel):
    """The fields the analysis reads; others are kept as they are and not checked."""

    model_config = ConfigDict(extra="allow")


class TrainedSubnet(_Record):
    mflops: NonNegative
    steps: Count


class ExposureRecord(_Record):
    subnets: list[TrainedSubnet] | None = None
    total_subnet_steps: Count | None = None
    distinct_subnets: Count | None = None


class ProbeTime(_Record):
    seconds: NonNegative = 0.0
    cpu_seconds: NonNegative = 0.0


class PluginUse(_Record):
    kind: str
    name: str
    distribution: str | None = None
    version: str | None = None


class ResumedUnder(_Record):
    epochs_done: Count | None = None
    changes: list[str] = []


class Provenance(_Record):
    device_name: str | None = None
    device_type: str | None = None
    code: dict[str, dict[str, Any]] | None = None
    plugins: list[PluginUse] = []
    resumed_under: list[ResumedUnder] = []


class TrainMacs(_Record):
    """``result.json``'s ``train_macs`` (:mod:`nasbench_rss.train.cost`): whole counts, their total their sum."""

    subnets: Count
    teacher: Count = 0
    candidates: Count = 0
    total: Count

    @model_validator(mode="after")
    def _total_is_the_sum(self) -> TrainMacs:
        if self.total != self.subnets + self.teacher + self.candidates:
            raise ValueError(f"total {self.total} not allowed; allowed: subnets + teacher + candidates = {self.subnets + self.teacher + self.candidates}")
        return self


class ResultRecord(_Record):
    """What the analysis reads of ``result.json``: times, exposure, the probe's time, provenance."""

    train_seconds: NonNegative
    """Positive, and more than the probe's share (checked below): every time ratio divides by it."""
    epoch_seconds: list[NonNegative] = []
    epoch_cpu_seconds: list[NonNegative | None] | None = None
    train_cpu_seconds: NonNegative | None = None
    cpu_count: Annotated[int, Field(strict=True, ge=1)] | None = None
    images_per_second: NonNegative | None = None
    train_seconds_definition: str | None = None
    train_cpu_seconds_definition: str | None = None
    train_macs: TrainMacs | None = None
    train_macs_definition: str | None = None
    exposure: ExposureRecord | None = None
    interference: ProbeTime | None = None
    provenance: Provenance | None = None

    @model_validator(mode="after")
    def _training_took_time(self) -> ResultRecord:
        probe = self.interference or ProbeTime()
        if not self.train_seconds > probe.seconds:
            raise ValueError(
                f"train_seconds {self.train_seconds!r} not allowed; allowed: more than 0 and than the probe's seconds ({probe.seconds!r})"
            )
        if self.train_cpu_seconds is not None and not self.train_cpu_seconds > probe.cpu_seconds:
            raise ValueError(
                f"train_cpu_seconds {self.train_cpu_seconds!r} not allowed; allowed: more than 0 and than the probe's CPU seconds "
                f"({probe.cpu_seconds!r})"
            )
        return self


class EvaluatedSubnet(_Record):
    index: Count
    encoding: str
    mflops: NonNegative
    accuracy: Accuracy


class BucketRecord(_Record):
    label: str
    target: Number
    tolerance: NonNegative | None = None
    status: str
    reason: str | None = None
    networks: str | Count | None = None
    probability: NonNegative | None = None
    subnets: list[EvaluatedSubnet] | None = None


class FlopsFacts(_Record):
    definition: str | None = None
    min_mflops: Number | None = None
    max_mflops: Number | None = None


class StandAlone(_Record):
    encoding: str
    mflops: NonNegative
    accuracy: Accuracy


class CurveSubnet(_Record):
    index: Count
    encoding: str
    accuracy: Accuracy


def _fraction_of_training(value: float) -> float:
    if not 0 < value <= 1:
        raise ValueError(f"{value!r} not allowed; allowed: a fraction of training in (0, 1]")
    return value


class CurvePointRecord(_Record):
    """One point of a learning curve (:mod:`nasbench_rss.evaluate.curve`)."""

    epochs: Annotated[int, Field(strict=True, ge=1)]
    fraction: Annotated[float, BeforeValidator(_not_bool), AfterValidator(_fraction_of_training)]
    train_macs: NonNegative | None = None
    status: str
    reason: str | None = None
    buckets: dict[str, list[CurveSubnet]] = {}


class CurveRecord(_Record):
    """``evaluation.json``'s ``curve``: the panel's accuracies at each point, and the convergence threshold."""

    per_bucket: Annotated[int, Field(strict=True, ge=1)]
    converged_below: Annotated[float, BeforeValidator(_not_bool), AfterValidator(_finite), Field(gt=0)]
    points: list[CurvePointRecord]
    seconds: NonNegative = 0.0
    macs: NonNegative | None = None


class EvaluationRecord(_Record):
    """What the analysis reads of ``evaluation.json``: the buckets and their subnets' accuracies, the FLOPs facts, the curve."""

    buckets: list[BucketRecord] = []
    flops: FlopsFacts | None = None
    subnets_hash: str | None = None
    test_images: Count | None = None
    calibration_images: Count | None = None
    shape: dict[str, Any] | None = None
    stand_alone: StandAlone | None = None
    curve: CurveRecord | None = None


class ProbeMeasure(_Record):
    probe: str
    trained: bool = False
    measured_change: Real
    predicted_change: Real | None = None
    cosine: Real | None = None


class PairCosine(_Record):
    cosine: Real | None = None


class ProbeLine(_Record):
    """One line of ``interference.jsonl``: one probed step."""

    epoch: Count
    probes: list[ProbeMeasure]
    pairwise: list[PairCosine] = []


def problem_text(where: str, error: pydantic.ValidationError, model: Any, data: Any, name: str) -> str:
    """``WHERE: field: what is wrong; ...; how to recover`` for a record that does not pass ``model``."""
    problems = field_problems(error, model, data)
    named = [f"{format_path(p.path)}: {p.message}" if p.path else p.message for p in problems[:MAX_PROBLEMS]]
    more = f" (and {len(problems) - MAX_PROBLEMS} more)" if len(problems) > MAX_PROBLEMS else ""
    return f"{where}: {'; '.join(named)}{more}; {recovery(name)}"


def check(model: type[_Record], data: Any, where: str, name: str) -> str | None:
    """None when ``data`` passes ``model``, else the problem (file, what is wrong, how to recover)."""
    try:
        model.model_validate(data)
    except pydantic.ValidationError as error:
        return problem_text(where, error, model, data, name)
    return None


def check_cell(cell: CellRecord) -> tuple[CellRecord, Damage | None]:
    """The cell as the analysis may use it, and its damage: a damaged record is dropped and said.

    A damaged ``result.json`` drops the cell's result and evaluation (status ``damaged``); a
    damaged ``evaluation.json`` drops its evaluation only (the cell is trained, not evaluated).
    A cell the directory already found damaged (an unreadable file) is said as it is.
    """
    if cell.status == "damaged":
        return cell, Damage(cell.id, cell.problem or "damaged")
    if cell.result is not None:
        problem = check(ResultRecord, cell.result, str(cell.directory / RESULT_FILE), RESULT_FILE)
        if problem is not None:
            return dataclasses.replace(cell, status="damaged", result=None, population=None, problem=problem), Damage(cell.id, problem)
    if cell.population is not None:
        problem = check(EvaluationRecord, cell.population, str(cell.directory / EVALUATION_FILE), EVALUATION_FILE)
        if problem is not None:
            return dataclasses.replace(cell, status="damaged", population=None, problem=problem), Damage(cell.id, problem)
    return cell, None


def check_cells(cells: list[CellRecord]) -> tuple[list[CellRecord], list[Damage]]:
    """Every cell as the analysis may use it (in the same order), and the damage found."""
    checked, damaged = [], []
    for cell in cells:
        usable, damage = check_cell(cell)
        checked.append(usable)
        if damage is not None:
            damaged.append(damage)
    return checked, damaged
