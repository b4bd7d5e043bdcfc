"""The runner's events as messages to whoever runs the executor (a pipe, a Ray actor).

Both executors' workers send the same messages, throttled the same way; only the channel
differs, so a subclass implements :meth:`MessageEvents.send` and nothing else.  The
parent side turns a message back into a ``Progress`` call with
:func:`nasbench_rss.run.executors.base.forward_event`.
"""

from __future__ import annotations

import time
from typing import Any

from nasbench_rss.run.runner import RunnerEvents

STEP_REPORT_SECONDS = 0.5
"""Least time between two progress messages: the parent redraws at most this often per cell."""


class MessageEvents(RunnerEvents):
    """Runner events sent as ``("started" | "step" | "epoch" | "evaluating", ...)`` messages; ``stop`` is the stop request."""

    def __init__(self) -> None:
        super().__init__()
        self.stop = False
        self._last = 0.0
        self._bucket = ""

    def send(self, *message: Any) -> None:
        raise NotImplementedError

    def stop_requested(self) -> bool:
        return self.stop

    def started(self, cell_id: str, epochs_done: int, epochs: int) -> None:
        self.send("started", epochs_done, epochs)

    def step(self, epoch: int, done: int, steps: int) -> None:
        clock = time.monotonic()
        if clock - self._last >= STEP_REPORT_SECONDS:
            self._last = clock
            self.send("step", epoch, done, steps)

    def epoch_done(self, epoch: int, seconds: float, passes: int) -> None:
        self.send("epoch", epoch, seconds, passes)

    def evaluating(self, bucket: str, done: int, total: int) -> None:
        clock = time.monotonic()
        # The first subnet of each bucket is always sent: the parent prints a line per bucket.
        if done == total or bucket != self._bucket or clock - self._last >= STEP_REPORT_SECONDS:
            self._last, self._bucket = clock, bucket
            self.send("evaluating", bucket, done, total)
