"""A planned cell: what a run directory's ``cell.json`` holds, enough to train and evaluate it without the suite.

A suite plans one per architecture x dataset x run x seed, plus its stand-alone
references; ``nasbench-rss train`` plans one from its flags.  A cell's identity is its id
(``arch/dataset/run/seedN``, what ``--only`` matches) plus a hash of its fully resolved
:class:`CellConfig`: every option is written out with its default, so writing a default
explicitly changes nothing, while changing any setting gives a new hash and so a new
directory, never a silent mix with old results.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePosixPath
from typing import Any

import pydantic

from nasbench_rss.config.evaluation import EvaluationConfig
from nasbench_rss.config.training import CellConfig
from nasbench_rss.hashing import json_hash
from nasbench_rss.validation import error_text

Observers = tuple[tuple[str, dict[str, Any]], ...]
"""(name, options) of observer plugins."""


@dataclass(frozen=True)
class PlannedCell:
    """One cell to train and (with ``evaluation``) evaluate; ``config`` goes to the trainer unchanged."""

    run: str
    arch: str
    dataset: str
    seed: int
    config: CellConfig
    evaluation: EvaluationConfig | None
    """How its population is evaluated; None for a cell that is only trained (``nasbench-rss train``)."""
    observers: Observers = ()
    """(name, options) of the observers it trains with; they never change training, so no part of its hash."""
    subnet: str | None = None
    """A stand-alone reference's subnet (its encoding); None for a run's cell."""
    buckets: tuple[str, ...] = ()
    """The buckets whose evaluation list the reference was drawn from."""

    @classmethod
    def for_training(cls, config: CellConfig, observers: Observers = ()) -> "PlannedCell":
        """A cell that is trained alone, without a suite (``nasbench-rss train``): its run is its sampler."""
        return cls(config.sampler, config.arch, config.dataset, config.seed, config, None, observers)

    @property
    def kind(self) -> str:
        return "reference" if self.subnet is not None else "run"

    @property
    def id(self) -> str:
        if self.subnet is not None:
            return f"{self.arch}/{self.dataset}/{self.run}/{self.subnet}/seed{self.seed}"
        return f"{self.arch}/{self.dataset}/{self.run}/seed{self.seed}"

    @cached_property
    def config_hash(self) -> str:
        return config_hash(self.config)

    @property
    def directory(self) -> PurePosixPath:
        """Where the cell lives inside its run directory."""
        run = self.run if self.subnet is None else f"{self.run}/{self.subnet}"
        return PurePosixPath(f"cells/{self.arch}/{self.dataset}/{run}/seed{self.seed}-{self.config_hash}")

    def record(self) -> dict[str, Any]:
        """The cell as JSON: what ``cell.json`` holds and what ``validate --json`` lists."""
        record = {
            "id": self.id,
            "kind": self.kind,
            "run": self.run,
            "arch": self.arch,
            "dataset": self.dataset,
            "seed": self.seed,
            "config_hash": self.config_hash,
            "directory": str(self.directory),
            "config": self.config.model_dump(mode="json"),
            "evaluation": self.evaluation.model_dump(mode="json") if self.evaluation is not None else None,
            "observers": [{"name": name, "options": options} for name, options in self.observers],
        }
        if self.subnet is not None:
            record.update(subnet=self.subnet, buckets=list(self.buckets))
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> "PlannedCell":
        """The cell ``record()`` wrote; raises ValueError (naming each field at fault), KeyError or TypeError on anything else.

        Architecture, dataset and seed are the config's own; a record without ``run``
        (written by ``nasbench-rss train`` before 0.2) gets the sampler's name.
        """
        config = _validated(CellConfig, record["config"], "config")
        evaluation = _validated(EvaluationConfig, record["evaluation"], "evaluation") if record.get("evaluation") is not None else None
        observers = tuple((str(item["name"]), dict(item.get("options") or {})) for item in record.get("observers") or [])
        subnet = record.get("subnet")
        buckets = tuple(str(b) for b in record.get("buckets") or ())
        run = record.get("run", config.sampler)
        if not isinstance(run, str) or (subnet is not None and not isinstance(subnet, str)):
            raise TypeError(f"run {run!r} and subnet {subnet!r} must be strings")
        return cls(run, config.arch, config.dataset, config.seed, config, evaluation, observers, subnet, buckets)


def _validated(model: Any, data: Any, where: str) -> Any:
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as error:
        raise ValueError(error_text(error, model, data, lambda path: ".".join([where, *map(str, path)]))) from None


def config_hash(config: CellConfig) -> str:
    """First 10 hex digits of the SHA-256 of the config's canonical JSON."""
    return json_hash(config.model_dump(mode="json"))
