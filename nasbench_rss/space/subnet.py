"""The canonical network of a search space.

A Subnet stores only what defines the network: per stage, the (kernel, expand) pair of
each *active* layer.  Choices of layers a depth switches off do not exist here, so two
equal networks are always one Subnet (OFA's ``ks``/``e`` lists keep values for inactive
layers, which made equal networks look different).

String encoding: stages joined by ``-``; each stage is its active layers as two digits,
kernel then expand.  MobileNetV3's smallest network is ``3333-3333-3333-3333-3333``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from nasbench_rss.errors import SpaceError
from nasbench_rss.space.search_space import SearchSpace

Layers = tuple[tuple[tuple[int, int], ...], ...]


@dataclass(frozen=True)
class Subnet:
    """One network of ``space``; equality and hashing ignore which (sub)space made it."""

    space: SearchSpace = field(compare=False, repr=False)
    layers: Layers

    def __post_init__(self) -> None:
        try:
            layers = tuple(tuple((int(k), int(e)) for k, e in stage) for stage in self.layers)
        except (TypeError, ValueError):
            raise SpaceError(f"layers: expected per stage a list of (kernel, expand) pairs, got {self.layers!r}") from None
        if len(layers) != self.space.n_stages:
            raise SpaceError(f"layers: {len(layers)} stages given; {self.space.architecture} has {self.space.n_stages}")
        object.__setattr__(self, "layers", layers)
        self.space.check(self)

    @classmethod
    def _trusted(cls, space: SearchSpace, layers: Layers) -> "Subnet":
        """Build without validation, for layers read from the space's own tables."""
        obj = object.__new__(cls)
        object.__setattr__(obj, "space", space)
        object.__setattr__(obj, "layers", layers)
        return obj

    # ---------------------------------------------------------------- views
    @property
    def depths(self) -> tuple[int, ...]:
        return tuple(len(stage) for stage in self.layers)

    @property
    def kernels(self) -> tuple[tuple[int, ...], ...]:
        return tuple(tuple(k for k, _ in stage) for stage in self.layers)

    @property
    def expands(self) -> tuple[tuple[int, ...], ...]:
        return tuple(tuple(e for _, e in stage) for stage in self.layers)

    def stage_codes(self, space: SearchSpace | None = None) -> tuple[int, ...]:
        """Stage codes in ``space`` (default: the subnet's own space); see search_space."""
        space = space or self.space
        base = space.choices_per_layer
        digits = space.layer_digits
        codes = []
        for stage, offsets in zip(self.layers, space.depth_offsets):
            code = 0
            for layer in stage:
                code = code * base + digits[layer]
            codes.append(offsets[len(stage)] + code)
        return tuple(codes)

    # -------------------------------------------------------------- encoding
    def encode(self) -> str:
        return "-".join("".join(f"{k}{e}" for k, e in stage) for stage in self.layers)

    def __str__(self) -> str:
        return self.encode()

    @classmethod
    def decode(cls, space: SearchSpace, text: str) -> "Subnet":
        if not isinstance(text, str):
            raise SpaceError(f"encoding: expected a string, got {text!r}")
        parts = text.strip().split("-")
        if len(parts) != space.n_stages:
            raise SpaceError(
                f"encoding {text!r}: {len(parts)} stages; {space.architecture} has {space.n_stages} "
                f"(stages joined by '-', each layer two digits kernel+expand, e.g. {space.smallest().encode()!r})"
            )
        layers = []
        for s, part in enumerate(parts):
            if len(part) % 2 or not part.isdigit():
                raise SpaceError(
                    f"encoding {text!r}: stage {s} {part!r} must be an even number of digits "
                    f"(kernel digit then expand digit per active layer)"
                )
            layers.append(tuple((int(part[i]), int(part[i + 1])) for i in range(0, len(part), 2)))
        return cls(space, tuple(layers))

    # ------------------------------------------------------------ OFA layout
    def to_ofa(self) -> dict[str, list[int | None]]:
        """OFA's ``ks``/``e``/``d`` lists; entries of inactive layers are None."""
        ks: list[int | None] = []
        es: list[int | None] = []
        for stage, max_depth in zip(self.layers, self.space.max_depths):
            for i in range(max_depth):
                active = i < len(stage)
                ks.append(stage[i][0] if active else None)
                es.append(stage[i][1] if active else None)
        return {"ks": ks, "e": es, "d": list(self.depths)}

    @classmethod
    def from_ofa(cls, space: SearchSpace, config: Mapping[str, Any]) -> "Subnet":
        """Read OFA's lists.  Values of inactive layers are ignored (OFA keeps any there)."""
        if not isinstance(config, Mapping):
            raise SpaceError(f"ofa config: expected a mapping with ks, e, d; got {config!r}")
        missing = [key for key in ("ks", "e", "d") if key not in config]
        extra = sorted(set(config) - {"ks", "e", "d"})
        if missing or extra:
            raise SpaceError(f"ofa config: missing {missing}, unknown {extra}; allowed keys: ks, e, d")
        ks, es, ds = config["ks"], config["e"], config["d"]
        for name, values, length in (("ks", ks, space.n_layers), ("e", es, space.n_layers), ("d", ds, space.n_stages)):
            if not isinstance(values, Sequence) or isinstance(values, str) or len(values) != length:
                got = len(values) if isinstance(values, Sequence) else values
                raise SpaceError(f"{name}: expected a list of {length} values for {space.architecture}, got {got!r}")
        layers = []
        start = 0
        for s, max_depth in enumerate(space.max_depths):
            d = ds[s]
            allowed = space.stage_depth_choices(s)
            if isinstance(d, bool) or not isinstance(d, int) or d not in allowed:
                raise SpaceError(f"d[{s}]: {d!r} not allowed; allowed: {list(allowed)}")
            stage = []
            for i in range(d):
                k, e = ks[start + i], es[start + i]
                if k not in space.kernel_choices:
                    raise SpaceError(f"ks[{start + i}]: {k!r} not allowed; allowed: {list(space.kernel_choices)}")
                if e not in space.expand_choices:
                    raise SpaceError(f"e[{start + i}]: {e!r} not allowed; allowed: {list(space.expand_choices)}")
                stage.append((k, e))
            layers.append(tuple(stage))
            start += max_depth
        return cls(space, tuple(layers))


def decode_all(space: SearchSpace, texts: Sequence[str]) -> list[Subnet]:
    """Decode many encodings; errors say which item was wrong."""
    out = []
    for i, text in enumerate(texts):
        try:
            out.append(Subnet.decode(space, text))
        except SpaceError as err:
            raise SpaceError(f"item {i}: {err}") from None
    return out
