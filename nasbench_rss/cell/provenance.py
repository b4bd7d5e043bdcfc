"""What a cell was made with, and whether the process now at hand may continue it.

A cell's training may span several processes (interrupted, resumed, retried).  Its
result is only what an uninterrupted run would give if every process ran the same code,
the same plugins, the same libraries on the same kind of device with the same numerics:
a resumed cell whose sampler plugin was upgraded in between is a mix of two methods.  So
the first process records the cell's *provenance* (``provenance.json``) and every later
one compares itself with it before touching the cell.

Code is identified by the distribution's version *and* a digest of its source files: an
edited checkout or a patched plugin keeps its version number but not its digest.  The CPU
thread count is part of the provenance too (float reductions depend on it) but is not
compared: a resumed cell simply runs with the thread count it started with.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

IDENTITY_KEYS: tuple[str, ...] = ("code", "torch", "numpy", "device_type", "device_name", "precision", "memory_format")
"""Provenance entries that must be equal for a process to continue a cell or reuse its measurements."""


@functools.lru_cache(maxsize=None)
def source_digest(module_name: str) -> str:
    """SHA-256 (first 16 hex digits) of the Python sources of ``module_name``'s top-level package.

    The files are hashed by path relative to the package and content, in sorted order, so
    the digest is the same wherever the package is installed.  A single-module plugin is
    hashed alone; a module that cannot be found gives ``"unknown"``.
    """
    top = module_name.split(".")[0]
    module = sys.modules.get(top)
    spec = None if module is not None else importlib.util.find_spec(top)
    locations = list(getattr(module, "__path__", None) or (spec.submodule_search_locations if spec else None) or [])
    files: list[tuple[str, Path]] = []
    for location in locations:
        root = Path(location)
        files += [(str(p.relative_to(root)), p) for p in root.rglob("*.py")]
    if not locations:
        origin = getattr(module, "__file__", None) or (spec.origin if spec else None)
        if not origin:
            return "unknown"
        files = [(Path(origin).name, Path(origin))]
    digest = hashlib.sha256()
    for name, path in sorted(files):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def identity(provenance: dict[str, Any]) -> dict[str, Any]:
    """The entries of ``provenance`` that decide whether results can be mixed."""
    return {key: provenance.get(key) for key in IDENTITY_KEYS}


def changes(started: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """What differs between the provenance a cell started with and this process's, in words."""
    out = []
    before, after = identity(started), identity(now)
    for key in IDENTITY_KEYS:
        if before[key] == after[key]:
            continue
        if key == "code":
            out += _code_changes(before[key] or {}, after[key] or {})
        else:
            out.append(f"{key.replace('_', ' ')} {before[key]} -> {after[key]}")
    return out


def _code_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    out = []
    for distribution in sorted(set(before) | set(after)):
        old, new = before.get(distribution), after.get(distribution)
        if old == new:
            continue
        if old is None or new is None:
            out.append(f"{distribution} {'added' if old is None else 'no longer used'}")
        elif old.get("version") != new.get("version"):
            out.append(f"{distribution} {old.get('version')} -> {new.get('version')}")
        else:
            out.append(f"{distribution} {new.get('version')}: its code changed (source digest {old.get('source')} -> {new.get('source')})")
    return out


def describe_code(code: dict[str, Any]) -> str:
    """``nasbench-rss 0.1.0 (source 1a2b...), acme 1.2 (source 3c4d...)``."""
    return ", ".join(f"{name} {info.get('version')} (source {info.get('source')})" for name, info in sorted(code.items()))
