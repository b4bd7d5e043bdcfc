"""Loading a suite: YAML -> schema (registry-built models) -> resolution -> checks -> :class:`Suite`.

Every stage collects :class:`Problem` objects and the suite is refused with all of them
at once (a :class:`SuiteError`), each at its place in the file.  The stages do not stop
at the first that fails: when the schema refuses part of the document, the rest is
still resolved and checked (:mod:`nasbench_rss.suite.salvage`), and resolution leaves
out only what failed, so the sampler and data checks run for everything else.
``requires`` is checked together with the schema, so a missing plugin distribution is
named next to the "unknown sampler" it causes.  A :class:`Suite` exists only when
everything passed, so nothing runs from an invalid suite.

Whether each dataset's files are there is kept apart (:meth:`Suite.data_problems`): a
run of some cells must not be refused for data that only other cells need, while
``validate`` reports it for every cell (a warning; with ``--require-data`` a problem).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

import pydantic
import yaml

from nasbench_rss.data.source import DatasetInfo
from nasbench_rss.config.evaluation import EvaluationConfig
from nasbench_rss.plugins import PluginRegistry, get_registry
from nasbench_rss.suite.cells import PlannedCell, expand, reference_cells
from nasbench_rss.suite.consistency import cell_count_problems
from nasbench_rss.suite.data_check import data_problems, dataset_infos, fit_problems
from nasbench_rss.suite.models import document_model
from nasbench_rss.suite.problems import Problem, format_problems, raise_problems
from nasbench_rss.suite.requires import requirement_problems
from nasbench_rss.suite.resolve import ResolvedSuite, resolve
from nasbench_rss.suite.salvage import failed_parts, outside, salvage, skipped_checks
from nasbench_rss.suite.match import match_epochs
from nasbench_rss.suite.plans import CellPlan, PhasePlan, PlanKey, phase_plans
from nasbench_rss.suite.sampler_check import plan_samplers, reference_plans, sampler_problems
from nasbench_rss.suite.schema_errors import schema_problems
from nasbench_rss.suite.yaml_source import YamlDocument, parse_yaml, read_yaml
from nasbench_rss.validation import show

if TYPE_CHECKING:
    from nasbench_rss.suite.settings import SettingRow


class Suite:
    """A validated suite: its settings, the runs, and the expanded grid of cells.

    Built by :func:`load_suite` / :func:`parse_suite`; ``document`` is the validated
    pydantic document as written (before inheritance), ``resolved_document()`` the same
    with every default and inherited value written out; ``cells`` the expanded grid and
    its references, ``plans`` what validation built of each cell's sampler.
    """

    def __init__(
        self,
        document: pydantic.BaseModel,
        resolved: ResolvedSuite,
        source: Path | None,
        *,
        yaml_document: YamlDocument | None = None,
        infos: dict[str, DatasetInfo] | None = None,
        cells: Iterable[PlannedCell] = (),
        plans: dict[PlanKey, CellPlan] | None = None,
    ) -> None:
        self.document = document
        self.resolved = resolved
        self.source = source
        self._yaml = yaml_document
        self._infos = dict(infos or {})
        self.name: str = document.name
        self.description: str = document.description
        self.seeds: list[int] = list(document.seeds)
        self.device: str = document.device
        self.baseline: str | None = document.baseline
        self.requires: list[str] = list(document.requires)
        self.comparisons: list[dict[str, Any]] | None = (
            None if document.comparisons is None else [c.model_dump(mode="json") for c in document.comparisons]
        )
        """The suite's ``comparisons:`` as written (None: every run against the baseline)."""
        self.claims: list[dict[str, Any]] = [
            {"kind": c.kind, "options": c.options().model_dump(mode="json"), "source": c.source, "says": c.says}
            for c in document.claims
        ]
        """The suite's ``claims:``, each {kind, options (every default filled in), source, says}."""
        entry = getattr(document, "executor", None)
        self.executor: tuple[str, dict[str, Any]] | None = (
            (entry.name, entry.options.model_dump(mode="json", exclude_unset=True)) if entry is not None else None
        )
        """The suite's ``executor:`` (name, the options it writes); None: the command line's (default local)."""
        self._cells = list(cells)
        self._plans = dict(plans or {})

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

    def data_problems(self, cells: Iterable[PlannedCell] | None = None) -> list[str]:
        """``FILE:LINE:COL: path: ...`` lines for the datasets of ``cells`` (default: all) whose data cannot be loaded.

        Each names what is missing, where it looked and how to get it, at the dataset's
        entry in the suite; empty when every dataset of ``cells`` is there.  Runners call
        it for the cells they are about to run.
        """
        names = {cell.dataset for cell in (self._cells if cells is None else cells)}
        entries = [entry for entry in self.resolved.datasets if entry.name in names]
        problems = data_problems(entries, self._infos)
        if self._yaml is None:
            return format_problems(str(self.source or "<suite>"), problems)
        return format_problems(self._yaml.source, [_positioned(problem, self._yaml) for problem in problems])

    def settings(self) -> list["SettingRow"]:
        """Every resolved value of every run and of the evaluation, with where it came from (``validate`` shows them)."""
        from nasbench_rss.suite.settings import setting_rows

        return setting_rows(self)

    def phase_plans(self) -> list[PhasePlan]:
        """The phases of every run with more than one (progressive shrinking), as validation built them."""
        return phase_plans(self.resolved, self._plans)

    def plan(self, cell: PlannedCell) -> CellPlan:
        """What ``cell``'s sampler plans (its phases), its FLOPs table and dataset, as validation built them (the ETA reads it)."""
        return self._plans[(cell.run, cell.arch, cell.dataset, cell.subnet)]

    def resolved_document(self) -> dict[str, Any]:
        """The suite as JSON-ready data with every default filled in and every matrix entry explicit.

        Parsing it again gives the same cells (the same ids and config hashes).
        """
        r = self.resolved
        defaults: dict[str, Any] = {"protocol": r.protocol}
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
            "observers": [{"name": name, "options": options} for name, options in r.observers],
        }
        if r.references is not None:
            document["references"] = r.references.to_document()
        if self.comparisons is not None:
            document["comparisons"] = self.comparisons
        if self.claims:
            document["claims"] = [{c["kind"]: c["options"], "source": c["source"], "says": c["says"]} for c in self.claims]
        if self.executor is not None:  # only when written: suites without one resolve as before
            document["executor"] = {"name": self.executor[0], "options": self.executor[1]}
        return json.loads(json.dumps(document))  # a deep copy: no shared lists (YAML anchors), JSON types only

    def resolved_yaml(self) -> str:
        return yaml.safe_dump(self.resolved_document(), sort_keys=False)

    def __repr__(self) -> str:
        source = f" from {self.source}" if self.source else ""
        return f"<Suite {self.name!r}{source}: {len(self._cells)} cells>"


