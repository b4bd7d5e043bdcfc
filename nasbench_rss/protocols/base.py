"""What a protocol is: a named set of defaults across a cell's sections, each value cited.

A benchmark whose baseline is not the method it names cannot be trusted.  A protocol
writes down, for every setting it fixes, the value and where that value comes from (a
file and line of the paper's code or OFA's, or the reason this project chose it), so a
suite can say ``protocol: ofa`` and get OFA's recipe, and ``validate`` can show which
value came from the protocol and which from the suite.

Sections are the parts of a cell a protocol reaches: ``training`` (a
:class:`~nasbench_rss.config.training.TrainConfig` field), ``dataset`` (``valid_size``),
``evaluation`` (an :class:`~nasbench_rss.config.evaluation.EvaluationConfig` field) and
``sampler_options`` (options of one sampler plugin, by sampler name: only the samplers a
recipe defines, here ``progressive-shrinking``).  Anything a suite sets explicitly wins
over the protocol; what neither sets keeps the field's default, which is the ``project``
protocol's value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Collection, Mapping, Sequence, TypeVar

from nasbench_rss.config.training import DEFAULT_PROTOCOL, PROTOCOL_NAMES, ProtocolName
from nasbench_rss.errors import NasbenchError

__all__ = ["DEFAULT_PROTOCOL", "PROTOCOL_NAMES", "Protocol", "ProtocolError", "ProtocolName", "SECTIONS", "Setting", "get_protocol"]

SECTIONS: tuple[str, ...] = ("training", "dataset", "evaluation")
Tag = TypeVar("Tag")


class ProtocolError(NasbenchError, ValueError):
    """An unknown protocol name."""


@dataclass(frozen=True)
class Setting:
    """One value a protocol sets, and where it comes from (``OFA train_ofa_net.py:103``, or a reason)."""

    value: Any
    source: str


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Protocol:
    """A named recipe: the values it sets per section, each a :class:`Setting`."""

    name: str
    description: str
    training: Mapping[str, Setting] = field(default_factory=dict)
    dataset: Mapping[str, Setting] = field(default_factory=dict)
    evaluation: Mapping[str, Setting] = field(default_factory=dict)
    sampler_options: Mapping[str, Mapping[str, Setting]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for section in SECTIONS:
            object.__setattr__(self, section, _frozen(getattr(self, section)))
        object.__setattr__(self, "sampler_options", _frozen({k: _frozen(v) for k, v in self.sampler_options.items()}))

    def values(self, section: str, sampler: str | None = None) -> dict[str, Any]:
        """The plain values of ``section`` (``"sampler_options"`` needs the ``sampler`` name)."""
        return {key: setting.value for key, setting in self.settings(section, sampler).items()}

    def merge(
        self,
        section: str,
        layers: Sequence[tuple[Tag, Mapping[str, Any]]],
        sampler: str | None = None,
        fields: Collection[str] | None = None,
    ) -> tuple[dict[str, Any], dict[str, Tag | None]]:
        """The protocol's values of ``section`` under each layer's explicit values: what a user sets always wins.

        ``layers`` are (tag, values) pairs, later ones winning (a suite's defaults, then its
        run; or the command line's flags); ``fields`` (when given) keeps only the protocol's
        values a model has.  Returns the merged values and, per key, the tag of the layer that
        set it (None: the protocol).  The one protocol merge: suites and ``train`` call it.
        """
        settings = self.settings(section, sampler)
        values = {key: s.value for key, s in settings.items() if fields is None or key in fields}
        origins: dict[str, Tag | None] = dict.fromkeys(values)
        for tag, explicit in layers:
            values.update(explicit)
            origins.update(dict.fromkeys(explicit, tag))
        return values, origins

    def settings(self, section: str, sampler: str | None = None) -> Mapping[str, Setting]:
        if section == "sampler_options":
            return self.sampler_options.get(sampler or "", MappingProxyType({}))
        if section not in SECTIONS:
            raise ProtocolError(f"section: {section!r} not allowed; allowed: {', '.join((*SECTIONS, 'sampler_options'))}")
        return getattr(self, section)

    def rows(self) -> list[tuple[str, Any, str]]:
        """(setting, value, source) for every value, ``training.init``-style names, in a stable order."""
        rows = [(f"{section}.{key}", s.value, s.source) for section in SECTIONS for key, s in getattr(self, section).items()]
        for sampler, options in self.sampler_options.items():
            rows += [(f"{sampler}.{key}", s.value, s.source) for key, s in options.items()]
        return rows


def get_protocol(name: str) -> Protocol:
    """The built-in protocol ``name``; :class:`ProtocolError` names the allowed ones."""
    from nasbench_rss.protocols.presets import PROTOCOLS

    try:
        return PROTOCOLS[name]
    except (KeyError, TypeError):
        raise ProtocolError(f"protocol: {name!r} not allowed; allowed: {', '.join(PROTOCOL_NAMES)}") from None
