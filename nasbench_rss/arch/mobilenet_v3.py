"""OFA's elastic MobileNetV3 (``OFAMobileNetV3`` with width multiplier 1.0)."""

from nasbench_rss.arch.layout import MBLayout, StageLayout

MOBILENET_V3 = MBLayout(
    name="mobilenet-v3",
    first_conv_width=16,
    first_conv_activation="h_swish",
    first_block_width=16,
    first_block_activation="relu",
    first_block_se=False,
    stages=(
        StageLayout(width=24, n_layers=4, stride=2, activation="relu", se=False),
        StageLayout(width=40, n_layers=4, stride=2, activation="relu", se=True),
        StageLayout(width=80, n_layers=4, stride=2, activation="h_swish", se=False),
        StageLayout(width=112, n_layers=4, stride=1, activation="h_swish", se=True),
        StageLayout(width=160, n_layers=4, stride=2, activation="h_swish", se=True),
    ),
    final_expand_width=960,
    feature_mix_width=1280,
    feature_mix_after_pool=True,
    tail_activation="h_swish",
    fixed_depth_stages=frozenset(),
    bn_momentum=0.1,
    bn_eps=1e-5,
)
