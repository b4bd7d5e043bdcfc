"""``nasbench-rss validate SUITE [--json] [--require-data]``: what ``run`` would do, without training anything.

Lists every cell, its epochs, sampler, subset sizes and directory; an invalid suite prints
one ``FILE:LINE:COL: path: problem; allowed: ...`` line per problem to stderr and exits 4.
A valid suite whose datasets are not on this machine (paper.yaml without CIFAR) is valid:
one such line per missing dataset is a warning (``run`` would refuse those cells), exit 0;
``--require-data`` makes them problems (exit 4), for a machine that is to run the suite.

``--json`` prints one object: ``{"suite", "source", "valid", "seeds", "device", "baseline",
"cells": [{"id", "run", "arch", "dataset", "seed", "sampler", "epochs", "train_subset",
"test_subset", "config_hash", "directory", "config"}], "total_epochs", "settings",
"phase_plans", "comparisons", "claims", "missing_data", "run_would_refuse"}``
(``valid`` false only with ``--require-data`` and data missing).
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
            "Validate SUITE (schema, plugins and their options, requirements, epochs each sampler needs, limits) and "
            f"list its cells. Exit status {EXIT_INVALID} when it is invalid; nothing is trained. A valid suite whose "
            "datasets are not on this machine is valid (exit 0) with a warning naming what is missing: `run` would refuse "
            f"those cells until the data is there; --require-data makes that an error (exit {EXIT_INVALID})."
        ),
    )
    p.add_argument("suite", metavar="SUITE", help="suite file, e.g. suites/quick.yaml")
    p.add_argument("--json", action="store_true", help="print the expanded cells as JSON (missing_data lists what is not here)")
    p.add_argument(
        "--require-data", action="store_true",
        help=f"a dataset whose files are not on this machine is an error (exit {EXIT_INVALID}), as `run` would refuse it",
    )  # fmt: skip
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from nasbench_rss.suite import load_suite

    try:
        suite = load_suite(args.suite, registry=registry(args))
    except SuiteError as error:  # every problem on its own line, so an editor can jump to each
        _write_problems(args.suite, error.problems, "nothing would run")
        return EXIT_INVALID
    missing = suite.data_problems()  # FILE:LINE:COL lines at each dataset whose files are not here
    refused = bool(missing) and args.require_data
    if refused:
        _write_problems(args.suite, missing, "nothing would run")
    elif missing:  # FILE:LINE:COL: warning: ..., as compilers mark what is not an error
        for line in missing:
            where, _, what = line.partition(": ")
            print(f"{where}: warning: {what}", file=sys.stderr)
        print(f"nasbench-rss validate: {args.suite}: {_NOT_HERE.format(count=len(missing))}", file=sys.stderr)
    cells = suite.cells()
    rows = [_cell_record(cell) for cell in cells]
    if args.json:
        write_json(_document(suite, rows, registry(args), missing, refused), out)
    else:
        _write_text(suite, cells, rows, registry(args), out)
    return EXIT_INVALID if refused else EXIT_OK


_NOT_HERE = (
    "valid, but the data of {count} dataset(s) is not on this machine: `run` would refuse their cells until it is "
    "(--require-data makes this an error)"
)


def _write_problems(suite: str, lines: list[str], outcome: str) -> None:
    for line in lines:
        print(line, file=sys.stderr)
    count = len(lines)
    print(f"nasbench-rss validate: {suite}: {count} problem{'s' if count != 1 else ''}; {outcome}", file=sys.stderr)


def _document(suite: Any, rows: list[dict[str, Any]], plugins: Any, missing: list[str], refused: bool) -> dict[str, Any]:
    """What ``--json`` prints: the cells, settings, phase plans, comparisons and claims, and the data not here."""
    return {
        "suite": suite.name,
        "source": str(suite.source) if suite.source else None,
        "valid": not refused,
        "seeds": suite.seeds,
        "device": suite.device,
        "baseline": suite.baseline,
        "cells": rows,
        "total_epochs": sum(row["epochs"] for row in rows),
        "settings": [row.record() for row in suite.settings()],
        "phase_plans": [
            {"run": p.run, "arch": p.arch, "dataset": p.dataset, "epochs": p.epochs, "phases": p.rows()} for p in suite.phase_plans()
        ],
        "epochs_matched": _matched_rows(suite),
        "learning_curve": _curve_rows(suite),
        "comparisons": suite.comparisons,
        "claims": _claim_rows(suite, plugins),
        "missing_data": missing,
        "run_would_refuse": bool(missing),
    }


def _write_text(suite: Any, cells: list[Any], rows: list[dict[str, Any]], plugins: Any, out: TextIO) -> None:
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
    out.write(f"total epochs: {sum(row['epochs'] for row in rows)}\n")
    _write_settings(suite.settings(), out)
    curves = _curve_rows(suite)
    if curves:
        out.write("\nlearning curve (evaluation.during): the panel is measured after these epochs and at the end:\n")
        out.write(tabulate([(c["run"], c["dataset"], ", ".join(map(str, c["after_epochs"])) or "none", c["epochs"]) for c in curves],
                           headers=["run", "dataset", "after epochs", "of"]) + "\n")  # fmt: skip
    matched = _matched_rows(suite)
    if matched:
        out.write("\nepochs set by cost (training MACs as train/cost.py counts them, mean over the suite's seeds, counted from each sampler's draws):\n")
        table = [
            (m["run"], m["dataset"], m["epochs"], m["match"], f"{m['target_macs'] / 1e9:.4g}", f"{m['macs'] / 1e9:.4g}",
             f"{(m['macs'] - m['target_macs']) / m['target_macs']:+.1%}", f"{m['epoch_macs'] / 1e9:.4g}")
            for m in matched
        ]  # fmt: skip
        headers = ["run", "dataset", "epochs", "matches", "its GMACs", "these epochs' GMACs", "difference", "one epoch's GMACs"]
        out.write(tabulate(table, headers=headers) + "\n")
    for plan in suite.phase_plans():
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
    claims = _claim_rows(suite, plugins)
    if claims:
        out.write("\nclaims the report will test:\n")
        out.write(tabulate([(i + 1, c["claim"], c["source"]) for i, c in enumerate(claims)], headers=["#", "claim", "source"]) + "\n")


def _curve_rows(suite: Any) -> list[dict[str, Any]]:
    """Per run and dataset, the epochs after which its learning curve is measured (none without ``evaluation.during``)."""
    during = suite.evaluation.during
    if during is None:
        return []
    return [
        {"run": run.name, "dataset": dataset.name, "epochs": run.epochs_for(dataset.name), "after_epochs": during.epochs(run.epochs_for(dataset.name))}
        for run in suite.resolved.runs
        for dataset in suite.resolved.datasets
    ]


def _matched_rows(suite: Any) -> list[dict[str, Any]]:
    """Each run whose epochs were set by another run's training MACs, per dataset (``epochs: {match: ...}``)."""
    return [{"run": run.name, "dataset": dataset, **m.record()} for run in suite.resolved.runs for dataset, m in run.matched.items()]


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
