"""Training time: per cell, per run (mean over seeds with an interval), and ratios between pairs of runs.

A ratio compares a run with a reference, (run, reference) pairs the caller names (every
run against the suite's baseline today).  It is the reference's time over the run's (above
1: the run trained faster, as the paper's "1.9 times faster"), paired by training seed, in
total and per epoch (runs may train different numbers of epochs, like RSS-Short).

Wall time is the paper's measure, but on a shared machine another job stretches it without
any change in the work.  So beside each wall-clock ratio stands the CPU-time ratio (same
pairing, same interval), and each cell's epochs are checked for contention
(:mod:`nasbench_rss.analysis.contention` states the rule); a ratio *rests on contended
epochs* when a cell on either side has any.  :func:`claim_ratio` says which ratio a
"faster" claim may state: the wall-clock one, unless it rests on contended epochs and CPU
time was recorded.  Run directories written before CPU time was recorded are analysed as
before, with their CPU fields and contention "not recorded".  A cell that ran the
interference probe has the probe's own wall and CPU time (its result's ``interference``)
taken out of its training time; its row says how much (``probe_seconds``).

:data:`SECTION` is this part of the report as one unit (:mod:`nasbench_rss.report.section`): its
``compute``, its ``render`` into the document and the key of its figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from nasbench_rss.analysis.contention import RULE, combined
from nasbench_rss.analysis.evidence import RunEvidence
from nasbench_rss.analysis.populations import Bootstrap
from nasbench_rss.analysis.times import CellTiming
from nasbench_rss.report import format as fmt
from nasbench_rss.report.document import Document
from nasbench_rss.report.section import Analysis, Section, show_figure
from nasbench_rss.stats import describe, mean_ci, time_ratio

if TYPE_CHECKING:  # matplotlib is imported only when figures are drawn
    from nasbench_rss.report.figures import FigureFile


RATIO_DEFINITION = "baseline's training time over the run's (above 1: the run trained faster), paired by training seed"
CPU_RATIO_DEFINITION = "the same ratio of process CPU times (seeds whose cells on both sides recorded CPU time)"
MACS_RATIO_DEFINITION = "the same ratio of training MACs, counted, not timed: the same on every machine (seeds whose cells on both sides counted them)"

Pair = tuple[str, str]
"""(run, reference): the run's time is compared with the reference's."""


def training_time(evidence: RunEvidence, pairs: list[Pair], bootstrap: Bootstrap) -> dict[str, Any]:
    """The training-time section of the analysis: one ratio entry per (run, reference) pair and group.

    Each ratio entry keeps the key ``baseline`` for the reference's name (the renderers
    read it).  A pair naming a run that is not among the runs is skipped and said in
    ``ratios_reason``; a pair without a seed both trained in a group is in ``ratios_omitted``.
    """
    per_cell, cells, runs = evidence.timings, evidence.cells, evidence.runs
    per_run, ratios, omitted = [], [], []
    for arch, dataset in evidence.groups:
        rows_of = {run: [r for r in per_cell if (r.arch, r.dataset, r.run) == (arch, dataset, run)] for run in runs}
        per_run += [_run_entry(arch, dataset, run, rows_of[run], bootstrap) for run in runs if rows_of[run]]
        for run, reference in pairs:
            if run not in rows_of or reference not in rows_of or not rows_of[run]:
                continue
            shared = _shared_seeds(rows_of[run], rows_of[reference])
            if not shared:
                omitted.append(
                    {"arch": arch, "dataset": dataset, "run": run, "baseline": reference,
                     "reason": f"no seed with both {run} and the baseline {reference} trained"}
                )
                continue
            ratios.append({"arch": arch, "dataset": dataset, "run": run, "baseline": reference, **pair_ratio(rows_of[run], rows_of[reference], bootstrap)})
    definition = next((c.result["train_seconds_definition"] for c in cells if c.result and c.result.get("train_seconds_definition")), None)
    cpu_definition = next((c.result["train_cpu_seconds_definition"] for c in cells if c.result and c.result.get("train_cpu_seconds_definition")), None)
    macs_definition = next((c.result["train_macs_definition"] for c in cells if c.result and c.result.get("train_macs_definition")), None)
    return {
        "definition": definition,
        "cpu_definition": cpu_definition,
        "cpu_recorded": combined([c.contention["recorded"] for c in per_cell]),
        "contention_rule": RULE,
        "ratio_definition": RATIO_DEFINITION,
        "cpu_ratio_definition": CPU_RATIO_DEFINITION,
        "macs_definition": macs_definition,
        "macs_ratio_definition": MACS_RATIO_DEFINITION,
        "macs_not_counted": [c.id for c in per_cell if c.train_macs is None],
        "cells": [c.to_dict() for c in per_cell],
        "runs": per_run,
        "ratios": ratios,
        "ratios_omitted": omitted,
        "ratios_reason": _ratios_reason(runs, pairs),
    }


def pair_ratio(run_rows: list[CellTiming], reference_rows: list[CellTiming], bootstrap: Bootstrap) -> dict[str, Any]:
    """Wall-clock and CPU-time ratios of a run to a reference (their cells' timings), paired by seed.

    Both sides must share at least one training seed (else :class:`StatsError`).  The
    ``contended`` summary covers the cells the wall-clock ratio pairs.
    """
    ours, base = _by_seed(run_rows), _by_seed(reference_rows)
    shared = _shared_seeds(run_rows, reference_rows)
    cpu_seeds = [s for s in shared if ours[s].train_cpu_seconds is not None and base[s].train_cpu_seconds is not None]
    entry: dict[str, Any] = {
        "seeds": shared,
        "total": _ratio(base, ours, shared, "train_seconds", bootstrap),
        "per_epoch": _ratio(base, ours, shared, "seconds_per_epoch", bootstrap),
        "cpu_seeds": cpu_seeds,
        "cpu_total": _ratio(base, ours, cpu_seeds, "train_cpu_seconds", bootstrap) if cpu_seeds else None,
        "cpu_per_epoch": _ratio(base, ours, cpu_seeds, "cpu_seconds_per_epoch", bootstrap) if cpu_seeds else None,
        "cpu_reason": None,
        "contended": _contended([base[s] for s in shared] + [ours[s] for s in shared]),
    }
    macs_seeds = [s for s in shared if ours[s].train_macs is not None and base[s].train_macs is not None]
    entry["macs_seeds"] = macs_seeds
    entry["macs_total"] = _ratio(base, ours, macs_seeds, "train_macs", bootstrap) if macs_seeds else None
    if not cpu_seeds:
        unknown = [r.id for s in shared for r in (base[s], ours[s]) if r.train_cpu_seconds is None]
        entry["cpu_reason"] = f"CPU time not recorded for {', '.join(unknown)}"
    return entry


def claim_ratio(ratio: dict[str, Any]) -> dict[str, Any]:
    """Which ratio of a :func:`pair_ratio` entry a "faster"/"slower" claim may state, and why.

    The wall-clock ratio (the paper's measure), unless it rests on contended epochs: then
    the CPU-time ratio when both sides recorded it (``basis`` "cpu"), else none (``basis``
    None: the data cannot say which trained faster).
    """
    contended = ratio["contended"]["rests_on_contended"]
    basis: Literal["wall", "cpu"] | None = "wall"
    if contended:
        basis = "cpu" if ratio.get("cpu_total") is not None else None
    chosen = {"wall": ratio["total"], "cpu": ratio.get("cpu_total"), None: None}[basis]
    return {
        "basis": basis,
        "ratio": chosen,
        "faster": None if chosen is None else chosen["estimate"] >= 1,
        "contended": contended,
        "cpu_recorded": ratio["contended"]["recorded"],
    }


def _run_entry(arch: str, dataset: str, run: str, rows: list[CellTiming], bootstrap: Bootstrap) -> dict[str, Any]:
    cpu = [r.train_cpu_seconds for r in rows]
    return {
        "arch": arch,
        "dataset": dataset,
        "run": run,
        "seeds": [r.seed for r in rows],
        "epochs": sorted({r.epochs for r in rows}),
        "train_seconds": describe([r.train_seconds for r in rows]).to_dict(),
        "mean_seconds": mean_ci([r.train_seconds for r in rows], **bootstrap.kwargs()).to_dict(),
        "mean_seconds_per_epoch": mean_ci([r.seconds_per_epoch for r in rows], **bootstrap.kwargs()).to_dict(),
        "mean_cpu_seconds": mean_ci(cpu, **bootstrap.kwargs()).to_dict() if None not in cpu else None,
        "contended_cells": [r.id for r in rows if r.contention["contended"]],
    }


def _contended(rows: list[CellTiming]) -> dict[str, Any]:
    """Which of these cells have contended epochs, and how much of their wall time those hold."""
    flagged = [
        {
            "id": r.id,
            "run": r.run,
            "seed": r.seed,
            "epochs": r.contention["epochs"],
            "contended_epochs": len(r.contention["contended"]),
            "contended_seconds": r.contention["contended_seconds"],
            "contended_share": r.contention["contended_share"],
        }
        for r in rows
        if r.contention["contended"]
    ]
    return {
        "recorded": combined([r.contention["recorded"] for r in rows]),
        "not_recorded": [r.id for r in rows if r.contention["recorded"] != "recorded"],
        "rests_on_contended": bool(flagged),
        "cells": flagged,
    }


def _ratios_reason(runs: list[str], pairs: list[Pair]) -> str | None:
    """Why some or all pairs give no ratio at all (a name that is not a run), or why there are none."""
    if not pairs:
        return "the suite names no baseline, so no pair of runs is compared"
    unknown = list(dict.fromkeys(name for pair in pairs for name in pair if name not in runs))
    if unknown:
        names = ", ".join(repr(name) for name in unknown)
        return f"{names} {'is' if len(unknown) == 1 else 'are'} named in a compared pair but not a run of this suite"
    return None


def _by_seed(rows: list[CellTiming]) -> dict[int, CellTiming]:
    return {r.seed: r for r in rows}


def _shared_seeds(run_rows: list[CellTiming], reference_rows: list[CellTiming]) -> list[int]:
    return sorted({r.seed for r in run_rows} & {r.seed for r in reference_rows})


def _ratio(base: dict[int, CellTiming], ours: dict[int, CellTiming], seeds: list[int], key: str, bootstrap: Bootstrap) -> dict[str, Any]:
    return time_ratio({s: getattr(base[s], key) for s in seeds}, {s: getattr(ours[s], key) for s in seeds}, **bootstrap.kwargs()).to_dict()


def render_training_time(doc: Document, analysis: Analysis, figure: FigureFile | None) -> None:
    timing = analysis["training_time"]
    doc.heading("Training time")
    if timing.get("definition"):
        doc.paragraph(f"Training time is the {timing['definition']}.")
    _macs_paragraph(doc, timing)
    _contention_paragraph(doc, timing)
    show_figure(doc, figure)
    doc.table(
        ["dataset", "arch", "run", "seeds", "epochs", "mean time", "95% CI", "mean per epoch", "95% CI", "mean CPU time", "95% CI"],
        [
            [
                e["dataset"], e["arch"], e["run"], fmt.seeds(e["seeds"]), ", ".join(str(x) for x in e["epochs"]),
                fmt.seconds(e["mean_seconds"]["estimate"]), fmt.interval(e["mean_seconds"], fmt.seconds),
                fmt.seconds(e["mean_seconds_per_epoch"]["estimate"]), fmt.interval(e["mean_seconds_per_epoch"], fmt.seconds),
                fmt.seconds((e.get("mean_cpu_seconds") or {}).get("estimate")), fmt.interval(e.get("mean_cpu_seconds"), fmt.seconds),
            ]
            for e in timing["runs"]
        ],
        "Per run (mean over seeds)",
    )
    if timing["ratios"]:
        doc.table(
            [
                "dataset", "arch", "run", "baseline", "seeds", "time ratio", "95% CI", "per-epoch ratio", "95% CI", "CPU-time ratio", "95% CI",
                "MACs ratio", "95% CI", "contended",
            ],
            [
                [
                    r["dataset"], r["arch"], r["run"], r["baseline"], fmt.seeds(r["seeds"]),
                    fmt.ratio(r["total"]["estimate"]), fmt.interval(r["total"], fmt.ratio),
                    fmt.ratio(r["per_epoch"]["estimate"]), fmt.interval(r["per_epoch"], fmt.ratio),
                    fmt.ratio((r.get("cpu_total") or {}).get("estimate")), fmt.interval(r.get("cpu_total"), fmt.ratio),
                    fmt.ratio((r.get("macs_total") or {}).get("estimate")), fmt.interval(r.get("macs_total"), fmt.ratio),
                    _ratio_contention(r.get("contended")),
                ]
                for r in timing["ratios"]
            ],
            f"Ratios: the {timing['ratio_definition']}; CPU-time ratio: {timing.get('cpu_ratio_definition', 'not computed')}; "
            f"MACs ratio: {timing.get('macs_ratio_definition', 'not computed')}; "
            "contended: the cells on either side with contended epochs (share of their wall time)",
        )
    elif timing.get("ratios_reason"):
        doc.paragraph(f"No training-time ratios: {timing['ratios_reason']}.")
    doc.table(
        ["cell", "epochs", "time", "per epoch", "CPU time", "CPU per epoch", "training GMACs", "contended epochs", "images/s", "device"],
        [
            [
                c["id"], str(c["epochs"]), fmt.seconds(c["train_seconds"]), fmt.seconds(c["seconds_per_epoch"]),
                fmt.seconds(c.get("train_cpu_seconds")), fmt.seconds(c.get("cpu_seconds_per_epoch")), _gmacs(c.get("train_macs")),
                _cell_contention(c.get("contention")), fmt.number(c["images_per_second"], 4), c["device"] or fmt.MISSING,
            ]
            for c in timing["cells"]
        ],
        "Per cell",
    )
    flagged = [(c["id"], e) for c in timing["cells"] for e in (c.get("contention") or {}).get("contended", [])]
    if flagged:
        doc.table(
            ["cell", "epoch", "wall", "CPU", "utilisation", "load average", "MFLOPs", "reason"],
            [
                [
                    cell_id, str(e["epoch"]), fmt.seconds(e["seconds"]), fmt.seconds(e["cpu_seconds"]), fmt.ratio(e["utilisation"]),
                    fmt.ratio(e["load_average"]), fmt.number(e["mflops"]), e["reason"],
                ]
                for cell_id, e in flagged
            ],
            "Contended epochs",
        )
    problems = [f"{c['id']}: {c['contention']['problem']}" for c in timing["cells"] if (c.get("contention") or {}).get("problem")]
    if problems:
        doc.bullets(problems)


def _macs_paragraph(doc: Document, timing: dict[str, Any]) -> None:
    """What the MACs column counts, and which cells did not count them."""
    if timing.get("macs_definition"):
        doc.paragraph(f"Training cost in MACs is the {timing['macs_definition']}.")
    missing = timing.get("macs_not_counted") or []
    if missing:
        doc.paragraph(
            f"Training MACs were not counted for {len(missing)} of {len(timing['cells'])} cells (trained before nasbench-rss "
            "counted them): their MACs columns are empty."
        )


def _gmacs(macs: int | None) -> str:
    return fmt.MISSING if macs is None else f"{macs / 1e9:.1f}"


def _contention_paragraph(doc: Document, timing: dict[str, Any]) -> None:
    """The contention rule, and whether this run's cells recorded what it needs."""
    rule = timing.get("contention_rule")
    if not rule:
        return
    recorded = timing.get("cpu_recorded")
    text = f"Contention: {rule}."
    if recorded == "not recorded":
        text += " CPU time was not recorded in this run (its cells were trained before nasbench-rss recorded it), so no epoch could be checked."
    elif recorded == "partly recorded":
        text += " CPU time was recorded for only some epochs (cells marked 'not recorded' or 'partly recorded' could not be fully checked)."
    text += " A finding whose wall-clock ratio rests on contended epochs says so and states the CPU-time ratio."
    doc.paragraph(text)


def _cell_contention(contention: dict[str, Any] | None) -> str:
    """'none', '2 of 8 (41.0% of wall time)', or 'not recorded'."""
    if not contention or (contention["recorded"] == "not recorded" and contention["contended_share"] is None):
        return "not recorded"
    flagged = len(contention["contended"])
    text = f"{flagged} of {contention['epochs']} ({fmt.share(contention['contended_share'])}% of wall time)" if flagged else "none"
    return text + (" (CPU time partly recorded)" if contention["recorded"] == "partly recorded" else "")


def _ratio_contention(contended: dict[str, Any] | None) -> str:
    """'no', 'yes: ofa seed 0 41.0%, ...', or 'not recorded'."""
    if contended and contended["rests_on_contended"]:
        return "yes: " + ", ".join(f"{c['run']} seed {c['seed']} {fmt.share(c['contended_share'])}%" for c in contended["cells"])
    if not contended or contended["recorded"] == "not recorded":
        return "not recorded"
    return "no" + (" (CPU time partly recorded)" if contended["recorded"] == "partly recorded" else "")


SECTION = Section("training_time", lambda inputs: training_time(inputs.evidence, inputs.plan.pairs, inputs.bootstrap), render_training_time, figure="training_time")
