"""The one way this package writes down when something happened."""

from __future__ import annotations

from datetime import datetime, timezone


def timestamp() -> str:
    """Now, in UTC, to the second: the times recorded in manifests, cells, failures and logs."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
