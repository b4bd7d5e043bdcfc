"""Contended epochs: epochs whose wall time measured other jobs on the machine, not the method.

Wall time alone cannot be trusted on a shared machine: when another job takes the cores,
an epoch's wall time grows while the work (and so the process's CPU time) stays put.  CPU
utilisation, the process's CPU seconds per wall second, is throughput relative to the work
the epoch did, whichever subnet it trained; so an epoch whose utilisation drops well below
the cell's own typical value waited for the cores.  The rule:

    An epoch is *contended* when its CPU utilisation (cpu_seconds / seconds) is below
    CONTENDED_UTILISATION_SHARE (0.75) of the cell's own median utilisation, OR its
    1-minute load average at its end exceeds the CPUs the cell could use (cpu_count):
    other processes wanted the cores.

The utilisation rule compares a cell with itself, so it finds epochs that differ from the
cell's typical one; a cell contended throughout shows only through the load average (a
damped 1-minute average, so it lags a short burst).  Cells whose epochs carry no CPU time
(run directories written before nasbench-rss recorded it) are "not recorded": nothing is
flagged, and the report says contention could not be checked rather than "none".
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any, Literal, Sequence

CONTENDED_UTILISATION_SHARE = 0.75
"""An epoch below this share of its cell's median CPU utilisation waited for the cores."""

RULE = (
    "an epoch is contended when its CPU utilisation (the training process's CPU seconds over its wall seconds) is below "
    f"{CONTENDED_UTILISATION_SHARE:g} of the cell's own median utilisation, or when the machine's 1-minute load average "
    "at its end exceeds the CPUs the cell could use: other processes wanted the cores. For the same work CPU time stays "
    "put when another job takes the cores while wall time grows, so a CPU-time ratio is not contaminated where a "
    "wall-clock ratio is"
)

Recorded = Literal["recorded", "partly recorded", "not recorded"]
"""Whether a cell's (or a set of cells') epochs carry CPU time: all, some or none of them."""


@dataclass(frozen=True)
class EpochTime:
    """What one trained epoch's record says about its time."""

    index: int
    seconds: float
    cpu_seconds: float | None = None
    load_average: float | None = None
    mflops: float | None = None
    """Step-weighted mean MFLOPs of the subnets the epoch trained (None when not listed)."""

    @property
    def utilisation(self) -> float | None:
        """CPU seconds per wall second (above 1 with several threads); None without CPU time."""
        if self.cpu_seconds is None or not self.seconds > 0:
            return None
        return self.cpu_seconds / self.seconds


def recorded(epochs: Sequence[EpochTime]) -> Recorded:
    """Whether every, some or no epoch carries CPU time."""
    known = sum(1 for e in epochs if e.cpu_seconds is not None)
    if epochs and known == len(epochs):
        return "recorded"
    return "partly recorded" if known else "not recorded"


def combined(states: Sequence[Recorded]) -> Recorded:
    """The recording state of several cells together."""
    kinds = set(states)
    if kinds == {"recorded"}:
        return "recorded"
    if not kinds or kinds == {"not recorded"}:
        return "not recorded"
    return "partly recorded"


def contention(epochs: Sequence[EpochTime], cpu_count: int | None) -> dict[str, Any]:
    """The contended epochs of one cell under the rule above, with the share of its wall time they hold.

    ``cpu_count`` is the CPUs the training process could use (its affinity mask); without
    it the load rule cannot apply and only the utilisation rule does.
    """
    state = recorded(epochs)
    utilisations = [u for u in (e.utilisation for e in epochs) if u is not None]
    median = statistics.median(utilisations) if utilisations else None
    flagged = []
    for epoch in epochs:
        reasons = _reasons(epoch, median, cpu_count)
        if reasons:
            flagged.append(
                {
                    "epoch": epoch.index,
                    "seconds": epoch.seconds,
                    "cpu_seconds": epoch.cpu_seconds,
                    "utilisation": epoch.utilisation,
                    "load_average": epoch.load_average,
                    "mflops": epoch.mflops,
                    "rules": [rule for rule, _ in reasons],
                    "reason": "; ".join(text for _, text in reasons),
                }
            )
    wall = sum(e.seconds for e in epochs)
    contended_seconds = sum(f["seconds"] for f in flagged)
    checked = state != "not recorded" or any(e.load_average is not None for e in epochs)
    return {
        "recorded": state,
        "cpu_count": cpu_count,
        "epochs": len(epochs),
        "median_utilisation": median,
        "contended": flagged,
        "contended_seconds": contended_seconds,
        "contended_share": (contended_seconds / wall if wall > 0 else 0.0) if checked else None,
    }


def _reasons(epoch: EpochTime, median: float | None, cpu_count: int | None) -> list[tuple[str, str]]:
    """(rule, sentence) for each part of the rule this epoch meets."""
    reasons = []
    utilisation = epoch.utilisation
    if utilisation is not None and median is not None and median > 0 and utilisation < CONTENDED_UTILISATION_SHARE * median:
        reasons.append(
            (
                "utilisation",
                f"CPU utilisation {utilisation:.2f} is below {CONTENDED_UTILISATION_SHARE:g} of the cell's median {median:.2f}",
            )
        )
    if epoch.load_average is not None and cpu_count is not None and epoch.load_average > cpu_count:
        reasons.append(("load", f"load average {epoch.load_average:.2f} exceeds the {cpu_count} usable CPUs"))
    return reasons
