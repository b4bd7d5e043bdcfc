"""The built-in architectures."""

from nasbench_rss.arch.architecture import Architecture
from nasbench_rss.arch.mobilenet_v3 import MOBILENET_V3
from nasbench_rss.arch.proxyless import PROXYLESSNAS

MOBILENET_V3_ARCH = Architecture(
    MOBILENET_V3, "OFA's elastic MobileNetV3: 5 stages of up to 4 layers, SE in 3 stages (the paper's supernet)"
)
PROXYLESSNAS_ARCH = Architecture(
    PROXYLESSNAS, "OFA's elastic ProxylessNAS: 21 layers in 6 stages, the last of fixed depth (the paper's supplement)"
)
