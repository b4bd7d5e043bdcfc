"""OFA's elastic MobileNet supernets (MobileNetV3, ProxylessNAS), built from an MBLayout.

One ``ElasticMBNet`` holds the weights of the largest network of its search space.  A
subnet is made active with ``set_active`` and stored on the instance (no class-level
flags, no global state, so supernets never interfere), ``forward`` runs it, and
``extract`` copies it out as a stand-alone network of plain torch modules whose output
equals the supernet's.  Layer geometry and the FLOPs table come from the same layout,
so the network, the extracted network and the analytic counter cannot disagree.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from nasbench_rss.arch.elastic_ops import DynamicBatchNorm, DynamicDepthwiseConv, DynamicPointwiseConv, DynamicSE
from nasbench_rss.arch.layout import LayerGeometry, MBLayout, Shape, mid_channels
from nasbench_rss.arch.static import ConvBNAct, MBConv, StaticMBNet, Tail, copy_bn, make_activation
from nasbench_rss.errors import SpaceError
from nasbench_rss.space.flops import FlopsTable
from nasbench_rss.space.search_space import SearchSpace
from nasbench_rss.space.subnet import Subnet


def _permute_(tensor: torch.Tensor, dim: int, index: torch.Tensor) -> None:
    """Reorder ``tensor`` along ``dim`` in place (same storage: the optimizer keeps its parameters)."""
    tensor.copy_(tensor.index_select(dim, index))


def _permute_bn_(bn: nn.BatchNorm2d, index: torch.Tensor) -> None:
    for t in (bn.weight, bn.bias, bn.running_mean, bn.running_var):
        if t is not None:
            _permute_(t, 0, index)


class ElasticMBLayer(nn.Module):
    """One elastic inverted-residual layer (OFA's DynamicMBConvLayer + its shortcut).

    Hidden width ``mid_channels(in, expand)``; the expand conv is skipped when the
    active expand ratio is 1, so the supernet, the extracted layer and the FLOPs
    table agree (OFA's supernet would still run a 1x1 conv there).
    """

    def __init__(
        self,
        geometry: LayerGeometry,
        kernels: tuple[int, ...],
        expands: tuple[int, ...],
        bn_momentum: float,
        bn_eps: float,
    ) -> None:
        super().__init__()
        self.geometry = geometry
        self.expands = tuple(sorted(expands))
        self.mids = {e: mid_channels(geometry.in_channels, e) for e in self.expands}
        max_mid = self.mids[self.expands[-1]]
        bn = dict(eps=bn_eps, momentum=bn_momentum)
        self.expand_conv: DynamicPointwiseConv | None = None
        self.expand_bn: DynamicBatchNorm | None = None
        if self.expands[-1] != 1:
            self.expand_conv = DynamicPointwiseConv(geometry.in_channels, max_mid)
            self.expand_bn = DynamicBatchNorm(max_mid, **bn)
        self.depthwise = DynamicDepthwiseConv(max_mid, kernels, geometry.stride)
        self.depthwise_bn = DynamicBatchNorm(max_mid, **bn)
        self.act = make_activation(geometry.activation)
        self.se = DynamicSE(max_mid) if geometry.se else None
        self.project = DynamicPointwiseConv(max_mid, geometry.out_channels)
        self.project_bn = nn.BatchNorm2d(geometry.out_channels, **bn)
        self.residual = geometry.residual

    def forward(self, x: torch.Tensor, kernel: int, expand: int) -> torch.Tensor:
        h = x
        if expand != 1:
            h = self.act(self.expand_bn(self.expand_conv(h, self.mids[expand])))
        h = self.act(self.depthwise_bn(self.depthwise(h, kernel)))
        if self.se is not None:
            h = self.se(h)
        h = self.project_bn(self.project(h))
        return h + x if self.residual else h

    @torch.no_grad()
    def extract(self, kernel: int, expand: int) -> MBConv:
        """A plain MBConv with copies of the active weights (kernel transform applied)."""
        geo = self.geometry
        mid = self.mids[expand] if expand != 1 else geo.in_channels
        bn, ref = self.project_bn, self.project.weight
        with torch.device("meta"):  # every tensor is overwritten below: skip random initialisation
            block = MBConv(
                geo.in_channels, geo.out_channels, mid, kernel, geo.stride, geo.activation, geo.se,
                expand=expand != 1, bn_momentum=bn.momentum, bn_eps=bn.eps,
            )  # fmt: skip
        block = block.to_empty(device=ref.device).to(ref.dtype)
        if block.expand is not None:
            block.expand.conv.weight.copy_(self.expand_conv.active_weight(mid, geo.in_channels))
            copy_bn(block.expand.bn, self.expand_bn)
        block.depthwise.conv.weight.copy_(self.depthwise.active_filter(mid, kernel))
        copy_bn(block.depthwise.bn, self.depthwise_bn)
        if block.se is not None:
            se_mid = block.se.reduce.out_channels
            block.se.reduce.weight.copy_(self.se.reduce.weight[:se_mid, :mid])
            block.se.reduce.bias.copy_(self.se.reduce.bias[:se_mid])
            block.se.expand.weight.copy_(self.se.expand.weight[:mid, :se_mid])
            block.se.expand.bias.copy_(self.se.expand.bias[:mid])
        block.project.conv.weight.copy_(self.project.active_weight(geo.out_channels, mid))
        copy_bn(block.project.bn, self.project_bn)
        return block

    @torch.no_grad()
    def reorganize_channels(self, expand_stage: int = 0) -> None:
        """OFA's ``re_organize_middle_weights``: most important hidden channels first.

        Importance is the L1 norm of each hidden channel's project weights.  With
        ``expand_stage`` = s > 0 the channels of the s+1 largest expand tiers are kept
        within their tiers (OFA's offsets), so already-trained smaller widths keep
        their channels.  The layer's function at the largest width is unchanged: every
        tensor that touches a hidden channel is permuted alike; the SE hidden units are
        sorted likewise.  Tensors are permuted in place but optimizer momentum is not:
        as OFA does, start a new optimizer afterwards.  (With expand 1 among the choices,
        whose layers feed their input straight to the depthwise conv, those configurations
        do change; OFA would still run its expand conv there.)
        """
        if not 0 <= expand_stage < len(self.expands):
            raise ValueError(f"expand_stage {expand_stage}: allowed 0..{len(self.expands) - 1}")
        if self.expand_conv is None:
            return  # hidden channels are the layer's input channels: nothing is free to move
        importance = self.project.weight.abs().sum(dim=(0, 2, 3))
        if expand_stage > 0:
            widths = [self.mids[e] for e in sorted(self.expands, reverse=True)]
            right, base = len(importance), -len(widths) * 1e5
            for i in range(expand_stage + 1):
                importance[widths[i] : right] += base
                base += 1e5
                right = widths[i]
        index = torch.sort(importance, dim=0, descending=True).indices
        _permute_(self.project.weight, 1, index)
        _permute_bn_(self.depthwise_bn, index)
        _permute_(self.depthwise.weight, 0, index)
        if self.se is not None:
            _permute_(self.se.expand.weight, 0, index)
            _permute_(self.se.expand.bias, 0, index)
            _permute_(self.se.reduce.weight, 1, index)
            se_importance = self.se.expand.weight.abs().sum(dim=(0, 2, 3))
            se_index = torch.sort(se_importance, dim=0, descending=True).indices
            _permute_(self.se.expand.weight, 1, se_index)
            _permute_(self.se.reduce.weight, 0, se_index)
            _permute_(self.se.reduce.bias, 0, se_index)
        _permute_bn_(self.expand_bn, index)
        _permute_(self.expand_conv.weight, 0, index)


class ElasticMBNet(nn.Module):
    """An OFA MobileNet supernet over ``space`` for data of ``shape``.

    Layout: stride-2 3x3 first conv, a fixed first block (expand 1, kernel 3), the
    elastic stages (the first ``d`` layers of a stage run, like OFA's runtime_depth),
    and the tail.  Widths are those of the space's largest kernel/expand choices.
    """

    def __init__(self, layout: MBLayout, space: SearchSpace, shape: Shape, dropout: float = 0.1) -> None:
        super().__init__()
        stage_layers = tuple(s.n_layers for s in layout.stages)
        if space.architecture != layout.name or space.max_depths != stage_layers:
            raise SpaceError(
                f"space of {space.architecture} with stages {list(space.max_depths)} does not fit "
                f"{layout.name} with stages {list(stage_layers)}"
            )
        self.layout = layout
        self.space = space
        self.shape = shape
        bn = dict(bn_momentum=layout.bn_momentum, bn_eps=layout.bn_eps)
        self.first_conv = ConvBNAct(
            shape.in_channels, layout.first_conv_width, 3, 2, activation=layout.first_conv_activation, **bn
        )
        self.first_block = MBConv(
            layout.first_conv_width, layout.first_block_width, layout.first_conv_width, 3, 1,
            layout.first_block_activation, layout.first_block_se, expand=False, **bn,
        )  # fmt: skip
        self.stages = nn.ModuleList(
            nn.ModuleList(
                ElasticMBLayer(geo, space.kernel_choices, space.expand_choices, layout.bn_momentum, layout.bn_eps)
                for geo in layers
            )
            for layers in layout.geometry(shape.image_size)
        )
        self.tail = Tail(
            layout.last_width, layout.final_expand_width, layout.feature_mix_width, layout.feature_mix_after_pool,
            layout.tail_activation, shape.num_classes, dropout, **bn,
        )  # fmt: skip
        self._flops_table: FlopsTable | None = None
        self.set_active(space.largest())

    # ------------------------------------------------------------ active subnet
    def _checked(self, subnet: Subnet | str) -> Subnet:
        if isinstance(subnet, str):
            subnet = Subnet.decode(self.space, subnet)
        if not isinstance(subnet, Subnet):
            raise SpaceError(f"subnet: expected a Subnet or its encoding, got {subnet!r}")
        self.space.check(subnet)
        return subnet

    def set_active(self, subnet: Subnet | str) -> None:
        """Make ``subnet`` (from this space or any sub-space of it) the one ``forward`` runs."""
        subnet = self._checked(subnet)
        self._active = subnet
        self._plan = tuple(
            (s, i, k, e) for s, stage in enumerate(subnet.layers) for i, (k, e) in enumerate(stage)
        )

    @property
    def active(self) -> Subnet:
        return self._active

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.first_block(self.first_conv(x))
        for s, i, kernel, expand in self._plan:
            x = self.stages[s][i](x, kernel, expand)
        return self.tail(x)

    # --------------------------------------------------------------- extraction
    @torch.no_grad()
    def extract(self, subnet: Subnet | str | None = None) -> StaticMBNet:
        """``subnet`` (default: the active one) as a stand-alone network with copied weights.

        Same device, dtype, memory format and train/eval mode as the supernet; no storage
        is shared, so training either one leaves the other alone.
        """
        subnet = self.active if subnet is None else self._checked(subnet)
        blocks = [copy.deepcopy(self.first_block)]
        for s, stage in enumerate(subnet.layers):
            blocks.extend(self.stages[s][i].extract(k, e) for i, (k, e) in enumerate(stage))
        net = StaticMBNet(copy.deepcopy(self.first_conv), blocks, copy.deepcopy(self.tail))
        ref = self.first_conv.conv.weight
        # channels_last is told by the strides (the contiguity flags are ambiguous for 1 input channel)
        fmt = torch.channels_last if ref.stride(1) < ref.stride(2) else torch.contiguous_format
        return net.to(device=ref.device, dtype=ref.dtype, memory_format=fmt).train(self.training)

    # ------------------------------------------------------------------- widths
    @torch.no_grad()
    def reorganize_channels(self, expand_stage: int = 0) -> None:
        """Sort every elastic layer's hidden channels by importance (OFA's width-shrinking step)."""
        for stage in self.stages:
            for layer in stage:
                layer.reorganize_channels(expand_stage)

    # -------------------------------------------------------------------- FLOPs
    def flops(self, subnet: Subnet | str | None = None) -> float:
        """MFLOPs (millions of MACs, OFA's convention) of ``subnet`` (default: the active one)."""
        subnet = self.active if subnet is None else self._checked(subnet)
        if self._flops_table is None:
            self._flops_table = self.layout.flops_table(self.space, self.shape)
        return self._flops_table.mflops(subnet)
