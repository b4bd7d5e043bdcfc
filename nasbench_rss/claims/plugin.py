"""Built-in claim kinds, registered through the same ``register_claims`` hook as a third party's."""

from __future__ import annotations

import importlib
from typing import Any

from nasbench_rss.claims import options as o
from nasbench_rss.hookspecs import hookimpl

BUILTIN_CLAIMS: dict[str, tuple[str, type[o.ClaimOptions], str]] = {
    "better": ("a run's subnets are more accurate than another's, per bucket or pooled", o.BetterOptions, "Better"),
    "better-at-equal-cost": (
        "a run's population is more accurate than another's at the largest training cost (MACs) both reached, on their learning curves",
        o.BetterAtEqualCostOptions,
        "BetterAtEqualCost",
    ),
    "not-worse": ("non-inferiority: a run is at most a margin less accurate than another", o.NotWorseOptions, "NotWorse"),
    "lower-variance": ("a run's accuracies spread less than another's (population or per bucket)", o.LowerVarianceOptions, "LowerVariance"),
    "faster": ("a run trains at least k times faster than another (CPU or wall time)", o.FasterOptions, "Faster"),
    "peak-at": ("a run's accuracy profile across buckets peaks at a given bucket", o.PeakAtOptions, "PeakAt"),
    "bias-follows-exposure": (
        "a run's bucket accuracy rank-correlates with how much training the bucket's neighbourhood got",
        o.BiasFollowsExposureOptions,
        "BiasFollowsExposure",
    ),
    "ordering": ("runs are ordered by accuracy, each better than the next", o.OrderingOptions, "Ordering"),
    "interaction": ("a change moves two methods alike (or one more than the other)", o.InteractionOptions, "Interaction"),
    "interference": (
        "a run's probe updates hurt other subnets more (or less) often, or its gradients agree less, than another's",
        o.InterferenceOptions,
        "InterferenceClaim",
    ),
    "ranking": (
        "a run's inherited accuracies rank the stand-alone references better than another's (Kendall's tau, ...), or beyond a bound",
        o.RankingOptions,
        "RankingClaim",
    ),
}
"""name -> (description, options model, class in nasbench_rss.claims.kinds)."""


@hookimpl
def register_claims(register) -> None:
    from nasbench_rss.plugins import Registration

    for name, (description, options_model, class_name) in BUILTIN_CLAIMS.items():
        register(Registration(name, description, factory=_factory(class_name), options_model=options_model))


def _factory(class_name: str):
    def factory(options: Any = None) -> Any:
        # Imported on use: loading the plugins must not import scipy.
        kinds = importlib.import_module("nasbench_rss.claims.kinds")
        return getattr(kinds, class_name)(options)

    factory.__qualname__ = f"factory[{class_name}]"
    factory.__doc__ = f"Make a {class_name} claim from its options."
    return factory


def build_claim(declared: dict[str, Any], registry: Any = None) -> Any:
    """The claim object of a recorded claim ``{kind, options, ...}``, from its kind's plugin.

    Raises UnknownName when the kind is not installed and pydantic's ValidationError when
    the options do not validate for it.
    """
    from nasbench_rss.plugins import get_registry

    entry = (registry or get_registry()).get("claim", declared.get("kind"))
    options = entry.options_model.model_validate(declared.get("options", {})) if entry.options_model else None
    return entry.factory(options)
