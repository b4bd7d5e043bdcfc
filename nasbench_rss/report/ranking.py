"""The ranking section: how well each run's inherited accuracies rank subnets as stand-alone training does.

A supernet is used to rank architectures.  The suite's stand-alone references (cells of
``references:``: subnets of the evaluation list, each trained alone from scratch) give
each reference subnet its *stand-alone* accuracy (the mean over the references' seeds);
each run's evaluation gives the same subnet its *inherited* accuracy, per training seed.
Per (architecture, dataset, run) and per scope (every bucket's references, and ``all``
of them together):

- per seed: Kendall's tau-b, Spearman's rho, Pearson's r between inherited and
  stand-alone accuracy, precision at the top ``TOP_SHARE`` of the scope's subnets, and
  the stand-alone rank of the subnet the supernet ranks first (the evidence of
  :mod:`nasbench_rss.analysis.ranking`, which the claims test too); tau and rho with a
  percentile bootstrap interval over the scope's subnets (``ranking_ci``);
- across seeds: the mean of each per-seed measure with a bootstrap interval over seeds;
- ``seed_mean``: the same measures for the inherited accuracy averaged over seeds (the
  supernet method's ranking, seeds pooled), tau and rho with intervals over subnets.

Over ``all`` buckets the ranking includes that of FLOPs (at full scale bigger subnets
win; after a few CPU-scale epochs the smaller ones train faster); within a bucket, among
subnets of nearly equal FLOPs, it is what the supernet says beyond FLOPs.  ``agreement``: for every pair of runs, Kendall's tau between their
inherited accuracies on every subnet both evaluated (the whole evaluation list, no
reference needed), per seed, per bucket and over all, with the mean over seeds.

:data:`SECTION` is this part of the report as one unit (:mod:`nasbench_rss.report.section`): its
``compute``, its ``render`` into the document and the key of its figure.
"""

from __future__ import annotations

import math
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench_rss.analysis.populations import Bootstrap, Group, Population, aligned
from nasbench_rss.analysis.ranking import (
    SCOPE_ALL,
    TOP_SHARE,
    Ranking,
    References,
    RunRanking,
    ScopeRanking,
    rank_runs,
    seed_measures,
    top_k_of,
)
from nasbench_rss.report import format as fmt
from nasbench_rss.report.document import Document
from nasbench_rss.report.section import (
    Analysis,
    Inputs,
    Section,
    by_group,
    group_title,
    over_seeds,
    show_figure,
)
from nasbench_rss.run.results import CellRecord
from nasbench_rss.stats import mean_ci
from nasbench_rss.stats.ranking import (
    MEASURES,
    kendall_tau,
    kendall_tau_axis,
    ranking_ci,
    spearman_rho_axis,
)

if TYPE_CHECKING:  # matplotlib is imported only when figures are drawn
    from nasbench_rss.report.figures import FigureFile


INTERVAL_MEASURES = {"kendall_tau": kendall_tau_axis, "spearman_rho": spearman_rho_axis}
"""The measures with a bootstrap interval over subnets (vectorised for the resamples)."""


def ranking(
    reference_cells: list[CellRecord],
    pops: dict[tuple[str, str, str], Population],
    groups: list[Group],
    runs: list[str],
    facts: list[dict[str, Any]],
    bootstrap: Bootstrap,
    ranked: Ranking | None = None,
) -> dict[str, Any]:
    """The ranking section: ``top_share``, ``references`` and ``runs`` (per group with evaluated references) and
    ``agreement`` (every pair of runs, with or without references).  Keys in the module docstring.

    ``ranked`` is the runs' ranking evidence (:func:`nasbench_rss.analysis.ranking.rank_runs`
    of the same cells), computed here when not given."""
    ranked = rank_runs(reference_cells, pops, groups, runs, facts) if ranked is None else ranked
    labels_of = {(f["arch"], f["dataset"]): [b["label"] for b in f["buckets"] if b.get("status") == "evaluated"] for f in facts}
    section: dict[str, Any] = {"top_share": TOP_SHARE, "references": [], "runs": [], "agreement": []}
    for arch, dataset in groups:
        planned = [c for c in reference_cells if (c.arch, c.dataset) == (arch, dataset)]
        if planned:
            section["references"].append(_references_entry(arch, dataset, planned, ranked.references.get((arch, dataset), {})))
        for entry in ranked.runs:
            if (entry.arch, entry.dataset) == (arch, dataset):
                group_refs = ranked.references[(arch, dataset)]
                scopes = [_scope(scope, entry, group_refs, bootstrap) for scope in entry.scopes]
                section["runs"].append({"arch": arch, "dataset": dataset, "run": entry.run, "scopes": scopes, "points": _points(entry, group_refs)})
        section["agreement"] += _agreement(arch, dataset, runs, pops, labels_of.get((arch, dataset), []), bootstrap)
    return section


