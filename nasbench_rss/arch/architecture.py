"""An architecture plugin's object: its layout, search space, FLOPs tables and supernet."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from nasbench_rss.arch.layout import MBLayout, Shape
from nasbench_rss.space.flops import FlopsTable
from nasbench_rss.space.search_space import SearchSpace

if TYPE_CHECKING:
    from nasbench_rss.arch.supernet import ElasticMBNet


@dataclass(frozen=True, eq=False)
class Architecture:
    """A MobileNet-family supernet description; cheap to make, tables cached per shape."""

    layout: MBLayout
    description: str
    _tables: dict = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return self.layout.name

    def space(self, kernel=(3, 5, 7), expand=(3, 4, 6), depth=(2, 3, 4)) -> SearchSpace:
        return self.layout.space(kernel=kernel, expand=expand, depth=depth)

    def flops_table(self, shape: Shape, space: SearchSpace | None = None) -> FlopsTable:
        """Exact MACs table of ``space`` (default: the full default space) at ``shape``."""
        space = space or self.space()
        key = (shape, space)
        if key not in self._tables:
            self._tables[key] = self.layout.flops_table(space, shape)
        return self._tables[key]

    def build(self, shape: Shape, space: SearchSpace | None = None, dropout: float = 0.1) -> "ElasticMBNet":
        from nasbench_rss.arch.supernet import ElasticMBNet

        return ElasticMBNet(self.layout, space or self.space(), shape, dropout=dropout)
