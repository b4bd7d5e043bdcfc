"""Contended epochs: epochs whose wall time measured other jobs on the machine, not the method.

Wall time alone cannot be trusted on a shared machine: when another job takes the cores,
an epoch's wall time grows while the work (and so the process's CPU time) stays put.  CPU
utilisation, the process's CPU seconds per wall second, is throughput relative to the work
the epoch did, whichever subnet it trained; so an epoch whose utilisation drops well below
what the process could use waited for the cores.  The rule:

    An epoch is *contended* when its CPU utilisation (cpu_seconds / seconds) is below
    CONTENDED_UTILISATION_SHARE (0.75) of the cell's own median utilisation (a burst of
    other work), or, for a cell trained on the CPU, below 0.75 of the threads it ran with
    (capped at the usable CPUs: other work all along).  A cell on a GPU does not keep its
    threads busy, so for it the second part is the load: the machine's 1-minute load
    average at the epoch's end at least one above the CPUs the cell could use.

The load average is only context for a CPU cell: with --jobs 2 on 2 cores the load sits at
2 while each one-thread cell gets its whole core (utilisation 1.0), and a cell that gets its
threads' worth of CPU time was not slowed whoever else waited.  Cells whose epochs carry no
CPU time (run directories written before nasbench-rss recorded it) are "not recorded":
nothing is flagged, and the report says contention could not be checked rather than "none".
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any, Literal, Sequence

CONTENDED_UTILISATION_SHARE = 0.75
"""An epoch below this share of its cell's median CPU utilisation waited for the cores."""

LOAD_MARGIN = 1.0
"""A GPU cell's epoch is contended when the load average is at least this far above the usable CPUs."""

RULE = (
    "an epoch is contended when its CPU utilisation (the training process's CPU seconds over its wall seconds) is below "
    f"{CONTENDED_UTILISATION_SHARE:g} of the cell's own median utilisation, or (a cell trained on the CPU) below "
    f"{CONTENDED_UTILISATION_SHARE:g} of the threads it ran with, or (a cell on a GPU) when the machine's 1-minute load "
    f"average at its end is at least {LOAD_MARGIN:g} above the CPUs the cell could use. For the same work CPU time stays "
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
    threads: int | None = None
    """The torch threads the epoch ran with (None when not recorded)."""

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


def contention(epochs: Sequence[EpochTime], cpu_count: int | None, device_type: str | None = "cpu") -> dict[str, Any]:
    """The contended epochs of one cell under the rule above, with the share of its wall time they hold.

    ``cpu_count`` is the CPUs the training process could use (its affinity mask);
    ``device_type`` where the cell trained (``cpu``: the threads rule; anything else: the
    load rule, which needs ``cpu_count``).
    """
    state = recorded(epochs)
    utilisations = [u for u in (e.utilisation for e in epochs) if u is not None]
    median = statistics.median(utilisations) if utilisations else None
    flagged = []
    for epoch in epochs:
        reasons = _reasons(epoch, median, cpu_count, device_type)
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


def _reasons(epoch: EpochTime, median: float | None, cpu_count: int | None, device_type: str | None) -> list[tuple[str, str]]:
    """(rule, sentence) for each part of the rule this epoch meets."""
    reasons = []
    utilisation = epoch.utilisation
    share = CONTENDED_UTILISATION_SHARE
    if utilisation is not None and median is not None and median > 0 and utilisation < share * median:
        reasons.append(("utilisation", f"CPU utilisation {utilisation:.2f} is below {share:g} of the cell's median {median:.2f}"))
    if device_type == "cpu":
        if utilisation is not None and epoch.threads:
            usable = min(epoch.threads, cpu_count) if cpu_count else epoch.threads
            if utilisation < share * usable:
                reasons.append(("threads", f"CPU utilisation {utilisation:.2f} is below {share:g} of the {usable} thread(s) it ran"))
    elif epoch.load_average is not None and cpu_count is not None and epoch.load_average >= cpu_count + LOAD_MARGIN:
        reasons.append(("load", f"load average {epoch.load_average:.2f} is at least {LOAD_MARGIN:g} above the {cpu_count} usable CPUs"))
    return reasons
