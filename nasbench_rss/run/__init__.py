"""Running suites: run directories, manifests, worker processes, resume.

    from nasbench_rss.suite import load_suite
    from nasbench_rss.run import run_suite, open_run

    summary = run_suite(load_suite("suites/smoke.yaml"), out="runs/smoke")
    for cell in open_run("runs/smoke").cells():
        print(cell.id, cell.status, cell.result and cell.result["train_seconds"])
"""

from nasbench_rss.exit_codes import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK, EXIT_STORAGE
from nasbench_rss.run.orchestrate import RunError, RunSummary, run_suite
from nasbench_rss.run.results import CellRecord, RunDirectory, open_run

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_STORAGE",
    "CellRecord",
    "RunDirectory",
    "RunError",
    "RunSummary",
    "open_run",
    "run_suite",
]
