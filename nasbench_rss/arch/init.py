"""Weight initialisation of a supernet: OFA's ``he_fout`` scheme, or torch's defaults.

OFA and the paper's code do not train from torch's default initialisation.  OFA's run
manager redraws the weights right after the network is built, with
``init_models(net, run_config.model_init)`` (OFA 0.1.0:
``ofa/imagenet_classification/run_manager/distributed_run_manager.py`` line 61; the
single-GPU ``run_manager.py`` line 57 makes the call without the network, which raises;
older releases call ``self.network.init_model(model_init)``), and ``train_ofa_net.py``
and the paper's ``main.py`` (line 116) set ``model_init = 'he_fout'``.  ``init_models``
(``ofa/utils/my_modules.py`` lines 122-151) goes through ``net.modules()``:

* ``nn.Conv2d``: weight ~ Normal(0, sqrt(2 / (k_h * k_w * out_channels))), bias 0;
* exactly ``nn.BatchNorm2d``, ``nn.BatchNorm1d`` or ``nn.GroupNorm``: weight 1, bias 0;
* ``nn.Linear``: weight ~ Uniform(-1 / sqrt(in_features), 1 / sqrt(in_features)), bias 0.

OFA's elastic ops keep plain ``nn.Conv2d`` and ``nn.BatchNorm2d`` modules of their largest
size inside them (``ofa/imagenet_classification/elastic_nn/modules/dynamic_op.py``), so
that is the size the rule sees: a depthwise ``nn.Conv2d(C, C, K_max, groups=C)`` gets
n = K_max^2 * C, a 1x1 conv n = max_out_channels.  Its kernel-transform matrices
(``7to5_matrix``, ...) are bare Parameters, not modules the rule knows, and stay the
identity they were created as; BN running statistics are buffers and stay too.  In an
OFA supernet that is every parameter but the transform matrices.

Our supernet holds raw weights in ``DynamicPointwiseConv`` (out, in, 1, 1) and
``DynamicDepthwiseConv`` (C, 1, K_max, K_max), and ``DynamicBatchNorm`` subclasses
``nn.BatchNorm2d`` (where OFA's wraps one), so OFA's rule is applied by what a tensor
*is*, not by OFA's exact types: the same distribution for every parameter OFA's init
touches.  Modules are visited in ``model.modules()`` order and each weight drawn with one
``normal_`` / ``uniform_`` on torch's global generator, as OFA does; our supernets
register their tensors in OFA's order, so from the same generator state the weights are
the ones OFA's ``init_models`` draws.  Nothing is reseeded: the caller seeds (the
training build runs it inside ``forked_global_rng(seed, seeding.INIT, device)``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal, get_args

import torch
from torch import nn

from nasbench_rss.arch.elastic_ops import DynamicDepthwiseConv, DynamicPointwiseConv

InitScheme = Literal["he_fout", "torch"]
"""``he_fout``: OFA's and the paper's initialisation; ``torch``: keep torch's module defaults."""

INIT_SCHEMES: tuple[str, ...] = get_args(InitScheme)

_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.GroupNorm)  # OFA's list; subclasses too (our DynamicBatchNorm)


def initialize_weights(model: nn.Module, scheme: InitScheme) -> None:
    """Initialise ``model``'s parameters in place with ``scheme`` (see the module docstring).

    ``torch`` leaves the model as built.  ``he_fout`` redraws every convolution and linear
    weight from torch's global generator, zeroes their biases and sets norm layers to
    weight 1, bias 0; kernel-transform matrices and buffers are left alone.  A parameter
    no rule covers raises ``TypeError`` before anything is changed, so no tensor is left
    at torch's default unnoticed.
    """
    if scheme not in INIT_SCHEMES:
        raise ValueError(f"init scheme {scheme!r} not supported; allowed: {', '.join(INIT_SCHEMES)}")
    if scheme == "torch":
        return
    steps = _he_fout_plan(model)
    with torch.no_grad():
        for step in steps:
            step()


def _he_fout_plan(model: nn.Module) -> list[Callable[[], None]]:
    """The in-place operations of he_fout, in OFA's order; checks that every parameter is covered."""
    steps: list[Callable[[], None]] = []
    covered: set[int] = set()

    def draw_normal(weight: torch.Tensor, std: float) -> None:
        steps.append(lambda: weight.normal_(0.0, std))
        covered.add(id(weight))

    def draw_uniform(weight: torch.Tensor, bound: float) -> None:
        steps.append(lambda: weight.uniform_(-bound, bound))
        covered.add(id(weight))

    def fill(tensor: torch.Tensor | None, value: float) -> None:
        if tensor is not None:
            steps.append(lambda: tensor.fill_(value))
            covered.add(id(tensor))

    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            draw_normal(module.weight, _he_fout_std(module.kernel_size[0] * module.kernel_size[1] * module.out_channels))
            fill(module.bias, 0.0)
        elif isinstance(module, DynamicPointwiseConv):  # OFA: nn.Conv2d(max_in, max_out, 1)
            draw_normal(module.weight, _he_fout_std(module.max_out_channels))
        elif isinstance(module, DynamicDepthwiseConv):  # OFA: nn.Conv2d(C, C, K_max, groups=C)
            draw_normal(module.weight, _he_fout_std(module.max_kernel**2 * module.max_channels))
            for big, small in zip(module.kernels[1:], module.kernels[:-1]):
                covered.add(id(module.transform_matrix(big, small)))  # left as is (identity when built)
        elif isinstance(module, _NORMS):
            fill(module.weight, 1.0)
            fill(module.bias, 0.0)
        elif isinstance(module, nn.Linear):
            draw_uniform(module.weight, 1.0 / math.sqrt(module.in_features))
            fill(module.bias, 0.0)
    missing = [name for name, p in model.named_parameters() if id(p) not in covered]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise TypeError(f"he_fout init: no rule for parameter(s) {shown}; extend nasbench_rss/arch/init.py")
    return steps


def _he_fout_std(n: int) -> float:
    return math.sqrt(2.0 / n)
