"""What every sampler is: a pydantic config, a plan of phases, and subnets per step.

A sampler is built by its plugin's factory as ``factory(config, context)`` and answers
``subnets(epoch, step)``: the subnets whose gradients are summed into the update of that
step.  The trainer calls it exactly once per step, in order, so a sampler may draw from
``context.rng`` as it goes; ``state_dict``/``load_state_dict`` carry that state across a
resume (the base class saves the generator; subclasses add what they cache).

The phases tell the trainer what changes over the run: each phase has its own epochs,
learning-rate scale and schedule (a fresh optimizer and a cosine from its own start), the
(restricted) space its subnets come from, how many subnets per step, the distillation
weight, and whether channels are re-organised before it starts (progressive shrinking).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import pydantic

from nasbench_rss.errors import NasbenchError, SamplerError  # SamplerError: documented here, defined with the other errors
from nasbench_rss.space.flops import FlopsTable
from nasbench_rss.space.search_space import SearchSpace
from nasbench_rss.space.subnet import Subnet


class SamplerConfig(pydantic.BaseModel):
    """Base of every sampler's options; subclasses add ``name: Literal["their-name"]``.

    Unknown options are errors, and so are infinite and NaN numbers (no option takes one,
    and a cell's JSON records cannot hold it).
    """

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


@dataclass(frozen=True)
class SamplerContext:
    """What a sampler is built from besides its config: the run it serves.

    ``space``: the architecture's full space.  ``epochs``: total training epochs of the
    cell.  ``rng``: the cell's ``sampler`` stream.  ``flops``: the exact FLOPs table of the
    space at the dataset's shape (for samplers that target MFLOP buckets).
    """

    space: SearchSpace
    epochs: int
    rng: np.random.Generator
    flops: FlopsTable


@dataclass(frozen=True)
class Phase:
    """A stretch of epochs trained with one optimizer and one learning-rate schedule.

    ``lr_scale`` multiplies the base learning rate.  The phase's first ``warmup_epochs``
    rise linearly from ``warmup_start`` times that rate to the rate (OFA's warm-up), then
    its cosine: by default one of its own over the rest of the phase; with
    ``cosine_epochs`` set, the stretch from ``cosine_start`` of a cosine that many epochs
    long (the paper's code ran each shrinking task on the tail of one such cosine).
    ``kd_ratio`` > 0 adds distillation from the teacher: a frozen copy of the full network
    taken at the end of the phase that has ``snapshot_teacher``, or, with ``teacher``
    ``untrained``, a freshly built network of the largest architecture.
    ``reorganize_expand_stage`` is OFA's ``expand_ratio_stage``: when set, hidden channels
    are sorted by importance before the phase starts.  ``fresh_optimizer`` false keeps the
    previous phase's optimizer (its momentum) instead of starting a new one.
    ``inplace_distillation`` (BigNAS, AttentiveNAS's ``inplace_distill``): the first subnet
    of each step learns from the labels and every other subnet of the step only from its
    (detached) outputs on the same batch, by soft cross-entropy
    (AttentiveNAS ``train_attentive_nas.py:262-307``).
    """

    name: str
    epochs: int
    space: SearchSpace
    lr_scale: float = 1.0
    subnets_per_step: int = 1
    kd_ratio: float = 0.0
    reorganize_expand_stage: int | None = None
    snapshot_teacher: bool = False
    warmup_epochs: int = 0
    warmup_start: float = 1.0
    cosine_start: int = 0
    cosine_epochs: int | None = None
    teacher: Literal["snapshot", "untrained"] = "snapshot"
    fresh_optimizer: bool = True
    inplace_distillation: bool = False

    def __post_init__(self) -> None:
        if self.inplace_distillation and (self.kd_ratio > 0 or self.subnets_per_step < 2):
            raise SamplerError(
                f"phase {self.name!r}: inplace_distillation needs subnets_per_step >= 2 and kd_ratio 0 (the step's first "
                f"subnet is the teacher of the others); got subnets_per_step {self.subnets_per_step}, kd_ratio {self.kd_ratio}"
            )
        if not 0 <= self.warmup_epochs < self.epochs:
            raise SamplerError(
                f"phase {self.name!r}: warmup_epochs {self.warmup_epochs} not allowed; allowed: 0 to {self.epochs - 1} "
                f"(the phase has {self.epochs} epochs and needs one after its warm-up)"
            )
        if self.cosine_epochs is not None and not 0 <= self.cosine_start <= self.cosine_start + self.epochs - self.warmup_epochs <= self.cosine_epochs:
            raise SamplerError(
                f"phase {self.name!r}: epochs {self.cosine_start}..{self.cosine_start + self.epochs} of a cosine of "
                f"{self.cosine_epochs} epochs not allowed; allowed: a stretch within the cosine"
            )

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "epochs": self.epochs,
            "lr_scale": self.lr_scale,
            "subnets_per_step": self.subnets_per_step,
            "kd_ratio": self.kd_ratio,
            "reorganize_expand_stage": self.reorganize_expand_stage,
            "snapshot_teacher": self.snapshot_teacher,
            "warmup_epochs": self.warmup_epochs,
            "warmup_start": self.warmup_start,
            "cosine_start": self.cosine_start,
            "cosine_epochs": self.cosine_epochs,
            "teacher": self.teacher,
            "fresh_optimizer": self.fresh_optimizer,
            "inplace_distillation": self.inplace_distillation,
            "kernel_choices": list(self.space.kernel_choices),
            "expand_choices": list(self.space.expand_choices),
            "depth_choices": list(self.space.depth_choices),
        }


class Sampler(abc.ABC):
    """Base class of samplers.  Subclasses set ``Config`` and implement ``phases`` and ``subnets``."""

    Config: ClassVar[type[SamplerConfig]]
    trains_stand_alone: ClassVar[bool] = False
    """True: the cell trains the sampler's one subnet as its own network (``stand-alone``), not a supernet."""

    def __init__(self, config: SamplerConfig, context: SamplerContext) -> None:
        if context.epochs < 1:
            raise SamplerError(f"epochs: {context.epochs} not allowed; allowed: integers >= 1")
        expected = getattr(type(self), "Config", None)
        if expected is not None and not isinstance(config, expected):
            raise SamplerError(
                f"{type(self).__name__} needs a {expected.__qualname__}, got {type(config).__qualname__} "
                "(build samplers with nasbench_rss.samplers.registry.build_sampler)"
            )
        self.config = config
        self.context = context
        self.space = context.space
        self.rng = context.rng

    @property
    @abc.abstractmethod
    def phases(self) -> tuple[Phase, ...]:
        """The plan; the phases' epochs add up to ``context.epochs``."""

    @abc.abstractmethod
    def subnets(self, epoch: int, step: int) -> list[Subnet]:
        """Subnets trained at ``step`` (0-based, within the epoch) of ``epoch`` (0-based)."""

    def candidates(self, epoch: int, step: int) -> list[Subnet]:
        """Subnets whose losses on this step's batch the sampler needs before it picks; none by default.

        The feedback seam for samplers that choose by loss (AttentiveNAS's best-up and
        worst-up).  The trainer calls it once per step, just before ``subnets(epoch, step)``;
        when it returns subnets, the trainer measures each one's loss on the step's batch
        (no gradient, dropout off, batch-norm on the batch's statistics) and hands them to
        :meth:`feedback` before calling ``subnets``.  Those forward passes cost time, which
        the cell's timing counts as training.
        """
        return []

    def feedback(self, epoch: int, step: int, candidates: list[Subnet], losses: list[float]) -> None:
        """The losses of what :meth:`candidates` asked for at this step, in its order.

        Only called after a non-empty :meth:`candidates`; a sampler that asks must accept it.
        """
        raise SamplerError(f"{type(self).__name__} asked for no candidates' losses, yet feedback() was called at epoch {epoch} step {step}")

    def check_position(self, epoch: int, step: int) -> None:
        """Raise SamplerError unless ``epoch`` is one of the run's and ``step`` is >= 0."""
        last = self.context.epochs - 1
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or not 0 <= epoch <= last:
            raise SamplerError(f"epoch: {epoch!r} not allowed; allowed: integers 0..{last} (a {last + 1}-epoch run)")
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 0:
            raise SamplerError(f"step: {step!r} not allowed; allowed: integers >= 0")

    def phase_at(self, epoch: int) -> tuple[int, Phase]:
        """Index and phase of ``epoch``."""
        start = 0
        for index, phase in enumerate(self.phases):
            if epoch < start + phase.epochs:
                return index, phase
            start += phase.epochs
        raise SamplerError(f"epoch {epoch} is past the last of {self.context.epochs} epochs")

    def phase_start(self, index: int) -> int:
        """First epoch of phase ``index``."""
        return sum(phase.epochs for phase in self.phases[:index])

    def state_dict(self) -> dict[str, Any]:
        """JSON-able state; extend it in subclasses that cache draws."""
        return {"rng": _plain(self.rng.bit_generator.state)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` saved (also after a JSON round trip)."""
        if not isinstance(state, dict) or "rng" not in state:
            raise SamplerError(f"sampler state: expected a mapping with key 'rng' (from state_dict()), got {state!r:.200}")
        try:
            self.rng.bit_generator.state = state["rng"]
        except (TypeError, ValueError, KeyError) as error:
            generator = type(self.rng.bit_generator).__name__
            raise SamplerError(f"sampler state 'rng': does not fit this run's {generator} generator ({error})") from None

    def describe(self) -> dict[str, Any]:
        """The resolved options and the phase plan, for the cell's records."""
        return {"config": self.config.model_dump(mode="json"), "phases": [p.describe() for p in self.phases]}


NAMED_SUBNETS: tuple[str, ...] = ("smallest", "middle", "largest")


def resolve_subnet(space: SearchSpace, text: str, field: str = "subnet", option: tuple[Any, ...] | None = None) -> Subnet:
    """``smallest``, ``middle`` (the middle choice of every dimension: kernel 5, expand 4,
    depth 3 in the paper's space), ``largest``, or an encoding such as ``3333-3333-...``.

    ``field`` is the option the text came from, as errors name it; ``option`` its path
    among the options (default: ``(field,)``), which the :class:`SamplerError` carries.
    """
    option = option or (field,)
    if not isinstance(text, str):
        raise SamplerError(f"{field}: {text!r} is not a string; allowed: {', '.join(NAMED_SUBNETS)} or an encoding", option=option)
    if text == "smallest":
        return space.smallest()
    if text == "largest":
        return space.largest()
    if text == "middle":
        kernel = sorted(space.kernel_choices)[(len(space.kernel_choices) - 1) // 2]
        expand = sorted(space.expand_choices)[(len(space.expand_choices) - 1) // 2]
        layers = []
        for s in range(space.n_stages):
            depths = sorted(space.stage_depth_choices(s))
            layers.append(((kernel, expand),) * depths[(len(depths) - 1) // 2])
        return Subnet(space, tuple(layers))
    try:
        return Subnet.decode(space, text)
    except NasbenchError as error:
        raise SamplerError(
            f"{field}: {text!r} is not one of {', '.join(NAMED_SUBNETS)} and not a {space.architecture} encoding "
            f"({error}); allowed: {', '.join(NAMED_SUBNETS)} or an encoding such as {space.smallest().encode()!r}",
            option=option,
        ) from None


def _plain(value: Any) -> Any:
    """``value`` with numpy arrays and scalars turned into lists and Python numbers (JSON-able)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value
