"""``nasbench-rss validate SUITE [--json]``: what ``run`` would do, without training anything.

Lists every cell, its epochs, sampler, subset sizes and directory; an invalid suite prints
one ``FILE:LINE:COL: path: problem; allowed: ...`` line per problem to stderr and exits 4.

``--json`` prints one object: ``{"suite", "source", "seeds", "device", "baseline",
"cells": [{"id", "run", "arch", "dataset", "seed", "sampler", "epochs", "train_subset",
"test_subset", "config_hash", "directory", "config"}], "total_epochs"}``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from tabulate import tabulate

from nasbench_rss.cli.common import registry, write_json
from nasbench_rss.errors import SuiteError
from nasbench_rss.exit_codes import EXIT_INVALID, EXIT_OK


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "validate",
        help="check a suite file and list the cells it would run",
        description=(
            "Validate SUITE (schema, plugins and their options, requirements, epochs each sampler needs) and "
            f"list its cells. Exit status {EXIT_INVALID} when it is invalid; nothing is trained."
        ),
    )
    p.add_argument("suite", metavar="SUITE", help="suite file, e.g. suites/quick.yaml")
    p.add_argument("--json", action="store_true", help="print the expanded cells as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from nasbench_rss.suite import load_suite

    try:
        suite = load_suite(args.suite, registry=registry(args), check_data=True)  # missing data is a problem here
    except SuiteError as error:  # every problem on its own line, so an editor can jump to each
        for line in error.problems:
            print(line, file=sys.stderr)
        count = len(error.problems)
        print(f"nasbench-rss validate: {args.suite}: {count} problem{'s' if count != 1 else ''}; nothing would run", file=sys.stderr)
        return EXIT_INVALID
    cells = suite.cells()
    rows = [_cell_record(cell) for cell in cells]
    total = sum(row["epochs"] for row in rows)
    settings = suite.settings()
    plans = suite.phase_plans()
    claims = _claim_rows(suite, registry(args))
    if args.json:
        write_json(
            {
                "suite": suite.name,
                "source": str(suite.source) if suite.source else None,
                "seeds": suite.seeds,
                "device": suite.device,
                "baseline": suite.baseline,
                "cells": rows,
                "total_epochs": total,
                "settings": [row.record() for row in settings],
                "phase_plans": [
                    {"run": p.run, "arch": p.arch, "dataset": p.dataset, "epochs": p.epochs, "phases": p.rows()} for p in plans
                ],
                "comparisons": suite.comparisons,
                "claims": claims,
            },
            out,
        )
        return EXIT_OK
    axes = suite.resolved
    references = [cell for cell in cells if cell.kind == "reference"]
    grid = f"{len(axes.architectures)} architecture(s) x {len(axes.datasets)} dataset(s) x {len(axes.runs)} run(s) x {len(suite.seeds)} seed(s)"
    if axes.references is not None:
        grid += (
            f" + {len(references)} stand-alone reference(s) ({len({c.subnet for c in references})} subnets, up to "
            f"{axes.references.per_bucket} per bucket, x {len(axes.references.seeds)} seed(s))"
        )
    out.write(
        f"suite {suite.name}: {len(cells)} cells = {grid}; device {suite.device}"
        + (f"; baseline {suite.baseline}" if suite.baseline else "")
        + "\n"
    )
    if suite.description:
        out.write(f"{suite.description.strip()}\n")
    table = [
        (r["id"], r["epochs"], r["sampler"], _size(r["train_subset"]), _size(r["test_subset"]), r["directory"]) for r in rows
    ]
    out.write(tabulate(table, headers=["cell", "epochs", "sampler", "train", "test", "directory"]) + "\n")
    out.write(f"total epochs: {total}\n")
    _write_settings(settings, out)
    for plan in plans:
        out.write(f"\nphases of {plan.run} on {plan.arch}/{plan.dataset} ({plan.epochs} epochs, base lr {plan.base_lr:g}):\n")
        phase_rows = [
            (
                r["phase"], r["epochs"], r["warmup_epochs"], f"{r['lr_start']:.3g}", f"{r['lr_last_epoch']:.3g}",
                r["subnets_per_step"], "yes" if r["sorts_channels"] else "no", r["teacher"] or "-", f"{r['kd_ratio']:g}",
            )
            for r in plan.rows()
        ]  # fmt: skip
        headers = ["phase", "epochs", "warm-up", "lr start", "lr last epoch", "per step", "sorts", "teacher", "kd"]
        out.write(tabulate(phase_rows, headers=headers) + "\n")
    if suite.comparisons is not None:
        pairs = [
            f"{c['run']} vs {', '.join([c['against']] if isinstance(c['against'], str) else c['against'])}" if "run" in c
            else f"({c['change'][0]} - {c['change'][1]}) vs ({c['versus'][0]} - {c['versus'][1]})"
            for c in suite.comparisons
        ]  # fmt: skip
        out.write("\ncomparisons: " + "; ".join(pairs) + "\n")
    if claims:
        out.write("\nclaims the report will test:\n")
        out.write(tabulate([(i + 1, c["claim"], c["source"]) for i, c in enumerate(claims)], headers=["#", "claim", "source"]) + "\n")
    return EXIT_OK


def _claim_rows(suite: Any, plugins: Any) -> list[dict[str, Any]]:
    """Each claim of the suite in plain words, as its kind's plugin says it, with the recorded options."""
    from nasbench_rss.report.claims import build_claim

    return [{**claim, "claim": build_claim(claim, plugins).describe()} for claim in suite.claims]


def _write_settings(settings: list[Any], out: TextIO) -> None:
    """Settings every run shares (value and source alike), then each run's own; then the evaluation's."""
    from nasbench_rss.suite.settings import show_value

    runs = list(dict.fromkeys(row.run for row in settings if row.run is not None))
    by_run = {run: [(r.setting, show_value(r.value), r.source) for r in settings if r.run == run] for run in runs}
    shared = [row for row in by_run[runs[0]] if all(row in by_run[run] for run in runs)] if runs else []
    headers = ["setting", "value", "from"]
    if len(runs) > 1:
        out.write(f"\nsettings of every run (from: the suite's line, a protocol, or the default):\n{tabulate(shared, headers=headers)}\n")
    for run in runs:
        own = [row for row in by_run[run] if row not in shared or len(runs) == 1]
        if own:
            out.write(f"\nsettings of run {run}:\n{tabulate(own, headers=headers)}\n")
    evaluation = [(r.setting, show_value(r.value), r.source) for r in settings if r.run is None]
    out.write(f"\nevaluation (every cell):\n{tabulate(evaluation, headers=headers)}\n")


def _cell_record(cell: Any) -> dict[str, Any]:
    config = cell.config
    summary = {"sampler": config.sampler, "epochs": config.epochs, "train_subset": config.train_subset, "test_subset": config.test_subset}
    return {**cell.record(), **summary}


def _size(subset: int | None) -> str:
    return "all" if subset is None else str(subset)
