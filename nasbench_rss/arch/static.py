"""Plain-torch building blocks of a fixed MobileNet-family network.

The supernet uses these for the parts every subnet shares (first conv, first block,
tail), and ``ElasticMBNet.extract`` assembles a whole ``StaticMBNet`` from them.  Only
stock modules (nn.Conv2d, nn.BatchNorm2d, nn.Linear, activations, nn.Dropout) hold
weights or do work, so an extracted network can be saved, counted by thop, traced or
exported without this package's elastic code.
"""

from __future__ import annotations

import copy
import io
import math
from pathlib import Path
from typing import Any, Iterable

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from nasbench_rss.arch.layout import Activation, se_channels
from nasbench_rss.atomic import write_atomic


def make_activation(name: Activation) -> nn.Module:
    """OFA's activations as torch modules (same formulas: h_swish = x * relu6(x + 3) / 6).

    ReLU/ReLU6 run in place (they follow a BN whose output nobody else reads, as in
    OFA); Hardswish does not, since its backward needs its input.
    """
    if name == "relu":
        return nn.ReLU(inplace=True)
    if name == "relu6":
        return nn.ReLU6(inplace=True)
    if name == "h_swish":
        return nn.Hardswish()
    raise ValueError(f"activation {name!r} not supported; allowed: relu, relu6, h_swish")


def global_avg_pool(x: torch.Tensor) -> torch.Tensor:
    """Mean over the spatial dimensions, keeping them (a function, so FLOPs counters skip it)."""
    return x.mean((2, 3), keepdim=True)


class ConvBNAct(nn.Sequential):
    """conv -> BN -> activation, any of BN/activation optional ('same' padding, no bias)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel: int = 1,
        stride: int = 1,
        groups: int = 1,
        activation: Activation | None = None,
        bn: bool = True,
        bn_momentum: float = 0.1,
        bn_eps: float = 1e-5,
    ) -> None:
        super().__init__()
        self.spec = dict(
            in_channels=in_channels, out_channels=out_channels, kernel=kernel, stride=stride, groups=groups,
            activation=activation, bn=bn, bn_momentum=bn_momentum, bn_eps=bn_eps,
        )  # fmt: skip
        self.conv = nn.Conv2d(in_channels, out_channels, kernel, stride, kernel // 2, groups=groups, bias=False)
        if bn:
            self.bn = nn.BatchNorm2d(out_channels, eps=bn_eps, momentum=bn_momentum)
        if activation is not None:
            self.act = make_activation(activation)


class SqueezeExcite(nn.Module):
    """OFA's SE: pool, 1x1 reduce (bias) + ReLU, 1x1 expand (bias) + hard sigmoid, rescale."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        mid = se_channels(channels)
        self.reduce = nn.Conv2d(channels, mid, 1, bias=True)
        self.relu = nn.ReLU(inplace=True)
        self.expand = nn.Conv2d(mid, channels, 1, bias=True)
        self.gate = nn.Hardsigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.gate(self.expand(self.relu(self.reduce(global_avg_pool(x)))))
        return x * y


