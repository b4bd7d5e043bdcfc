"""What resolution produces: the grid's entries, runs and references with every value resolved.

Each resolved value keeps where it came from (:class:`SettingSource`: the suite's line, a
protocol, or the field's default), so ``validate`` can say which numbers the suite chose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from nasbench_rss.config.evaluation import EvaluationConfig
from nasbench_rss.config.training import TrainConfig
from nasbench_rss.protocols import DEFAULT_PROTOCOL, get_protocol
from nasbench_rss.validation import data_path


@dataclass(frozen=True)
class SettingSource:
    """Where a resolved value came from: the suite (at ``path``), a protocol, or the field's default."""

    kind: Literal["suite", "protocol", "default"]
    path: tuple[Any, ...] = ()
    protocol: str = ""


DEFAULT_SOURCE = SettingSource("default")


@dataclass(frozen=True)
class GridEntry:
    """One architecture or dataset of the grid, every option resolved (JSON-ready)."""

    name: str
    options: dict[str, Any]
    path: tuple[Any, ...]
    train_subset: int | None = None
    test_subset: int | None = None
    space: Any = field(default=None, compare=False, repr=False)  # the architecture's SearchSpace
    valid_size: int | None = None
    """Held-out training images as the suite sets them (None: each run's protocol decides)."""
    valid_size_path: tuple[Any, ...] | None = None
    """Where the suite sets ``valid_size`` (this entry or the defaults' dataset), when it does."""

    def to_document(self, kind: str) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": self.name, "options": self.options}
        if kind == "dataset":
            entry.update(train_subset=self.train_subset, test_subset=self.test_subset)
            if self.valid_size is not None:
                entry["valid_size"] = self.valid_size
        return entry


@dataclass(frozen=True)
class MatchedEpochs:
    """A run's epochs on one dataset set by cost (``epochs: {match: RUN, by: macs}``, ``suite/match.py``).

    MACs are means over the suite's seeds of what training will count (``train/cost.py``).
    """

    match: str
    """The run whose training MACs are matched."""
    epochs: int
    target_macs: float
    """The matched run's training MACs."""
    macs: float
    """This run's training MACs at ``epochs``."""
    epoch_macs: float
    """This run's MACs of one epoch at that length (the largest step between the lengths compared)."""

    def record(self) -> dict[str, Any]:
        return {"match": self.match, "by": "macs", "epochs": self.epochs, "target_macs": self.target_macs, "macs": self.macs, "epoch_macs": self.epoch_macs}


@dataclass(frozen=True)
class ResolvedRun:
    """A run with its sampler options resolved and its training merged over the defaults."""

    name: str
    description: str
    sampler: str
    options: dict[str, Any]
    epochs: int | dict[str, int]
    training: TrainConfig
    path: tuple[Any, ...]
    protocol: str = DEFAULT_PROTOCOL
    sources: dict[str, SettingSource] = field(default_factory=dict, compare=False, repr=False)
    """``training.lr``, ``options.kd_ratio``, ``protocol``, ...: where each resolved value came from."""
    matched: dict[str, MatchedEpochs] = field(default_factory=dict)
    """Dataset -> how its epochs were set by cost, for a run written ``epochs: {match: ...}`` (``epochs`` then holds
    them, and the resolved document writes them as numbers: it parses again to the same cells)."""

    def epochs_for(self, dataset: str) -> int:
        return self.epochs if isinstance(self.epochs, int) else self.epochs[dataset]

    def valid_size_for(self, dataset: GridEntry) -> tuple[int, SettingSource]:
        """Training images the run holds out of ``dataset``, and where that number came from."""
        return valid_size_for(dataset, self.protocol)

    def to_document(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "sampler": self.sampler,
            "protocol": self.protocol,
            "options": self.options,
            "epochs": self.epochs,
            "training": self.training.model_dump(mode="json"),
        }


def valid_size_for(dataset: GridEntry, protocol_name: str) -> tuple[int, SettingSource]:
    """Training images held out of ``dataset`` under ``protocol_name`` (the suite's value wins), and where it came from."""
    if dataset.valid_size is not None:
        return dataset.valid_size, SettingSource("suite", dataset.valid_size_path or ())
    protocol = get_protocol(protocol_name)
    if "valid_size" in protocol.dataset:
        return protocol.dataset["valid_size"].value, SettingSource("protocol", protocol=protocol_name)
    return 0, DEFAULT_SOURCE


REFERENCES_RUN = "references"
"""The ``run`` of every stand-alone reference cell (cell ids ``arch/dataset/references/ENCODING/seedN``)."""


@dataclass(frozen=True)
class ResolvedReferences:
    """The suite's ``references:`` with its training merged over the defaults and the protocol."""

    per_bucket: int
    epochs: int | dict[str, int]
    seeds: tuple[int, ...]
    training: TrainConfig
    compile: str
    protocol: str
    path: tuple[Any, ...] = ("references",)
    sources: dict[str, SettingSource] = field(default_factory=dict, compare=False, repr=False)
    """``training.lr``, ``per_bucket``, ...: where each resolved value came from."""

    def epochs_for(self, dataset: str) -> int:
        return self.epochs if isinstance(self.epochs, int) else self.epochs[dataset]

    def to_document(self) -> dict[str, Any]:
        return {
            "per_bucket": self.per_bucket,
            "epochs": self.epochs,
            "seeds": list(self.seeds),
            "training": self.training.model_dump(mode="json"),
            "compile": self.compile,
        }


@dataclass(frozen=True)
class ResolvedSuite:
    """Everything the grid is made of; ``cells.expand`` crosses it with the seeds.

    ``raw`` is the YAML data it was resolved from (to tell where a setting is written).
    After a problem it holds only what resolved: a :class:`~nasbench_rss.suite.Suite` is
    made from a complete one alone.
    """

    architectures: tuple[GridEntry, ...]
    datasets: tuple[GridEntry, ...]
    runs: tuple[ResolvedRun, ...]
    training: TrainConfig
    evaluation: EvaluationConfig
    default_architecture: GridEntry | None
    default_dataset: GridEntry | None
    raw: Any = field(default=None, compare=False, repr=False)
    observers: tuple[tuple[str, dict[str, Any]], ...] = ()
    """(name, options) of the observers every cell trains with (not part of its identity)."""
    protocol: str = DEFAULT_PROTOCOL
    """``defaults.protocol`` (what the evaluation's values come from; runs may name their own)."""
    evaluation_sources: dict[str, SettingSource] = field(default_factory=dict, compare=False, repr=False)
    references: ResolvedReferences | None = None
    """The stand-alone references (None: the suite has no ``references:``)."""

    def written_at(self, *candidates: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """The first of ``candidates`` (paths into the document) that the document writes, else None."""
        return next((path for path in candidates if data_path(self.raw, path) == path), None)