def _references_entry(arch: str, dataset: str, planned: list[CellRecord], group_refs: References) -> dict[str, Any]:
    return {
        "arch": arch,
        "dataset": dataset,
        "planned_cells": len(planned),
        "evaluated_cells": sum(1 for c in planned if (c.population or {}).get("stand_alone") is not None),
        "epochs": sorted({c.epochs for c in planned}),
        "seeds": sorted({c.seed for c in planned}),
        "subnets": [
            {"encoding": e, **{k: v for k, v in r.items() if k != "per_seed"}, "per_seed": {str(s): a for s, a in r["per_seed"].items()}}
            for e, r in group_refs.items()
        ],
    }


def _with_intervals(predicted: list[float], truth: list[float], measures: dict[str, float], bootstrap: Bootstrap) -> dict[str, Any]:
    """``measures`` and a bootstrap interval over the subnets of each of :data:`INTERVAL_MEASURES`."""
    out: dict[str, Any] = dict(measures)
    for name, statistic in INTERVAL_MEASURES.items():
        if math.isfinite(measures[name]) and len(truth) >= 3:
            out[f"{name}_ci"] = ranking_ci(predicted, truth, statistic, **bootstrap.kwargs()).to_dict()
        else:
            out[f"{name}_ci"] = None
    return out


def _scope(scope: ScopeRanking, entry: RunRanking, references: References, bootstrap: Bootstrap) -> dict[str, Any]:
    """One scope of one run: per seed with intervals over subnets, the mean over seeds, the seed-mean ranking."""
    per_seed = [
        {"seed": s.seed, "n": len(s.truth), **_with_intervals(s.predicted, s.truth, s.measures, bootstrap)} for s in scope.per_seed
    ]
    by_seed = entry.inherited
    everywhere = [m for m in scope.members if all(m in accuracies for accuracies in by_seed.values())]
    seed_mean = None
    if len(everywhere) >= 2:
        predicted = [float(np.mean([accuracies[m] for accuracies in by_seed.values()])) for m in everywhere]
        truth = [references[encoding]["accuracy"] for _, encoding in everywhere]
        seed_mean = {"n": len(everywhere), **_with_intervals(predicted, truth, seed_measures(predicted, truth), bootstrap)}
    across = {}
    for name in MEASURES:
        values = [e[name] for e in per_seed if math.isfinite(e[name])]
        across[name] = mean_ci(values, **bootstrap.kwargs()).to_dict() if values else None
    return {
        "scope": scope.scope,
        "n": len(scope.members),
        "k": top_k_of(len(scope.members)),
        "seeds": [e["seed"] for e in per_seed],
        "per_seed": per_seed,
        "across_seeds": across,
        "seed_mean": seed_mean,
    }


def _points(entry: RunRanking, references: References) -> list[dict[str, Any]]:
    """Every reference of the ``all`` scope: its stand-alone and (mean over seeds) inherited accuracy."""
    points = []
    members = next((scope.members for scope in entry.scopes if scope.scope == SCOPE_ALL), [])
    for label, encoding in members:
        values = {seed: accuracies[(label, encoding)] for seed, accuracies in entry.inherited.items() if (label, encoding) in accuracies}
        if values:
            ref = references[encoding]
            points.append(
                {
                    "encoding": encoding,
                    "bucket": label,
                    "mflops": ref["mflops"],
                    "stand_alone": ref["accuracy"],
                    "inherited": float(np.mean(list(values.values()))),
                    "per_seed": {str(seed): value for seed, value in values.items()},
                }
            )
    return points


def _agreement(
    arch: str, dataset: str, runs: list[str], pops: dict[tuple[str, str, str], Population], labels: list[str], bootstrap: Bootstrap
) -> list[dict[str, Any]]:
    """Kendall's tau between two runs' inherited accuracies on the subnets both evaluated, per seed and scope."""
    out = []
    present = [run for run in runs if pops.get((arch, dataset, run))]
    for first, second in combinations(present, 2):
        a, b = pops[(arch, dataset, first)], pops[(arch, dataset, second)]
        seeds = sorted(set(a) & set(b))
        scopes = []
        for scope, scope_labels in [*((label, [label]) for label in labels), (SCOPE_ALL, labels)]:
            per_seed = {}
            for seed in seeds:
                rows = aligned([a, b], seed, scope_labels)
                if rows and len(rows[0]) >= 2:
                    tau = kendall_tau([s.accuracy for s in rows[0]], [s.accuracy for s in rows[1]])
                    per_seed[str(seed)] = {"n": len(rows[0]), "kendall_tau": tau}
            values = [v["kendall_tau"] for v in per_seed.values() if math.isfinite(v["kendall_tau"])]
            if per_seed:
                across = mean_ci(values, **bootstrap.kwargs()).to_dict() if values else None
                scopes.append({"scope": scope, "per_seed": per_seed, "across_seeds": across})
        if scopes:
            out.append({"arch": arch, "dataset": dataset, "runs": [first, second], "seeds": seeds, "scopes": scopes})
    return out


