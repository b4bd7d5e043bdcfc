"""Sampling exposure over the whole FLOPs range: shares of optimizer steps in 1-MFLOP bins.

The bucket shares of :mod:`nasbench_rss.report.exposure` see only the +-0.5 MFLOP windows
of the evaluation's buckets; everything else, the largest subnet included, is "outside".
A sampler's bias is about the whole range (progressive shrinking trains the largest
subnets first, RSS spreads its draws), so here every (arch, dataset, run, seed) gets its
steps in 1-MFLOP bins ``[k - 0.5, k + 0.5)`` for every integer k from ``floor(min
MFLOPs)`` to ``ceil(max MFLOPs)`` of the architecture's subnets (the bin of an integer
bucket target holds what the bucket holds), and the mean over seeds.

The range is the evaluation population's (its recorded ``flops`` facts: ``min_mflops``,
``max_mflops``), the same for every run of an (arch, dataset); before any cell is
evaluated it is the range of the subnets the cells trained (``range_source`` says which).
Steps on subnets beyond that range are counted as ``below``/``above``, never dropped.

Each seed also gets :func:`nasbench_rss.stats.smoothed_exposure` at the evaluation's
bucket targets (Gaussian kernel, ``SMOOTHING_BANDWIDTH``), for correlating exposure with
bucket accuracy: a run that trains one subnet has bucket exposure in one bucket only,
and the kernel lets exposure fall with distance from where it trained.

:data:`SECTION` is this part of the report as one unit (:mod:`nasbench_rss.report.section`): its
``compute``, its ``render`` into the document and the key of its figure.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from nasbench_rss.analysis.evidence import RunEvidence
from nasbench_rss.analysis.exposure import Exposure
from nasbench_rss.report import format as fmt
from nasbench_rss.report.document import Document
from nasbench_rss.report.section import (
    Analysis,
    Section,
    by_group,
    group_title,
    show_figure,
)
from nasbench_rss.stats import exposure_histogram, smoothed_exposure
from nasbench_rss.stats.exposure import SMOOTHING_BANDWIDTH

if TYPE_CHECKING:  # matplotlib is imported only when figures are drawn
    from nasbench_rss.report.figures import FigureFile


BIN_WIDTH = 1.0
"""MFLOPs per bin: the spacing the buckets are defined on (+-0.5 around an integer)."""


FROM_FACTS = "evaluation population (flops facts)"
FROM_TRAINED = "trained subnets of this architecture and dataset (no evaluation records the FLOPs range)"


def exposure_range(evidence: RunEvidence, width: float = BIN_WIDTH, bandwidth: float = SMOOTHING_BANDWIDTH) -> list[dict[str, Any]]:
    """One entry per (arch, dataset, run) with a trained cell that records exposure.

    Entry keys: ``arch, dataset, run, seeds``; the bins: ``low, high, width,
    range_source, centres, labels``; the mean over seeds: ``shares`` (one per bin),
    ``below_share``, ``above_share``; ``per_seed`` (``seed`` and
    ``ExposureHistogram.to_dict()`` fields, plus ``smoothed``: bucket label -> share);
    ``smoothed`` (``bandwidth``, ``targets`` labels, mean ``shares`` over seeds).
    """
    out = []
    exposures = evidence.exposure
    for arch, dataset in evidence.groups:
        trained = [c for c in evidence.cells if (c.arch, c.dataset) == (arch, dataset) and c.id in exposures]
        if not trained:
            continue
        bounds = _range(evidence.buckets, arch, dataset, [exposures[c.id] for c in trained])
        if bounds is None:
            continue
        low, high, source = bounds
        for run in evidence.runs:
            mine = [c for c in trained if c.run == run]
            if not mine:
                continue
            per_seed = []
            for cell in sorted(mine, key=lambda c: c.seed):
                rows = exposures[cell.id].subnets
                histogram = exposure_histogram(rows, low, high, width).to_dict()
                targets = cell.evaluation.get("buckets", [])
                per_seed.append({"seed": cell.seed, **histogram, "smoothed": smoothed_exposure(rows, targets, bandwidth)})
            first = per_seed[0]
            count = len(per_seed)
            labels = list(dict.fromkeys(label for e in per_seed for label in e["smoothed"]))
            out.append(
                {
                    "arch": arch,
                    "dataset": dataset,
                    "run": run,
                    "seeds": [e["seed"] for e in per_seed],
                    "low": low,
                    "high": high,
                    "width": first["width"],
                    "range_source": source,
                    "centres": first["centres"],
                    "labels": first["labels"],
                    "shares": [math.fsum(e["shares"][i] for e in per_seed) / count for i in range(len(first["centres"]))],
                    "below_share": math.fsum(e["below_share"] for e in per_seed) / count,
                    "above_share": math.fsum(e["above_share"] for e in per_seed) / count,
                    "per_seed": per_seed,
                    "smoothed": {
                        "bandwidth": bandwidth,
                        "targets": labels,
                        "shares": {label: math.fsum(e["smoothed"].get(label, 0.0) for e in per_seed) / count for label in labels},
                    },
                }
            )
    return out


def _range(facts: list[dict[str, Any]], arch: str, dataset: str, trained: list[Exposure]) -> tuple[float, float, str] | None:
    """(floor(min MFLOPs), ceil(max MFLOPs), source) of the group, or None with no MFLOPs at all."""
    flops = next((f.get("flops") or {} for f in facts if (f["arch"], f["dataset"]) == (arch, dataset)), {})
    low, high = flops.get("min_mflops"), flops.get("max_mflops")
    if _number(low) and _number(high) and low <= high:
        return float(math.floor(low)), float(math.ceil(high)), FROM_FACTS
    mflops = [m for exposure in trained for m, _ in exposure.subnets if _number(m)]
    if not mflops:
        return None
    return float(math.floor(min(mflops))), float(math.ceil(max(mflops))), FROM_TRAINED


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


HISTOGRAM_TABLE_BINS = 40
"""At most this many bins with steps get the per-bin table; beyond it the table would not be compact."""


def render_exposure_range(doc: Document, analysis: Analysis, figure: FigureFile | None) -> None:
    entries = analysis.get("exposure_range") or []
    if not entries:
        return
    doc.heading("Exposure over the whole FLOPs range")
    doc.paragraph(
        "Share (%) of each run's optimizer steps in 1-MFLOP bins [k - 0.5, k + 0.5) over the whole range of the "
        "architecture's subnets (floor of the smallest to ceiling of the largest MFLOPs), mean over seeds; 'below' and "
        "'above' are steps on subnets beyond that range. Smoothed: a Gaussian kernel around each bucket target, "
        "normalised over the targets, so exposure falls with distance from where a run trained."
    )
    show_figure(doc, figure)
    for arch, dataset, mine in by_group(analysis, entries):
        first = mine[0]
        doc.paragraph(
            f"{group_title(arch, dataset)}: bins {fmt.number(first['low'])} to {fmt.number(first['high'])} MFLOPs, "
            f"range from the {first['range_source']}."
        )
        rows = []
        for e in mine:
            modal = max(range(len(e["shares"])), key=lambda i: e["shares"][i]) if e["shares"] else None
            rows.append(
                [
                    e["run"], fmt.seeds(e["seeds"]), str(sum(1 for v in e["shares"] if v > 0)),
                    e["labels"][modal] if modal is not None and e["shares"][modal] > 0 else fmt.MISSING,
                    fmt.share(e["shares"][modal]) if modal is not None else fmt.MISSING,
                    fmt.share(e["below_share"]), fmt.share(e["above_share"]),
                ]
            )
        doc.table(["run", "seeds", "bins with steps", "modal bin", "its share", "below", "above"], rows, f"{group_title(arch, dataset)}: summary")
        used = [i for i in range(len(first["labels"])) if any(e["shares"][i] > 0 for e in mine)]
        if used and len(used) <= HISTOGRAM_TABLE_BINS:
            doc.table(
                ["MFLOP bin", *(e["run"] for e in mine)],
                [[first["labels"][i], *(fmt.share(e["shares"][i]) for e in mine)] for i in used],
                f"{group_title(arch, dataset)}: bins with steps",
            )
        elif used:
            doc.paragraph(f"{len(used)} bins have steps; the per-bin shares are in report.json (exposure_range).")
        targets = list(dict.fromkeys(label for e in mine for label in e["smoothed"]["targets"]))
        doc.table(
            ["run", "seeds", *targets],
            [[e["run"], fmt.seeds(e["seeds"]), *(fmt.share(e["smoothed"]["shares"].get(label)) for label in targets)] for e in mine],
            f"{group_title(arch, dataset)}: smoothed exposure at the buckets (bandwidth {fmt.number(first['smoothed']['bandwidth'])} MFLOPs)",
        )


SECTION = Section("exposure_range", lambda inputs: exposure_range(inputs.evidence), render_exposure_range, figure="exposure_range")
