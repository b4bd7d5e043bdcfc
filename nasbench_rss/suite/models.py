"""The pydantic models of a suite document, built from the plugin registry when validating.

Nothing here lists samplers, datasets or architectures by hand: :func:`document_model`
makes one model per registered plugin with :func:`pydantic.create_model` (its ``options``
typed by the plugin's own ``options_model``) and joins them in a discriminated union, so a
third-party sampler's options are checked exactly like a built-in's, and the JSON Schema
of the result lists every installed plugin's options.

* a run is tagged by ``sampler`` (``runs.ofa.sampler: progressive-shrinking``);
* an architecture or dataset entry is tagged by ``name``; in ``matrix`` an entry may be
  written as the bare name (``mnist`` for ``{name: mnist}``);
* a claim by its claim-kind key (``- better: {run: rss, than: ofa}``, plus ``source`` and
  ``says``), its options typed by the kind's plugin.

Every model forbids unknown keys.  A plugin registered without an options model accepts
no options.  What pydantic cannot check (epochs a sampler needs, inheritance of matrix
entries, ``baseline``, ``comparisons`` and ``claims`` naming runs and buckets) is checked by
:mod:`nasbench_rss.suite.resolve`.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Annotated, Any, ClassVar, Literal, Optional, Union, get_args

import pydantic
from pydantic import BeforeValidator, ConfigDict, Discriminator, Field, StringConstraints, Tag
from pydantic_core import PydanticCustomError

from nasbench_rss.config.evaluation import EvaluationConfig
from nasbench_rss.limits import EpochCount, StrictSeed
from nasbench_rss.plugins import PluginRegistry
from nasbench_rss.protocols.base import DEFAULT_PROTOCOL, ProtocolName
from nasbench_rss.config.training import TrainConfig
from nasbench_rss.config.claims import RUN_PATTERN

NAME_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
DEVICE_PATTERN = r"^(auto|cpu|cuda|cuda:[0-9]+)$"
PATTERN_HELP: dict[str, str] = {
    NAME_PATTERN: "lowercase letters, digits and single '-' between them, e.g. rss-short",
    DEVICE_PATTERN: "auto, cpu, cuda or cuda:N",
}
"""What each pattern allows, in words (used by error messages)."""

STRICT = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
SuiteName = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
PositiveInt = Annotated[int, Field(strict=True, ge=1)]
NonNegativeInt = Annotated[int, Field(strict=True, ge=0)]
PROTOCOL_HELP = (
    "named defaults across training, dataset hold-out, evaluation and the sampler's options: ofa (OFA's "
    "train_ofa_net.py), paper-code (what the paper's code ran) or project; anything the suite sets explicitly wins "
    "(see docs/fidelity.md and `nasbench-rss protocols`)"
)
EPOCHS_HELP = "total training epochs of the run: an integer >= 1, or a mapping dataset name -> epochs naming every dataset"


def _epochs_form(value: Any) -> str:
    return "per-dataset" if isinstance(value, dict) else "count"


StrictEpochs = Annotated[EpochCount, Field(strict=True)]
Epochs = Annotated[
    Union[Annotated[StrictEpochs, Tag("count")], Annotated[dict[str, StrictEpochs], Tag("per-dataset")]],
    Discriminator(_epochs_form),
]
"""An epoch count for every dataset, or one per dataset (e.g. the paper's Table 1)."""


class EpochsMatch(pydantic.BaseModel):
    """A run's length set by cost: the epochs that spend the named run's training MACs (``suite/match.py``)."""

    model_config = STRICT
    match: Annotated[str, StringConstraints(pattern=RUN_PATTERN)] = Field(description="the run whose training cost this run's epochs match")
    by: Literal["macs"] = Field("macs", description="macs: training multiply-accumulates as train/cost.py counts them")


def _run_epochs_form(value: Any) -> str:
    if isinstance(value, EpochsMatch) or (isinstance(value, dict) and "match" in value):
        return "matched"  # not "match": a tag that is also a key of the value would stand in error paths
    return _epochs_form(value)


RUN_EPOCHS_HELP = EPOCHS_HELP + ", or {match: RUN, by: macs}: the epochs that spend that run's training MACs, computed when the suite is planned"
RunEpochs = Annotated[
    Union[
        Annotated[StrictEpochs, Tag("count")],
        Annotated[dict[str, StrictEpochs], Tag("per-dataset")],
        Annotated[EpochsMatch, Tag("matched")],
    ],
    Discriminator(_run_epochs_form),
]
"""A run's epochs: a count, one per dataset, or matched to another run's training cost."""


class TaggedEntry(pydantic.BaseModel):
    """Base of the registry-built models: which plugin kind they stand for and their tag field."""

    model_config = STRICT
    kind: ClassVar[str] = ""
    tag_field: ClassVar[str] = "name"

    @classmethod
    def tag_value(cls) -> str:
        """The plugin name this model was built for."""
        return get_args(cls.model_fields[cls.tag_field].annotation)[0]


class ArchitectureEntryBase(TaggedEntry):
    kind: ClassVar[str] = "architecture"


class DatasetEntryBase(TaggedEntry):
    kind: ClassVar[str] = "dataset"


class ObserverEntryBase(TaggedEntry):
    kind: ClassVar[str] = "observer"


class ExecutorEntryBase(TaggedEntry):
    kind: ClassVar[str] = "executor"


class RunBase(TaggedEntry):
    kind: ClassVar[str] = "sampler"
    tag_field: ClassVar[str] = "sampler"


def _no_options(kind: str, name: str) -> type[pydantic.BaseModel]:
    return pydantic.create_model(
        f"NoOptions_{kind}_{_slug(name)}", __config__=STRICT, __doc__=f"{kind} {name!r} takes no options."
    )


def _slug(name: str) -> str:
    return name.replace("-", "_")


def _options_field(kind: str, name: str, model: type[pydantic.BaseModel] | None) -> tuple[Any, Any]:
    """The ``options`` field: the plugin's model, defaulted when every option has a default.

    A model with a required ``name`` field (the design's ``name: Literal[...]`` without a
    default) gets the tag filled in, so users never repeat the plugin name in ``options``.
    """
    model = model or _no_options(kind, name)
    name_field = model.model_fields.get("name")
    annotation: Any = model
    fixed: dict[str, Any] = {}
    if name_field is not None and name_field.is_required():
        fixed = {"name": name}
        annotation = Annotated[model, BeforeValidator(lambda value: {**fixed, **value} if isinstance(value, dict) else value)]
    description = f"options of {kind} {name!r} (validated by {model.__module__}.{model.__qualname__})"
    if any(field.is_required() for field in model.model_fields.values() if field is not name_field):
        return annotation, Field(description=description)
    return annotation, Field(default_factory=lambda: model.model_validate(fixed), description=description)


def _plugin_entry(registry: PluginRegistry, kind: str, base: type[TaggedEntry], name: str, **fields: Any) -> type[TaggedEntry]:
    """The model of one ``{name, options}`` entry of plugin ``name`` of ``kind`` (plus ``fields``)."""
    entry = registry.get(kind, name)
    return pydantic.create_model(
        f"{kind.title()}_{_slug(name)}",
        __base__=base,
        __doc__=entry.description,
        name=(Literal[name], Field(description=f"{kind} plugin: {entry.description}")),
        options=_options_field(kind, name, entry.options_model),
        **fields,
    )


def architecture_entry(registry: PluginRegistry, name: str) -> type[TaggedEntry]:
    return _plugin_entry(registry, "architecture", ArchitectureEntryBase, name)


def dataset_entry(registry: PluginRegistry, name: str) -> type[TaggedEntry]:
    subset = "class-stratified {} subset of this many images; null: the whole split"
    return _plugin_entry(
        registry, "dataset", DatasetEntryBase, name,
        train_subset=(Optional[PositiveInt], Field(None, description=subset.format("training"))),
        test_subset=(Optional[PositiveInt], Field(None, description=subset.format("test"))),
        valid_size=(
            Optional[NonNegativeInt],
            Field(None, description="training images held out of training (OFA's fixed split) before train_subset; unset: the protocol's"),
        ),
    )  # fmt: skip


def observer_entry(registry: PluginRegistry, name: str) -> type[TaggedEntry]:
    return _plugin_entry(registry, "observer", ObserverEntryBase, name)


def executor_entry(registry: PluginRegistry, name: str) -> type[TaggedEntry]:
    return _plugin_entry(registry, "executor", ExecutorEntryBase, name)


def run_model(registry: PluginRegistry, name: str) -> type[TaggedEntry]:
    entry = registry.get("sampler", name)
    return pydantic.create_model(
        f"Run_{_slug(name)}",
        __base__=RunBase,
        __doc__=entry.description,
        description=(str, Field("", description="what this run is, for reports")),
        sampler=(Literal[name], Field(description=f"sampler plugin: {entry.description}")),
        options=_options_field("sampler", name, entry.options_model),
        epochs=(RunEpochs, Field(description=RUN_EPOCHS_HELP)),
        protocol=(Optional[ProtocolName], Field(None, description=f"this run's protocol, over defaults.protocol: {PROTOCOL_HELP}")),
        training=(
            TrainConfig,
            Field(default_factory=TrainConfig, description="training settings merged key by key over defaults.training"),
        ),
    )


class ClaimBase(pydantic.BaseModel):
    """Base of the registry-built claim models: one claim-kind key plus ``source`` and ``says``."""

    model_config = STRICT
    kind: ClassVar[str] = ""

    def options(self) -> pydantic.BaseModel:
        """The options written under the claim's kind key."""
        return getattr(self, _slug(self.kind))


ClaimSource = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def claim_model(registry: PluginRegistry, name: str) -> type[ClaimBase]:
    """The model of one claim of kind ``name``: ``{name: options, source: ..., says: ...}``."""
    entry = registry.get("claim", name)
    model = entry.options_model or _no_options("claim", name)
    claim = pydantic.create_model(
        f"Claim_{_slug(name)}",
        __base__=ClaimBase,
        __doc__=entry.description,
        **{
            _slug(name): (model, Field(alias=name, description=f"claim kind {name!r}: {entry.description}")),
            "source": (ClaimSource, Field(description="where the paper says it, e.g. 'Fig. 3' or 'Sec. 6.2'")),
            "says": (str, Field("", description="the paper's words, quoted or paraphrased (shown in the report)")),
        },
    )
    claim.kind = name
    return claim


def _claim_kind(names: tuple[str, ...]) -> Any:
    def kind_of(value: Any) -> str | None:
        if isinstance(value, ClaimBase):
            return value.kind
        if isinstance(value, dict):
            kinds = [key for key in value if key in names]
            return kinds[0] if len(kinds) == 1 else None
        return None

    return kind_of


def claims_union(registry: PluginRegistry) -> Any:
    """A claim of any registered kind, told apart by which kind key it has."""
    names = tuple(registry.names("claim"))
    members = [claim_model(registry, name) for name in names]
    allowed = ", ".join(names) or "none (no claim kind is registered)"
    if not members:

        def refuse(value: Any) -> Any:
            raise PydanticCustomError("unknown_plugin", "no claim kind is registered; allowed: none until one is installed (see `nasbench-rss plugins`)")

        return Annotated[Any, BeforeValidator(refuse)]
    if len(members) == 1:
        return members[0]
    return Annotated[
        Union[tuple(Annotated[m, Tag(m.kind)] for m in members)],
        Discriminator(
            _claim_kind(names),
            custom_error_type="claim_kind",
            custom_error_message=f"a claim is a mapping with exactly one claim kind key ({allowed}) plus source and optional says",
        ),
    ]


class References(pydantic.BaseModel):
    """Stand-alone references: subnets of the evaluation list, each trained alone from scratch."""

    model_config = STRICT
    per_bucket: PositiveInt = Field(
        description="subnets per evaluation bucket, the first of the bucket's evaluation list (at most evaluation.per_bucket)"
    )
    epochs: Epochs = Field(description="epochs each reference trains: " + EPOCHS_HELP)
    seeds: Optional[Annotated[list[StrictSeed], Field(min_length=1)]] = Field(
        None, description="training seeds of each reference (default: the suite's first seed)"
    )
    training: TrainConfig = Field(
        default_factory=TrainConfig, description="training settings merged key by key over defaults.training (default: the suite's)"
    )
    compile: Literal["auto", "on", "off"] = Field(
        "auto", description="train the static networks through torch.compile: on, off, or auto (on CUDA only)"
    )


class PairComparison(pydantic.BaseModel):
    """``run`` compared with ``against`` (one run or several), bucket by bucket, paired by subnet."""

    model_config = STRICT
    run: SuiteName = Field(description="the run compared")
    against: Union[SuiteName, Annotated[list[SuiteName], Field(min_length=1)]] = Field(description="the run(s) it is compared with")


class InteractionComparison(pydantic.BaseModel):
    """Whether a change moves two methods alike: the effect of ``change`` against that of ``versus``, per bucket."""

    model_config = STRICT
    change: Annotated[list[SuiteName], Field(min_length=2, max_length=2)] = Field(description="[changed run, its reference]")
    versus: Annotated[list[SuiteName], Field(min_length=2, max_length=2)] = Field(
        description="[changed run, its reference] of the other method"
    )


def _comparison_form(value: Any) -> str | None:
    if isinstance(value, pydantic.BaseModel):
        return "interaction" if isinstance(value, InteractionComparison) else "pair"
    if isinstance(value, dict):
        if "change" in value or "versus" in value:
            return "interaction"
        return "pair"
    return None


Comparison = Annotated[
    Union[Annotated[PairComparison, Tag("pair")], Annotated[InteractionComparison, Tag("interaction")]],
    Discriminator(
        _comparison_form,
        custom_error_type="comparison_form",
        custom_error_message="a comparison is {run: A, against: B or [B, C]} or {change: [A, B], versus: [C, D]}",
    ),
]


def tagged_union(members: list[type[TaggedEntry]], kind: str, tag_field: str) -> Any:
    """A discriminated union of ``members`` (just the member when there is one)."""
    if not members:
        return _unavailable(kind, tag_field)
    if len(members) == 1:
        return members[0]
    return Annotated[reduce(or_, members), Field(discriminator=tag_field)]


def _unavailable(kind: str, tag_field: str) -> type[TaggedEntry]:
    """Stand-in when no plugin of ``kind`` is registered: every value is an error saying so."""

    def refuse(value: Any) -> Any:
        raise PydanticCustomError("unknown_plugin", f"no {kind} plugin is registered; allowed: none until one is installed (see `nasbench-rss plugins`)")

    base = {"sampler": RunBase, "architecture": ArchitectureEntryBase, "observer": ObserverEntryBase, "executor": ExecutorEntryBase}.get(
        kind, DatasetEntryBase
    )
    namespace = {
        "__annotations__": {tag_field: Annotated[str, BeforeValidator(refuse)]},
        "model_config": ConfigDict(extra="ignore", frozen=True),  # the one error is the missing plugin
        "__module__": __name__,
    }
    return type(f"No_{kind}", (base,), namespace)


def _bare_name(value: Any) -> Any:
    """``mnist`` -> ``{"name": "mnist"}`` (the short form of a matrix entry)."""
    return {"name": value} if isinstance(value, str) else value


def _plugin_union(registry: PluginRegistry, kind: str, build: Any) -> tuple[Any, Any]:
    """The union of ``kind``'s entry models, and the same that may also be written as a bare name (``mnist``)."""
    members = [build(registry, name) for name in registry.names(kind)]
    union = tagged_union(members, kind, "name")
    names = Union[tuple(Literal[name] for name in registry.names(kind))] if members else str
    return union, Annotated[union, BeforeValidator(_bare_name, json_schema_input_type=Union[names, union])]


def _defaults_model(Architecture: Any, Dataset: Any) -> type[pydantic.BaseModel]:
    """``defaults:``: the settings every cell starts from."""
    return pydantic.create_model(
        "Defaults",
        __config__=STRICT,
        __doc__="Settings every cell starts from; matrix entries and runs override them.",
        protocol=(
            Optional[ProtocolName],
            Field(None, description=f"the protocol of every run (default {DEFAULT_PROTOCOL}): {PROTOCOL_HELP}"),
        ),
        architecture=(Optional[Architecture], Field(None, description="the architecture, unless matrix.architecture lists several")),
        dataset=(Optional[Dataset], Field(None, description="the dataset, unless matrix.dataset lists several")),
        training=(TrainConfig, Field(default_factory=TrainConfig, description="training settings of every run")),
        evaluation=(
            EvaluationConfig,
            Field(default_factory=EvaluationConfig, description="how every cell's subnet population is evaluated (one for all: comparisons stay paired)"),
        ),
    )


def _matrix_model(MatrixArchitecture: Any, MatrixDataset: Any) -> type[pydantic.BaseModel]:
    """``matrix:``: the axes crossed with the runs and seeds."""
    return pydantic.create_model(
        "Matrix",
        __config__=STRICT,
        __doc__="Axes crossed with the runs and seeds; each entry is a name or a mapping like the defaults' entry.",
        architecture=(
            Optional[Annotated[list[MatrixArchitecture], Field(min_length=1)]],
            Field(None, description="architectures; an entry's options inherit defaults.architecture's when the names match"),
        ),
        dataset=(
            Optional[Annotated[list[MatrixDataset], Field(min_length=1)]],
            Field(
                None,
                description="datasets; keys an entry omits inherit from defaults.dataset (options only when the names match)",
            ),
        ),
    )


def document_model(registry: PluginRegistry) -> type[pydantic.BaseModel]:
    """The model of a whole suite document for the plugins in ``registry``."""
    Architecture, MatrixArchitecture = _plugin_union(registry, "architecture", architecture_entry)
    Dataset, MatrixDataset = _plugin_union(registry, "dataset", dataset_entry)
    _, NamedObserver = _plugin_union(registry, "observer", observer_entry)
    _, NamedExecutor = _plugin_union(registry, "executor", executor_entry)
    Run = tagged_union([run_model(registry, name) for name in registry.names("sampler")], "sampler", "sampler")
    Defaults = _defaults_model(MatrixArchitecture, MatrixDataset)  # a bare name is the short form here too
    Matrix = _matrix_model(MatrixArchitecture, MatrixDataset)
    return pydantic.create_model(
        "Suite",
        __config__=STRICT,
        __doc__="A nasbench-rss suite: cells are architecture x dataset x run x seed.",
        name=(SuiteName, Field(description="suite name; the default run directory is runs/<name>")),
        description=(str, Field("", description="what the suite is for")),
        requires=(
            list[str],
            Field(default_factory=list, description="distributions needed, with versions (e.g. 'nasbench-rss>=0.1'); checked before anything runs"),
        ),
        seeds=(
            Annotated[list[StrictSeed], Field(min_length=1)],
            Field(default_factory=lambda: [0], description="seeds (0..2**63-1); each is one replicate of every cell (default [0])"),
        ),
        device=(Annotated[str, StringConstraints(pattern=DEVICE_PATTERN)], Field("auto", description="auto (CUDA when there is one), cpu, cuda or cuda:N")),
        baseline=(Optional[SuiteName], Field(None, description="the run every other run is compared with in reports")),
        defaults=(Defaults, Field(default_factory=Defaults)),
        matrix=(Matrix, Field(default_factory=Matrix)),
        runs=(
            Annotated[dict[SuiteName, Run], Field(min_length=1)],
            Field(description="named runs: a sampler with its options, epochs and training overrides"),
        ),
        references=(
            Optional[References],
            Field(
                None,
                description="stand-alone references: per_bucket subnets of each bucket's evaluation list, each trained alone "
                "from scratch for epochs (cells like any other, shared by every run), against which the report ranks each "
                "run's inherited accuracies",
            ),
        ),
        observers=(
            list[NamedObserver],
            Field(
                default_factory=list,
                description="training observers every cell runs with, by name or {name, options} (e.g. tensorboard); "
                "they watch training and never change it, so they are not part of a cell's identity",
            ),
        ),
        comparisons=(
            Optional[list[Comparison]],
            Field(
                None,
                description="what the report compares: {run: A, against: B or [B, C]} pairs and {change: [A, B], versus: [C, D]} "
                "interactions (does a change move both methods alike); unset: every run against baseline",
            ),
        ),
        claims=(
            list[claims_union(registry)],
            Field(
                default_factory=list,
                description="what the paper claims, each a claim kind with its options plus source (e.g. 'Fig. 3'); the report "
                "tests each and opens with their verdicts (see `nasbench-rss plugins` for the kinds)",
            ),
        ),
        executor=(
            Optional[NamedExecutor],
            Field(
                None,
                description="what runs the cells, by name or {name, options} (e.g. {name: ray, options: {address: head:6379}}); "
                "--executor and its flags (--ray-address) win over it; unset: local. Not part of a cell's identity",
            ),
        ),
    )
