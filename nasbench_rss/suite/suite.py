"""Loading a suite: YAML with positions -> requirements -> schema -> resolution -> sampler checks.

Every stage reports all of its problems, positioned in the file; a stage runs only when
the ones before it passed (a schema error would make later checks report noise), except
that ``requires`` is checked together with the schema, so a missing plugin distribution
is named next to the "unknown sampler" it causes.  A :class:`Suite` exists only when
everything passed, so nothing runs from an invalid suite.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pydantic
import yaml

from nasbench_rss.evaluate.config import EvaluationConfig
from nasbench_rss.plugins import PluginRegistry, get_registry
from nasbench_rss.suite.cells import PlannedCell, expand
from nasbench_rss.suite.models import document_model
from nasbench_rss.suite.problems import Problem, raise_problems
from nasbench_rss.suite.requires import requirement_problems
from nasbench_rss.suite.resolve import ResolvedSuite, resolve
from nasbench_rss.suite.sampler_check import sampler_problems
from nasbench_rss.suite.schema_errors import schema_problems
from nasbench_rss.suite.yaml_source import YamlDocument, parse_yaml, read_yaml


class Suite:
    """A validated suite: its settings, the runs, and the expanded grid of cells.

    Built by :func:`load_suite` / :func:`parse_suite`; ``document`` is the validated
    pydantic document as written (before inheritance), ``resolved_document()`` the same
    with every default and inherited value written out.
    """

    def __init__(self, document: pydantic.BaseModel, resolved: ResolvedSuite, source: Path | None) -> None:
        self.document = document
        self.resolved = resolved
        self.source = source
        self.name: str = document.name
        self.description: str = document.description
        self.seeds: list[int] = list(document.seeds)
        self.device: str = document.device
        self.baseline: str | None = document.baseline
        self.requires: list[str] = list(document.requires)
        self._cells = expand(resolved, self.seeds)

    @property
    def runs(self) -> list[str]:
        """Run names, in document order."""
        return [run.name for run in self.resolved.runs]

    @property
    def evaluation(self) -> EvaluationConfig:
        return self.resolved.evaluation

    def cells(self) -> list[PlannedCell]:
        """Every cell, ordered by architecture, dataset, run, seed."""
        return list(self._cells)

    def resolved_document(self) -> dict[str, Any]:
        """The suite as JSON-ready data with every default filled in and every matrix entry explicit.

        Parsing it again gives the same cells (the same ids and config hashes).
        """
        r = self.resolved
        defaults: dict[str, Any] = {}
        if r.default_architecture is not None:
            defaults["architecture"] = r.default_architecture.to_document("architecture")
        if r.default_dataset is not None:
            defaults["dataset"] = r.default_dataset.to_document("dataset")
        defaults["training"] = r.training.model_dump(mode="json")
        defaults["evaluation"] = r.evaluation.model_dump(mode="json")
        document = {
            "name": self.name,
            "description": self.description,
            "requires": list(self.requires),
            "seeds": list(self.seeds),
            "device": self.device,
            "baseline": self.baseline,
            "defaults": defaults,
            "matrix": {
                "architecture": [entry.to_document("architecture") for entry in r.architectures],
                "dataset": [entry.to_document("dataset") for entry in r.datasets],
            },
            "runs": {run.name: run.to_document() for run in r.runs},
        }
        return json.loads(json.dumps(document))  # a deep copy: no shared lists (YAML anchors), JSON types only

    def resolved_yaml(self) -> str:
        return yaml.safe_dump(self.resolved_document(), sort_keys=False)

    def __repr__(self) -> str:
        source = f" from {self.source}" if self.source else ""
        return f"<Suite {self.name!r}{source}: {len(self._cells)} cells>"


def load_suite(path: str | Path, registry: PluginRegistry | None = None) -> Suite:
    """Read, validate and resolve the suite file at ``path``; :class:`SuiteError` lists every problem."""
    path = Path(path)
    return _build(read_yaml(path), registry, path)


def parse_suite(text: str, source: str = "<string>", registry: PluginRegistry | None = None) -> Suite:
    """:func:`load_suite` for YAML text; ``source`` names it in error messages."""
    return _build(parse_yaml(text, source), registry, None)


def _build(document: YamlDocument, registry: PluginRegistry | None, path: Path | None) -> Suite:
    registry = registry or get_registry()
    model = document_model(registry)
    problems: list[Problem] = []
    requires = document.data.get("requires") if isinstance(document.data, dict) else None
    problems += [_positioned(p, document) for p in requirement_problems(requires)]
    try:
        validated = model.model_validate(document.data)
    except pydantic.ValidationError as error:
        raise_problems(document.source, problems + schema_problems(error, model, document))
    if problems:
        raise_problems(document.source, problems)
    resolved, problems = resolve(validated, document.data, registry)
    if resolved is not None and not problems:
        problems = sampler_problems(resolved, registry)
    if problems or resolved is None:
        raise_problems(document.source, [_positioned(p, document) for p in problems])
    return Suite(validated, resolved, path)


def _positioned(problem: Problem, document: YamlDocument) -> Problem:
    """``problem`` at the place its path points to in the file."""
    if problem.position is not None:
        return problem
    position = document.key_position(problem.path) if problem.at_key else document.locate(problem.path)[0]
    return Problem(problem.path, problem.message, position)

