"""Reports of a run directory: findings, per-bucket statistics, training time, exposure, method.

    from nasbench_rss.report import write_report
    write_report("runs/quick")                      # runs/quick/report/report.{md,json,html} + PNGs

``analyse(run)`` computes every number once (``report.json`` is it); the figures, the
findings and one document (rendered as Markdown and HTML) are made from it; each format
is a reporter plugin (``register_reporters``), so others can be added.

The names below load on first use: the plugin registry imports
``nasbench_rss.report.plugin`` at start-up, which must not pull in matplotlib and scipy.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "analyse": "nasbench_rss.report.analysis",
    "DEFAULT_FORMATS": "nasbench_rss.report.build",
    "REPORT_DIR": "nasbench_rss.report.build",
    "ReportError": "nasbench_rss.report.build",
    "build_report": "nasbench_rss.report.build",
    "parse_formats": "nasbench_rss.report.build",
    "reporters_for": "nasbench_rss.report.build",
    "write_report": "nasbench_rss.report.build",
    "Report": "nasbench_rss.report.reporters",
    "Reporter": "nasbench_rss.report.reporters",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'nasbench_rss.report' has no attribute {name!r}")