class MBConv(nn.Module):
    """Inverted-residual layer: [1x1 expand] -> depthwise -> [SE] -> 1x1 project, + shortcut."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        mid: int,
        kernel: int,
        stride: int,
        activation: Activation,
        se: bool,
        expand: bool,
        bn_momentum: float = 0.1,
        bn_eps: float = 1e-5,
    ) -> None:
        super().__init__()
        self.spec = dict(
            in_channels=in_channels, out_channels=out_channels, mid=mid, kernel=kernel, stride=stride,
            activation=activation, se=se, expand=expand, bn_momentum=bn_momentum, bn_eps=bn_eps,
        )  # fmt: skip
        bn = dict(bn_momentum=bn_momentum, bn_eps=bn_eps)
        if not expand and mid != in_channels:
            raise ValueError(f"without an expand conv the hidden width must be {in_channels}, got {mid}")
        self.expand = ConvBNAct(in_channels, mid, 1, activation=activation, **bn) if expand else None
        self.depthwise = ConvBNAct(mid, mid, kernel, stride, groups=mid, activation=activation, **bn)
        self.se = SqueezeExcite(mid) if se else None
        self.project = ConvBNAct(mid, out_channels, 1, **bn)
        self.residual = stride == 1 and in_channels == out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x if self.expand is None else self.expand(x)
        h = self.depthwise(h)
        if self.se is not None:
            h = self.se(h)
        h = self.project(h)
        return h + x if self.residual else h


class Tail(nn.Module):
    """Everything after the last stage.

    MobileNetV3: final-expand 1x1 conv+BN+act, pool, feature-mix 1x1 conv (no BN, no
    bias) + act.  ProxylessNAS: feature-mix 1x1 conv+BN+act, then pool.  Both end with
    dropout and a linear classifier.
    """

    def __init__(
        self,
        in_channels: int,
        final_expand_width: int | None,
        feature_mix_width: int,
        feature_mix_after_pool: bool,
        activation: Activation,
        num_classes: int,
        dropout: float,
        bn_momentum: float = 0.1,
        bn_eps: float = 1e-5,
    ) -> None:
        super().__init__()
        self.spec = dict(
            in_channels=in_channels, final_expand_width=final_expand_width, feature_mix_width=feature_mix_width,
            feature_mix_after_pool=feature_mix_after_pool, activation=activation, num_classes=num_classes,
            dropout=dropout, bn_momentum=bn_momentum, bn_eps=bn_eps,
        )  # fmt: skip
        bn = dict(bn_momentum=bn_momentum, bn_eps=bn_eps)
        width = in_channels
        self.final_expand = None
        if final_expand_width is not None:
            self.final_expand = ConvBNAct(width, final_expand_width, 1, activation=activation, **bn)
            width = final_expand_width
        self.feature_mix_after_pool = feature_mix_after_pool
        mix_bn = not feature_mix_after_pool  # OFA: no BN on the pooled 1x1 map
        self.feature_mix = ConvBNAct(width, feature_mix_width, 1, activation=activation, bn=mix_bn, **bn)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(feature_mix_width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.final_expand is not None:
            x = self.final_expand(x)
        if self.feature_mix_after_pool:
            x = self.feature_mix(global_avg_pool(x))
        else:
            x = global_avg_pool(self.feature_mix(x))
        return self.classifier(self.dropout(torch.flatten(x, 1)))


class StaticMBNet(nn.Module):
    """A fixed network: first conv, inverted-residual blocks (first block included), tail."""

    def __init__(self, first_conv: nn.Module, blocks: Iterable[nn.Module], tail: nn.Module) -> None:
        super().__init__()
        self.first_conv = first_conv
        self.blocks = nn.Sequential(*blocks)
        self.tail = tail

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.tail(self.blocks(self.first_conv(x)))

    def architecture(self) -> dict[str, Any]:
        """The constructor arguments of every part (JSON data): with a state dict, the whole network."""
        parts = [self.first_conv, *self.blocks, self.tail]
        if not all(isinstance(getattr(part, "spec", None), dict) for part in parts):
            raise ValueError("StaticMBNet.architecture: every part must be a ConvBNAct, MBConv or Tail of this module")
        return {"first_conv": dict(self.first_conv.spec), "blocks": [dict(b.spec) for b in self.blocks], "tail": dict(self.tail.spec)}

    @classmethod
    def from_architecture(cls, record: dict[str, Any]) -> "StaticMBNet":
        """The network ``architecture()`` describes, randomly initialised (load a state dict into it)."""
        try:
            return cls(ConvBNAct(**record["first_conv"]), [MBConv(**spec) for spec in record["blocks"]], Tail(**record["tail"]))
        except (KeyError, TypeError) as error:
            raise ValueError(f"not a StaticMBNet architecture record ({type(error).__name__}: {error}); expected keys first_conv, blocks, tail") from None


EXPORT_FORMAT = "nasbench-rss-static-network/1"
"""The ``format`` of a file ``save_network`` writes."""


MAX_SIZE = 1 << 16
"""The largest width, kernel, stride or class count :func:`load_network` accepts in an architecture record."""

MAX_BLOCKS = 1024
"""The most blocks :func:`load_network` accepts in an architecture record."""


def save_network(net: StaticMBNet, path: str | Path, **metadata: Any) -> Path:
    """``net`` as its architecture record plus state dict (CPU tensors), with JSON ``metadata``.

    No pickled classes: :func:`load_network` reads it with ``torch.load(weights_only=True)``.
    Written as the run directory's files are (:func:`nasbench_rss.atomic.write_atomic`):
    serialised first, then a temp file renamed onto ``path``, so a full device or a kill
    leaves the earlier file whole; never through a symbolic link
    (:class:`~nasbench_rss.errors.StorageError`).  An existing file is replaced: whether it
    may be is the caller's rule (``nasbench-rss export`` asks for ``--force``).
    """
    state = {key: value.detach().cpu().contiguous() for key, value in net.state_dict().items()}
    buffer = io.BytesIO()
    torch.save({"format": EXPORT_FORMAT, "architecture": net.architecture(), "state_dict": state, "metadata": metadata}, buffer)
    data = buffer.getvalue()
    return write_atomic(path, lambda file: file.write(data))


def load_network(path: str | Path, map_location: str | torch.device = "cpu") -> StaticMBNet:
    """The network in a file written by ``nasbench-rss export`` (or :func:`save_network`), in eval mode.

    Needs torch and this module only (plain torch modules; nothing of the supernet or
    the training code).  ``load_metadata`` reads what was recorded with it.  The
    architecture record is checked before anything is allocated: its sizes must be sane
    (:data:`MAX_SIZE`, :data:`MAX_BLOCKS`) and the network it describes, built on the
    ``meta`` device (no memory), must have exactly the state dict's tensors and shapes;
    a ``ValueError`` names what disagrees.  So a file allocates what it holds, never what
    its record asks for.
    """
    data = _read_export(path, map_location)
    record, state = data["architecture"], data["state_dict"]
    check_sizes(record, f"{path}: ")
    with torch.device("meta"):
        skeleton = StaticMBNet.from_architecture(record)
    check_state_dict(skeleton, state, record, f"{path}: ")
    net = skeleton.to_empty(device=map_location)
    net.load_state_dict(state)
    return net.eval()


def check_sizes(record: Any, where: str = "") -> None:
    """Refuse an architecture record whose numbers are not sizes a network could have (a ``ValueError``)."""
    if not isinstance(record, dict) or not isinstance(record.get("blocks"), list):
        raise ValueError(f"{where}not a StaticMBNet architecture record; expected a mapping with first_conv, blocks (a list), tail")
    if len(record["blocks"]) > MAX_BLOCKS:
        raise ValueError(f"{where}the architecture record has {len(record['blocks'])} blocks; at most {MAX_BLOCKS}")
    parts = [("first_conv", record.get("first_conv")), *((f"blocks[{i}]", b) for i, b in enumerate(record["blocks"])), ("tail", record.get("tail"))]
    for name, spec in parts:
        if not isinstance(spec, dict):
            raise ValueError(f"{where}{name}: not a mapping of constructor arguments ({type(spec).__name__})")
        for key, value in spec.items():
            if isinstance(value, int) and not isinstance(value, bool) and not 1 <= value <= MAX_SIZE:
                raise ValueError(f"{where}{name}.{key}: {value} is not a sane size; allowed: 1 to {MAX_SIZE}")
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"{where}{name}.{key}: {value} is not a finite number")


def check_state_dict(skeleton: nn.Module, state: dict[str, Any], record: dict[str, Any], where: str = "") -> None:
    """Refuse a state dict that is not exactly the tensors of ``skeleton`` (the record's network): names and shapes."""
    expected = skeleton.state_dict()
    problems = []
    missing = [key for key in expected if key not in state]
    if missing:
        problems.append(f"missing from the state dict: {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
    stray = [key for key in state if key not in expected]
    if stray:
        problems.append(f"not in the record's network: {', '.join(stray[:5])}{' ...' if len(stray) > 5 else ''}")
    wrong = [key for key in expected if not problems and not (isinstance(state[key], torch.Tensor) and state[key].shape == expected[key].shape)]
    if wrong:
        key = wrong[0]
        held = state[key]
        found = tuple(held.shape) if isinstance(held, torch.Tensor) else type(held).__name__
        part = _record_part(key)
        spec = record["blocks"][int(part[len("blocks[") : -1])] if part.startswith("blocks[") else record[part]
        more = f" (and {len(wrong) - 1} more tensors)" if len(wrong) > 1 else ""
        problems.append(f"{part} {spec} makes {key} {tuple(expected[key].shape)}; the state dict holds {found}{more}")
    if problems:
        raise ValueError(f"{where}the architecture record and the state dict disagree: {'; '.join(problems)}")


def _record_part(key: str) -> str:
    """The part of an architecture record a state-dict key belongs to: ``blocks.3.se.reduce.weight`` -> ``blocks[3]``."""
    head, _, rest = key.partition(".")
    return f"blocks[{rest.partition('.')[0]}]" if head == "blocks" else head


def load_metadata(path: str | Path) -> dict[str, Any]:
    """What an exported file records besides the weights: subnet, cell, accuracy, recalibration."""
    data = _read_export(path, "cpu")
    return {"architecture": data["architecture"], **data["metadata"]}


def _read_export(path: str | Path, map_location: str | torch.device) -> dict[str, Any]:
    data = torch.load(path, map_location=map_location, weights_only=True)
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise ValueError(f"{path}: not a network exported by nasbench-rss (format {found!r}; expected {EXPORT_FORMAT!r})")
    kinds = {"architecture": dict, "state_dict": dict, "metadata": dict}
    wrong = [f"{key} ({type(data.get(key)).__name__})" for key, kind in kinds.items() if not isinstance(data.get(key), kind)]
    if wrong:
        raise ValueError(f"{path}: a damaged export: {', '.join(wrong)} where a mapping was expected")
    return data


class PooledPointwise(nn.Module):
    """A 1x1 conv applied to a pooled (N, C, 1, 1) map, computed as a matrix product.

    The same numbers as the conv; oneDNN's 1x1 convolution of a 1x1 map was measured
    about 3x slower than the GEMM (500 x 960 -> 1280, 2 threads), and the tail's
    feature mix is the largest single layer of a small-image MobileNetV3.
    """

    def __init__(self, conv: nn.Conv2d) -> None:
        super().__init__()
        if conv.kernel_size != (1, 1) or conv.groups != 1:
            raise ValueError(f"PooledPointwise: needs a 1x1 dense conv, got kernel {conv.kernel_size}, groups {conv.groups}")
        self.weight = nn.Parameter(conv.weight.detach().flatten(1).contiguous(), requires_grad=False)
        self.bias = None if conv.bias is None else nn.Parameter(conv.bias.detach().clone(), requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[2:] != (1, 1):
            raise ValueError(f"PooledPointwise: expects a pooled (N, C, 1, 1) map, got {tuple(x.shape)}")
        return nn.functional.linear(x.flatten(1), self.weight, self.bias)[:, :, None, None]


@torch.no_grad()
def inference_copy(net: nn.Module) -> nn.Module:
    """A copy of ``net`` in eval mode that computes the same function faster: what a test pass runs.

    Every conv -> BN pair of a ConvBNAct is folded into one conv (the BN's running
    statistics and affine become the conv's weight and bias: one pass less over each
    feature map), and the 1x1 convs that only ever see pooled maps (squeeze-and-excite,
    MobileNetV3's feature mix after the pool) become matrix products
    (:class:`PooledPointwise`).  Eval mode only: the copy has no BN to train.
    """
    fast = copy.deepcopy(net).eval()
    for module in fast.modules():
        if isinstance(module, ConvBNAct) and hasattr(module, "bn"):
            module.conv = fuse_conv_bn_eval(module.conv, module.bn)
            del module.bn
    for module in list(fast.modules()):
        if isinstance(module, SqueezeExcite):
            module.reduce, module.expand = PooledPointwise(module.reduce), PooledPointwise(module.expand)
        elif isinstance(module, Tail) and module.feature_mix_after_pool:
            module.feature_mix.conv = PooledPointwise(module.feature_mix.conv)
    return fast


@torch.no_grad()
def copy_bn(target: nn.BatchNorm2d, source: nn.BatchNorm2d) -> None:
    """Copy the first ``target.num_features`` channels of ``source``: affine, running stats, counter."""
    n = target.num_features
    target.momentum, target.eps = source.momentum, source.eps
    for name in ("weight", "bias", "running_mean", "running_var"):
        src, dst = getattr(source, name), getattr(target, name)
        if (src is None) != (dst is None):
            raise ValueError(f"batch norm {name}: source and target disagree on having it")
        if src is not None:
            dst.copy_(src[:n])
    if source.num_batches_tracked is not None and target.num_batches_tracked is not None:
        target.num_batches_tracked.copy_(source.num_batches_tracked)
