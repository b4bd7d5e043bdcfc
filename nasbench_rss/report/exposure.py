"""Sampling exposure: the share of each run's optimizer steps spent in each evaluation bucket.

The paper's argument is that sampling bias (which subnets get trained how often) decides
the population's accuracy; shares on the evaluation's buckets put it next to accuracy.

:data:`SECTION` is this part of the report as one unit (:mod:`nasbench_rss.report.section`): its
``compute``, its ``render`` into the document and the key of its figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nasbench_rss.analysis.evidence import RunEvidence
from nasbench_rss.analysis.populations import unique
from nasbench_rss.report import format as fmt
from nasbench_rss.report.document import Document
from nasbench_rss.report.section import (
    Analysis,
    Section,
    by_group,
    group_title,
    show_figure,
)
from nasbench_rss.stats import exposure_shares

if TYPE_CHECKING:  # matplotlib is imported only when figures are drawn
    from nasbench_rss.report.figures import FigureFile


def exposure(evidence: RunEvidence) -> list[dict[str, Any]]:
    """Per (arch, dataset, run): shares per seed and their mean over seeds.

    A step that trains k subnets counts once for each (the trainer's rule); ``outside``
    holds the steps on subnets in no bucket.
    """
    out = []
    for arch, dataset in evidence.groups:
        for run in evidence.runs:
            trained = [c for c in evidence.cells if (c.arch, c.dataset, c.run) == (arch, dataset, run) and c.id in evidence.exposure]
            if not trained:
                continue
            per_seed = []
            for cell in trained:
                record = evidence.exposure[cell.id]
                shares = exposure_shares(record.subnets, cell.evaluation.get("buckets", []), cell.evaluation.get("tolerance", 0.5))
                per_seed.append(
                    {
                        "seed": cell.seed,
                        "shares": shares,
                        "total_subnet_steps": record.total_subnet_steps,
                        "distinct_subnets": record.distinct_subnets,
                    }
                )
            labels = unique(label for entry in per_seed for label in entry["shares"])
            mean = {label: sum(e["shares"].get(label, 0.0) for e in per_seed) / len(per_seed) for label in labels}
            out.append({"arch": arch, "dataset": dataset, "run": run, "seeds": [e["seed"] for e in per_seed], "shares": mean, "per_seed": per_seed})
    return out


def render_exposure(doc: Document, analysis: Analysis, figure: FigureFile | None) -> None:
    doc.heading("Sampling exposure")
    doc.paragraph(
        "Share (%) of each run's optimizer steps spent on subnets in each evaluation bucket, mean over seeds; "
        "a step that trains k subnets counts once for each. 'outside' is every subnet in no bucket."
    )
    show_figure(doc, figure)
    for arch, dataset, mine in by_group(analysis, analysis["exposure"]):
        labels = list(dict.fromkeys(label for e in mine for label in e["shares"]))
        doc.table(
            ["run", "seeds", *labels],
            [[e["run"], fmt.seeds(e["seeds"]), *(fmt.share(e["shares"].get(label)) for label in labels)] for e in mine],
            group_title(arch, dataset),
        )


SECTION = Section("exposure", lambda inputs: exposure(inputs.evidence), render_exposure, figure="exposure")
