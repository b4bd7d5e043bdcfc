"""How numbers look in a report: one place, so Markdown, HTML and the tests agree.

The JSON report holds raw numbers (accuracies as fractions, times in seconds); the
human-readable reports show them through these functions.  A test that checks "the
Markdown contains the JSON's numbers" formats the JSON value with the same function.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

MISSING = "n/a"
"""What a number that does not exist (NaN, None) is shown as."""


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def percent(fraction: float | None, digits: int = 2) -> str:
    """An accuracy (a fraction in [0, 1]) as a percentage without the sign: 0.8312 -> ``83.12``."""
    return MISSING if _missing(fraction) else f"{100 * fraction:.{digits}f}"


def points(difference: float | None, digits: int = 2) -> str:
    """A difference of accuracies in percentage points, signed: 0.0123 -> ``+1.23``."""
    return MISSING if _missing(difference) else f"{100 * difference:+.{digits}f}"


def variance_points(variance: float | None) -> str:
    """A variance of accuracies in squared percentage points: 0.0004 -> ``4``."""
    return MISSING if _missing(variance) else f"{1e4 * variance:.3g}"


def p_value(p: float | None) -> str:
    """A p-value to three significant digits: ``0.0123``, ``1.2e-05``."""
    return MISSING if _missing(p) else f"{p:.3g}"


def number(value: float | None, digits: int = 3) -> str:
    """A plain number to ``digits`` significant digits."""
    return MISSING if _missing(value) else f"{value:.{digits}g}"


def ratio(value: float | None) -> str:
    """A ratio such as a speed-up: ``2.91``."""
    return MISSING if _missing(value) else f"{value:.2f}"


def share(fraction: float | None) -> str:
    """A share of steps as a percentage with one decimal: 0.251 -> ``25.1``."""
    return MISSING if _missing(fraction) else f"{100 * fraction:.1f}"


def interval(iv: Mapping[str, Any] | None, show: Any = number) -> str:
    """``[low, high]`` of an interval dict (``Interval.to_dict()``), or why there is none."""
    if iv is None:
        return MISSING
    low, high = iv.get("low"), iv.get("high")
    if _missing(low) or _missing(high):
        return "no interval (one value)" if iv.get("n") == 1 else "no interval"
    return f"[{show(low)}, {show(high)}]"


def seconds(value: float | None) -> str:
    """A duration in seconds, shown in the unit that reads best: ``42.0 s``, ``12.5 min``, ``3.20 h``."""
    if _missing(value):
        return MISSING
    if value < 120:
        return f"{value:.1f} s"
    if value < 2 * 3600:
        return f"{value / 60:.1f} min"
    return f"{value / 3600:.2f} h"


def seeds(values: list[int]) -> str:
    """Seeds as ``0, 1, 2``."""
    return ", ".join(str(s) for s in values) if values else "none"
