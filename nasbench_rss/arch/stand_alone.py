"""One subnet trained on its own: a plain network that the trainer and the evaluation drive like a supernet.

A stand-alone reference (``references:`` in a suite) is the subnet's network with fixed
shapes (:class:`~nasbench_rss.arch.static.StaticMBNet`), trained from scratch, so that
what a supernet's weights say about the subnet can be compared with what training it
alone gives.  The training loop and the evaluation speak to a supernet (``set_active``,
``active``, ``extract``, ``space``); this wrapper answers them for its one subnet and
refuses any other, so no code path trains or measures a different architecture by
mistake.

``torch.compile`` pays on fixed shapes (a supernet changes shapes every step and would
recompile), so the forward pass can run compiled: the compiled module shares the
network's parameters, the state dict is the network's own, and when compiling fails (no
C++ compiler for inductor on the CPU, an unsupported operator) the forward falls back to
eager, once, saying why.
"""

from __future__ import annotations

import copy
from typing import Callable

import torch
from torch import nn

from nasbench_rss.arch.static import StaticMBNet
from nasbench_rss.errors import NasbenchError
from nasbench_rss.space.subnet import Subnet


class StandAloneNetwork(nn.Module):
    """``subnet``'s network (``net``), answering the supernet interface for that subnet only."""

    def __init__(self, net: StaticMBNet, subnet: Subnet, *, compile: bool = False, log: Callable[[str], None] = print) -> None:
        super().__init__()
        self.net = net
        self.subnet = subnet
        self.space = subnet.space
        self.log = log
        # Not a registered submodule: the compiled wrapper would add its own copy of every key to the state dict.
        self.__dict__["_compiled"] = torch.compile(net) if compile else None
        self._compiled_ran = False

    @property
    def active(self) -> Subnet:
        return self.subnet

    @property
    def compiled(self) -> bool:
        """Whether the forward pass runs compiled (False after a fallback)."""
        return self._compiled is not None

    def set_active(self, subnet: Subnet) -> None:
        if subnet != self.subnet:
            raise NasbenchError(
                f"a stand-alone network of {self.subnet.encode()} cannot run subnet {subnet.encode()}; "
                f"allowed: {self.subnet.encode()} only (train a supernet to share weights between subnets)"
            )

    def extract(self, subnet: Subnet | None = None) -> StaticMBNet:
        """A copy of the network (no storage shared), as a supernet's ``extract`` gives one."""
        if subnet is not None:
            self.set_active(subnet)
        with torch.no_grad():
            return copy.deepcopy(self.net)

    def reorganize_channels(self, expand_stage: int = 0) -> None:
        raise NasbenchError("a stand-alone network has no elastic widths to sort; use a single-phase sampler (stand-alone)")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self._compiled is not None and torch.is_grad_enabled() and self.training:
            try:
                out = self._compiled(x)
            except Exception as error:  # inductor's failures are many types; after one good call they are real
                if self._compiled_ran:
                    raise
                self.log(f"torch.compile failed ({type(error).__name__}: {str(error).splitlines()[0][:200]}); training eagerly")
                self.__dict__["_compiled"] = None
            else:
                self._compiled_ran = True
                return out
        return self.net(x)
