"""Batch FLOPs counting speed, side by side with OFA's analytic counter (target >= 100,000/s).

    python benchmarks/bench_flops.py [--n 200000] [--ofa-n 300]

Prints subnets/s for: stage-code batches (how samplers and buckets count), Subnet
objects (codes computed from the objects first), and OFA's ``Mbv3FLOPsModel`` when the
``ofa`` package is installed; and the ratios.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from tabulate import tabulate

from nasbench_rss.arch.builtin import MOBILENET_V3_ARCH
from nasbench_rss.arch.layout import Shape
from nasbench_rss.space.population import sample_codes


def rate(fn, n: int, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return n / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--ofa-n", type=int, default=300)
    args = parser.parse_args()

    shape = Shape(3, 100, 32)
    table = MOBILENET_V3_ARCH.flops_table(shape)
    codes = sample_codes(table.space, args.n, np.random.default_rng(0))
    subnets = table.space.subnets(codes)
    rows = [
        ("stage-code batch (FlopsTable.mflops_of_codes)", rate(lambda: table.mflops_of_codes(codes), args.n)),
        ("Subnet objects (FlopsTable.mflops_of)", rate(lambda: table.mflops_of(subnets), args.n)),
    ]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from ofa.imagenet_classification.elastic_nn.networks import OFAMobileNetV3
            from ofa.nas.efficiency_predictor import Mbv3FLOPsModel
        model = Mbv3FLOPsModel(OFAMobileNetV3(n_classes=100, ks_list=[3, 5, 7], expand_ratio_list=[3, 4, 6], depth_list=[2, 3, 4]))
        configs = []
        for s in subnets[: args.ofa_n]:
            ofa = {k: [3 if v is None else v for v in values] for k, values in s.to_ofa().items()}
            configs.append(dict(ofa, image_size=32))
        rows.append(("OFA Mbv3FLOPsModel.get_efficiency", rate(lambda: [model.get_efficiency(c) for c in configs], len(configs), repeats=1)))
    except ImportError as err:
        print(f"(OFA's counter not measured: {err})")
    base = rows[-1][1]
    print(f"mobilenet-v3, {shape}, {args.n} subnets (OFA: {args.ofa_n})")
    print(tabulate([(name, f"{r:,.0f}", f"{r / base:,.0f}x") for name, r in rows], headers=["counter", "subnets/s", "vs last row"]))


if __name__ == "__main__":
    main()
