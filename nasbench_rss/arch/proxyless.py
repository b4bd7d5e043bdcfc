"""OFA's elastic ProxylessNAS (``OFAProxylessNASNets`` with width multiplier 1.0).

OFA lays it out as 21 elastic layers in 6 groups; the last group is one layer whose
depth never changes (its kernel and expand ratio are elastic).
"""

from nasbench_rss.arch.layout import MBLayout, StageLayout

PROXYLESSNAS = MBLayout(
    name="proxylessnas",
    first_conv_width=32,
    first_conv_activation="relu6",
    first_block_width=16,
    first_block_activation="relu6",
    first_block_se=False,
    stages=(
        StageLayout(width=24, n_layers=4, stride=2, activation="relu6", se=False),
        StageLayout(width=40, n_layers=4, stride=2, activation="relu6", se=False),
        StageLayout(width=80, n_layers=4, stride=2, activation="relu6", se=False),
        StageLayout(width=96, n_layers=4, stride=1, activation="relu6", se=False),
        StageLayout(width=192, n_layers=4, stride=2, activation="relu6", se=False),
        StageLayout(width=320, n_layers=1, stride=1, activation="relu6", se=False),
    ),
    final_expand_width=None,
    feature_mix_width=1280,
    feature_mix_after_pool=False,
    tail_activation="relu6",
    fixed_depth_stages=frozenset({5}),
    bn_momentum=0.1,
    bn_eps=1e-3,
)
