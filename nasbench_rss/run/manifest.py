"""``manifest.json``: what made a run directory, invocation by invocation.

A suite may be run in several goes (interrupted, resumed, extended with ``--only``),
possibly after the code changed.  Each invocation is recorded with its own commit,
versions, device and times; the top-level fields repeat the latest one, and
``mixed_environments`` says when cells of one directory were made by different code or
hardware, which a reader comparing them needs to know.
"""

from __future__ import annotations

import os
import platform
import socket
import sys
from typing import Any

import torch

from nasbench_rss.environment import device_name, git_state, versions
from nasbench_rss.plugins import PluginRegistry
from nasbench_rss.clock import timestamp

MANIFEST_FORMAT = 1
_ENVIRONMENT_KEYS = ("git", "versions", "plugins", "device", "host")


def environment_record(registry: PluginRegistry, device: str, resolved: torch.device) -> dict[str, Any]:
    """Commit, versions, plugins, device and host of this process."""
    return {
        "git": git_state(),
        "versions": versions(),
        "plugins": [
            {"plugin": info.name, "distribution": info.distribution, "version": info.version, "builtin": info.builtin}
            for info in registry.plugins
        ],
        "device": {
            "requested": device,
            "type": resolved.type,
            "name": device_name(resolved),
            "count": torch.cuda.device_count() if resolved.type == "cuda" else 1,
            "cpu_threads": torch.get_num_threads(),
        },
        "host": {"name": socket.gethostname(), "platform": platform.platform(), "cpu_count": os.cpu_count()},
    }


def start_invocation(
    manifest: dict[str, Any] | None,
    suite_record: dict[str, Any],
    cells: list[dict[str, Any]],
    environment: dict[str, Any],
    options: dict[str, Any],
) -> dict[str, Any]:
    """The manifest with a new, running invocation appended (a new manifest when None)."""
    started = timestamp()
    invocation = {"started": started, "ended": None, "status": "running", "command": sys.argv, **options, **environment}
    manifest = dict(manifest or {"format": MANIFEST_FORMAT, "created": started, "invocations": []})
    manifest["suite"] = suite_record
    manifest["seeds"] = suite_record["seeds"]
    manifest["cells"] = cells
    earlier = [
        # Only one process runs a directory at a time (its lock), so one still "running" died.
        {**inv, "status": "died (killed before it could record its end)"} if inv.get("status") == "running" else inv
        for inv in manifest.get("invocations", [])
    ]
    manifest["invocations"] = [*earlier, invocation]
    return _summarise(manifest)


def end_invocation(
    manifest: dict[str, Any], status: str, counts: dict[str, int], nodes: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The manifest with its last invocation ended with ``status``, cell ``counts`` and the ``nodes`` cells ran on.

    ``nodes`` maps each cell this invocation ran to where it ran (``hostname``, and
    ``ray_node_id`` under the ray executor), as its executor reported it.
    """
    manifest = dict(manifest)
    invocations = list(manifest["invocations"])
    invocations[-1] = {**invocations[-1], "ended": timestamp(), "status": status, "cells": counts, "nodes": dict(nodes or {})}
    manifest["invocations"] = invocations
    return _summarise(manifest)


def _summarise(manifest: dict[str, Any]) -> dict[str, Any]:
    latest = manifest["invocations"][-1]
    for key in _ENVIRONMENT_KEYS:
        manifest[key] = latest[key]
    manifest["started"] = manifest["invocations"][0]["started"]
    manifest["ended"] = latest["ended"]
    manifest["updated"] = latest["ended"] or latest["started"]
    manifest["mixed_environments"] = sorted(
        {key for key in ("git", "versions", "plugins", "device") for inv in manifest["invocations"] if _comparable(inv, key) != _comparable(latest, key)}
    )
    return manifest


def _comparable(invocation: dict[str, Any], key: str) -> Any:
    value = invocation.get(key)
    if key == "device":
        return (value["type"], value["name"])
    if key == "plugins":  # which distributions at which versions; not the order they loaded in
        return sorted((p["distribution"], p["version"], p["plugin"]) for p in value or [])
    return value
