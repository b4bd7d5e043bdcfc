"""Running suites: run directories, manifests, executors, resume.

    from nasbench_rss.suite import load_suite
    from nasbench_rss.run import run_suite, open_run

    summary = run_suite(load_suite("suites/smoke.yaml"), out="runs/smoke")
    for cell in open_run("runs/smoke").cells():
        print(cell.id, cell.status, cell.result and cell.result["train_seconds"])

The names below load their modules on first use (PEP 562): loading the plugin registry
imports ``nasbench_rss.run.executors.plugin``, which must not pull in torch through here.
"""

from __future__ import annotations

import importlib
from typing import Any

from nasbench_rss.exit_codes import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK, EXIT_STORAGE

_LAZY = {
    "RunError": "nasbench_rss.run.orchestrate",
    "RunSummary": "nasbench_rss.run.orchestrate",
    "run_suite": "nasbench_rss.run.orchestrate",
    "evaluate_run": "nasbench_rss.run.orchestrate",
    "CellRecord": "nasbench_rss.run.results",
    "RunDirectory": "nasbench_rss.run.results",
    "open_run": "nasbench_rss.run.results",
}

__all__ = ["EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_INVALID", "EXIT_OK", "EXIT_STORAGE", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nasbench_rss.run' has no attribute {name!r}")