def render_ranking(doc: Document, analysis: Analysis, figure: FigureFile | None) -> None:
    section = analysis.get("ranking") or {}
    references, entries, agreement = section.get("references") or [], section.get("runs") or [], section.get("agreement") or []
    if not references and not agreement:
        return
    doc.heading("Ranking")
    if references:
        doc.paragraph(
            "How well the accuracy a subnet inherits from each supernet ranks subnets the way training each alone from scratch "
            "does. The references are the first subnets of each bucket's evaluation list, every one trained alone as its own "
            "network with the suite's training settings (references: in the suite); their stand-alone accuracy is the mean over "
            "the references' seeds. Per scope (a bucket's references, or all of them) and training seed: Kendall's tau-b, "
            "Spearman's rho and Pearson's r between inherited and stand-alone accuracy, precision at k (the share of the "
            f"supernet's top {100 * section.get('top_share', 0.2):.0f}% that is in the stand-alone top {100 * section.get('top_share', 0.2):.0f}%, "
            "ties at the boundary included) and the stand-alone rank of the subnet the supernet ranks first (1 = best). Shown: "
            "the mean over seeds with a 95% bootstrap CI over seeds, and tau of the seed-mean inherited accuracy with a 95% "
            "bootstrap CI over the scope's subnets. Over all buckets the ranking includes that of FLOPs (whether bigger subnets "
            "win depends on how long they train); within a bucket, among subnets of nearly equal FLOPs, it is what the "
            "supernet says beyond FLOPs."
        )
    else:
        doc.paragraph(
            "The suite has no stand-alone references (references: in a suite trains subnets alone to rank the runs "
            "against), so only the runs' agreement is shown: Kendall's tau between two runs' inherited accuracies on every "
            "subnet both evaluated, per bucket and over all, mean over seeds."
        )
    for r in references:
        doc.paragraph(
            f"{group_title(r['arch'], r['dataset'])}: {len(r['subnets'])} reference subnets evaluated "
            f"({r['evaluated_cells']} of {r['planned_cells']} reference cells), trained {', '.join(map(str, r['epochs']))} epochs, "
            f"seeds {fmt.seeds(r['seeds'])}."
        )
    show_figure(doc, figure)
    for arch, dataset, mine in by_group(analysis, entries):
        rows = []
        for e in mine:
            for scope in e["scopes"]:
                a, seeds, mean = scope["across_seeds"], scope["seeds"], scope.get("seed_mean") or {}

                def over(name: str) -> str:
                    iv = a.get(name)
                    return fmt.MISSING if iv is None else fmt.number(iv["estimate"])

                rows.append(
                    [
                        e["run"], scope["scope"], str(scope["n"]), fmt.seeds(seeds),
                        over("kendall_tau"), over_seeds(a.get("kendall_tau"), fmt.number, seeds) if a.get("kendall_tau") else fmt.MISSING,
                        fmt.number(mean.get("kendall_tau")), fmt.interval(mean.get("kendall_tau_ci")),
                        over("spearman_rho"), over("pearson_r"),
                        f"{over('precision_at_k')} (k {scope['k']})", over("top_pick_rank"),
                    ]
                )  # fmt: skip
        doc.table(
            ["run", "scope", "subnets", "seeds", "tau", "95% CI (seeds)", "tau of seed mean", "95% CI (subnets)", "rho", "r", "precision at k", "rank of top pick"],
            rows,
            f"{group_title(arch, dataset)}: inherited against stand-alone accuracy (mean over seeds)",
        )
    for arch, dataset, mine in by_group(analysis, agreement):
        labels = list(dict.fromkeys(scope["scope"] for e in mine for scope in e["scopes"]))
        rows = []
        for e in mine:
            by_scope = {scope["scope"]: scope for scope in e["scopes"]}
            cells = []
            for label in labels:
                iv = (by_scope.get(label) or {}).get("across_seeds")
                cells.append(fmt.MISSING if iv is None else fmt.number(iv["estimate"]))
            rows.append([f"{e['runs'][0]} vs {e['runs'][1]}", fmt.seeds(e["seeds"]), *cells])
        doc.table(
            ["runs", "seeds", *(f"tau {label}" for label in labels)],
            rows,
            f"{group_title(arch, dataset)}: agreement of two runs' inherited rankings on every subnet both evaluated (Kendall's tau, mean over seeds)",
        )


def _compute(inputs: Inputs) -> dict[str, Any]:
    e = inputs.evidence
    return ranking(e.references, e.populations, e.groups, e.runs, e.buckets, inputs.bootstrap, e.ranking)


SECTION = Section("ranking", _compute, render_ranking, figure="ranking")