def load_suite(path: str | Path, registry: PluginRegistry | None = None, *, check_data: bool = False) -> Suite:
    """Read, validate and resolve the suite file at ``path``; :class:`SuiteError` lists every problem.

    With ``check_data`` a dataset whose files are missing is a problem too (for every
    cell; see :meth:`Suite.data_problems` for some cells only).
    """
    path = Path(path)
    return _build(read_yaml(path), registry, path, check_data)


def parse_suite(text: str, source: str = "<string>", registry: PluginRegistry | None = None, *, check_data: bool = False) -> Suite:
    """:func:`load_suite` for YAML text; ``source`` names it in error messages."""
    return _build(parse_yaml(text, source), registry, None, check_data)


def _build(document: YamlDocument, registry: PluginRegistry | None, path: Path | None, check_data: bool) -> Suite:
    registry = registry or get_registry()
    model = document_model(registry)
    requires = document.data.get("requires") if isinstance(document.data, dict) else None
    problems = [_positioned(p, document) for p in requirement_problems(requires)]
    non_finite = list(_non_finite_problems(document.data))
    validated, data, schema = None, document.data, []
    try:
        validated = model.model_validate(document.data)
    except pydantic.ValidationError as error:
        schema = schema_problems(error, model, document)
    refused = {tuple(p.path) for p in schema}
    non_finite = [p for p in non_finite if tuple(p.path) not in refused]  # the schema said why already
    problems += schema + [_positioned(p, document) for p in non_finite]
    parts = failed_parts(schema + non_finite)
    if parts:
        salvaged = salvage(model, document.data, parts, next(iter(registry.names("sampler")), None))
        if salvaged is None:
            raise_problems(document.source, problems)
        validated, data = salvaged
    skip = skipped_checks(parts, data)
    resolved, later = resolve(validated, data, registry)
    later += cell_count_problems(resolved, list(validated.seeds))
    infos, found = dataset_infos(resolved, registry)
    resolved, unmatched = (resolved, []) if "runs" in skip else match_epochs(resolved, infos, list(validated.seeds), registry)
    found += unmatched
    outcomes = {} if "runs" in skip or unmatched else plan_samplers(resolved, registry, infos)
    later += found + fit_problems(resolved, infos, skip) + sampler_problems(resolved, outcomes, skip)
    if check_data:
        later += data_problems(list(resolved.datasets), infos)
    problems += [_positioned(p, document) for p in later if outside(p, parts)]
    if problems:
        raise_problems(document.source, problems)
    cells = expand(resolved, list(validated.seeds))
    references = reference_cells(resolved, infos, registry)
    plans, failed = reference_plans(references, resolved, registry, infos)
    if failed:
        raise_problems(document.source, [_positioned(p, document) for p in failed])
    plans.update((key, plan) for key, plan in outcomes.items() if isinstance(plan, CellPlan))
    return Suite(validated, resolved, path, yaml_document=document, infos=infos, cells=cells + references, plans=plans)


def _non_finite_problems(data: Any) -> Iterator[Problem]:
    """A problem at every infinite or NaN number (``.inf``, ``.nan``): no setting takes one, and JSON records cannot hold it.

    Each list and mapping is walked once: an alias shares its anchor's (its numbers are reported where the anchor is).
    """
    seen: set[int] = set()
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            yield Problem(path, f"{show(value)} not allowed; allowed: a finite number")
        elif isinstance(value, (dict, list)) and id(value) not in seen:
            seen.add(id(value))
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend(reversed([(item, (*path, key)) for key, item in items]))  # in document order


def _positioned(problem: Problem, document: YamlDocument) -> Problem:
    """``problem`` at the place its path points to in the file."""
    if problem.position is not None:
        return problem
    position = document.key_position(problem.path) if problem.at_key else document.locate(problem.path)[0]
    return Problem(problem.path, problem.message, position)
