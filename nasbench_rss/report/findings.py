"""The report's findings: plain sentences computed from the analysis, put first.

A reader should learn the outcome without reading a table, and should not be told more
than the data support: every sentence counts what the tables show, names the test and
the correction behind a "significant", and says when there is only one seed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from nasbench_rss.report import format as fmt
from nasbench_rss.report.cells import nan_words
from nasbench_rss.report.document import Document
from nasbench_rss.report.section import Analysis, Section, by_group
from nasbench_rss.report.timing import claim_ratio

if TYPE_CHECKING:  # matplotlib is imported only when figures are drawn
    from nasbench_rss.report.figures import FigureFile

ALPHA = 0.05
"""The significance level the findings count against (Holm-adjusted p-values)."""


def findings(analysis: dict[str, Any]) -> list[str]:
    """Every finding, in reading order: completeness, accuracy, variance, time, exposure, caveats."""
    sentences = [completeness(analysis), nan_finding(analysis)]
    sentences += claim_findings(analysis)
    sentences += convergence_findings(analysis)
    sentences += accuracy_findings(analysis)
    sentences += variance_findings(analysis)
    sentences += time_findings(analysis)
    sentences += exposure_findings(analysis)
    sentences += ranking_findings(analysis)
    sentences += skipped_bucket_findings(analysis)
    sentences.append(seed_caveat(analysis))
    shared = shared_stream_note(analysis)
    if shared:
        sentences.append(shared)
    return [s for s in sentences if s]


def claim_findings(analysis: dict[str, Any]) -> list[str]:
    """One sentence: how many of the suite's claims this run supports, contradicts or leaves open."""
    section = analysis.get("claims") or {}
    results = section.get("results") or []
    if not results:
        return []
    counts = section.get("counts") or {}
    named = {
        verdict: ", ".join(str(r["index"] + 1) for r in results if r["verdict"] == verdict)
        for verdict in ("supported", "contradicted", "inconclusive", "not tested")
    }
    parts = [f"{counts.get(v, 0)} {v}" + (f" (#{named[v]})" if named[v] else "") for v in named if counts.get(v)]
    seeds = analysis["suite"].get("seeds") or []
    basis = "seed-level tests" if len(seeds) >= 2 else "one seed: subnet-level only"
    return [f"Of the suite's {len(results)} claims, {', '.join(parts)} (Holm across the claims, p < {ALPHA:g}; {basis}); see Claims."]


def convergence_findings(analysis: dict[str, Any]) -> list[str]:
    """Per group with learning curves: which runs' populations had converged and which had not (the rule's words)."""
    out = []
    for arch, dataset, entries in by_group(analysis, analysis.get("learning_curves") or []):
        states = {True: [], False: [], None: []}
        for entry in entries:
            states[entry["convergence"]["converged"]].append(entry["convergence"]["words"])
        parts = []
        if states[True]:
            parts.append("converged: " + "; ".join(states[True]))
        if states[False]:
            parts.append("not converged: " + "; ".join(states[False]))
        if states[None]:
            parts.append("; ".join(states[None]))
        out.append(f"Learning curves on {dataset} ({arch}): " + ". ".join(parts) + ".")
    return out


def completeness(analysis: dict[str, Any]) -> str:
    """Whether every planned cell is trained and evaluated; if not, which are missing."""
    cells = analysis["cells"]
    planned = cells["planned"]
    if analysis["complete"]:
        return f"Complete run: all {planned} cells are trained and evaluated."
    parts = []
    if cells["missing"]:
        ids = ", ".join(f"{c['id']} ({c['status']})" for c in cells["missing"])
        parts.append(f"{len(cells['missing'])} of {planned} cells are not trained: {ids}")
    if cells["unevaluated"]:
        ids = ", ".join(c["id"] for c in cells["unevaluated"])
        parts.append(f"{len(cells['unevaluated'])} trained cell{'s are' if len(cells['unevaluated']) != 1 else ' is'} not evaluated: {ids}")
    damaged = cells.get("damaged") or []
    if damaged:
        ids = ", ".join(dict.fromkeys(d["id"] for d in damaged))
        parts.append(f"{len(damaged)} cell file{'s are' if len(damaged) != 1 else ' is'} damaged and left out: {ids} (see Damaged cell files)")
    return "Partial run: " + "; ".join(parts) + ". The numbers below use only the cells that are there."


def nan_finding(analysis: dict[str, Any]) -> str | None:
    """How many evaluated subnets of which cells have a NaN accuracy (left out of every statistic); None when none."""
    nan = analysis["cells"].get("nan_accuracies") or []
    if not nan:
        return None
    listed = "; ".join(f"{n['id']}: {n['nan']} of {n['subnets']}" for n in nan)
    return f"{nan_words(nan)}: {listed} (see NaN accuracies)."


def _by_run_group(results: list[dict[str, Any]]) -> dict[tuple[str, str, str, str], list[dict[str, Any]]]:
    """(arch, dataset, run, reference) -> that pair's bucket results."""
    groups: dict[tuple[str, str, str, str], list[dict[str, Any]]] = {}
    for r in results:
        groups.setdefault((r["arch"], r["dataset"], r["run"], r["baseline"]), []).append(r)
    return groups


def _significant(outcome: dict[str, Any]) -> bool:
    p = outcome.get("p_holm")
    return p is not None and not (isinstance(p, float) and math.isnan(p)) and p < ALPHA


def accuracy_findings(analysis: dict[str, Any]) -> list[str]:
    """Per (arch, dataset, run): in how many buckets it beats the baseline, and how often significantly."""
    section = analysis["comparisons"]
    omitted = [
        f"{o['run']} is not compared with {o.get('baseline') or section['baseline']} on {o['dataset']} ({o['arch']}): {o['reason']}."
        for o in section["omitted"]
        if o["bucket"] is None
    ]
    if not section["available"]:
        return omitted or ([f"No comparison with a baseline: {section['reason']}."] if section.get("reason") else [])
    out = []
    for (arch, dataset, run, baseline), results in _by_run_group(section["results"]).items():
        n = len(results)
        better = [r for r in results if r["mean_difference"] > 0]
        worse = [r for r in results if r["mean_difference"] < 0]
        better_sig = sum(1 for r in better if _significant(r["tests"]["wilcoxon"]))
        worse_sig = sum(1 for r in worse if _significant(r["tests"]["wilcoxon"]))
        where = f"on {dataset} ({arch})"
        if better:
            sentence = (
                f"{run} beats {baseline} in {len(better)} of {n} bucket{'s' if n != 1 else ''} {where} "
                f"in mean accuracy on the shared subnets, Holm-adjusted Wilcoxon p < {ALPHA:g} in {better_sig}"
            )
            if worse:
                sentence += f"; {baseline} is better in {len(worse)} (Holm-adjusted p < {ALPHA:g} in {worse_sig})"
        else:
            sentence = (
                f"{run} does not beat {baseline} in any of {n} bucket{'s' if n != 1 else ''} {where}: "
                f"{baseline} has the higher mean accuracy in {len(worse)} (Holm-adjusted Wilcoxon p < {ALPHA:g} in {worse_sig})"
            )
            ties = n - len(worse)
            if ties:
                sentence += f" and they tie in {ties}"
        out.append(sentence + ".")
    return out + omitted


def variance_findings(analysis: dict[str, Any]) -> list[str]:
    """Per (arch, dataset, run): in how many buckets its accuracy variance is below the baseline's."""
    section = analysis["comparisons"]
    if not section["available"]:
        return []
    out = []
    for (arch, dataset, run, baseline), results in _by_run_group(section["results"]).items():
        n = len(results)
        lower = [r for r in results if r["run_summary"]["var"] < r["baseline_summary"]["var"]]
        significant = sum(1 for r in lower if _significant(r["tests"]["brown_forsythe"]))
        out.append(
            f"{run}'s accuracy variance is lower than {baseline}'s in {len(lower)} of {n} bucket{'s' if n != 1 else ''} "
            f"on {dataset} ({arch}) (Brown-Forsythe, Holm-adjusted p < {ALPHA:g} in {significant} of them)."
        )
    return out


def _macs_ratio(ratio: dict[str, Any]) -> str:
    """'; MACs ratio 2.49x' where both sides counted their training MACs, else nothing."""
    macs = ratio.get("macs_total")
    return f"; MACs ratio {fmt.ratio(macs['estimate'])}x" if macs is not None else ""


def time_findings(analysis: dict[str, Any]) -> list[str]:
    """Per ratio: the run's training time against its reference, with the interval, never a contaminated ratio as fact.

    A wall-clock ratio that rests on contended epochs (another job took the cores) is said
    to, with the CPU-time ratio beside it; the direction (faster/slower) then follows CPU
    time, as :func:`nasbench_rss.report.timing.claim_ratio` decides.
    """
    timing = analysis["training_time"]
    out = []
    for ratio in timing["ratios"]:
        claim = claim_ratio(ratio)
        where = f"on {ratio['dataset']} ({ratio['arch']})"
        wall = f"{_spread(ratio['total'], len(ratio['seeds']))}; per epoch {fmt.ratio(ratio['per_epoch']['estimate'])}x"
        if not claim["contended"]:
            cpu = (
                f"CPU-time ratio {fmt.ratio(ratio['cpu_total']['estimate'])}x"
                if ratio.get("cpu_total") is not None
                else "CPU time not recorded, so contended epochs could not be checked"
            )
            if ratio["contended"]["recorded"] == "partly recorded":
                cpu += f"; CPU time not recorded for {', '.join(ratio['contended']['not_recorded'])}"
            cpu += _macs_ratio(ratio)
            out.append(f"{_head(ratio, ratio['total']['estimate'], where, 'time')} ({wall}; {cpu}).")
            continue
        contended = _contended_cells(ratio["contended"]["cells"])
        if claim["basis"] == "cpu":
            cpu = ratio["cpu_total"]
            out.append(
                f"{_head(ratio, cpu['estimate'], where, 'CPU-time')} ({_spread(cpu, len(ratio['cpu_seeds']))}{_macs_ratio(ratio)}); "
                f"the wall-clock ratio {fmt.ratio(ratio['total']['estimate'])}x ({wall}) rests on contended epochs "
                f"({contended}), so it measures other jobs on the machine as much as the methods."
            )
        else:
            out.append(
                f"No speed claim for {ratio['run']} against {ratio['baseline']} {where}: the wall-clock ratio "
                f"{fmt.ratio(ratio['total']['estimate'])}x ({wall}) rests on contended epochs ({contended}) and "
                f"{ratio.get('cpu_reason') or 'no CPU-time ratio is recorded'}."
            )
    for omitted in timing["ratios_omitted"]:
        out.append(f"No training-time ratio of {omitted['run']} on {omitted['dataset']} ({omitted['arch']}): {omitted['reason']}.")
    return out


def _head(ratio: dict[str, Any], estimate: float, where: str, kind: str) -> str:
    """"run trained 2.00x faster than baseline on ..." or the slower form with the ratio named."""
    if estimate >= 1:
        by = " by CPU time" if kind == "CPU-time" else ""
        return f"{ratio['run']} trained {fmt.ratio(estimate)}x faster than {ratio['baseline']} {where}{by}"
    return f"{ratio['run']} trained slower than {ratio['baseline']} {where}: baseline-over-run {kind} ratio {fmt.ratio(estimate)}"


def _spread(interval: dict[str, Any], seeds: int) -> str:
    return f"{int(interval['level'] * 100)}% CI {fmt.interval(interval, fmt.ratio)} over {seeds} seeds" if seeds > 1 else "one seed: no interval"


def _contended_cells(cells: list[dict[str, Any]]) -> str:
    """"ofa seed 0: 3 of 8 epochs, 41.0% of its wall time; ..." for the cells with contended epochs."""
    return "; ".join(
        f"{c['run']} seed {c['seed']}: {c['contended_epochs']} of {c['epochs']} epochs, {fmt.share(c['contended_share'])}% of its wall time"
        for c in cells
    )


def exposure_findings(analysis: dict[str, Any]) -> list[str]:
    """Per (arch, dataset): the bucket each run spent most of its optimizer steps in."""
    groups: dict[tuple[str, str], list[str]] = {}
    for entry in analysis["exposure"]:
        shares = entry["shares"]
        if not shares or not any(shares.values()):
            continue
        label = max(shares, key=lambda k: shares[k])
        where = "outside every bucket" if label == "outside" else f"in bucket {label}"
        groups.setdefault((entry["arch"], entry["dataset"]), []).append(f"{entry['run']} {fmt.share(shares[label])}% {where}")
    return [
        f"Largest share of optimizer steps on {dataset} ({arch}): " + "; ".join(parts) + "."
        for (arch, dataset), parts in groups.items()
    ]


def ranking_findings(analysis: dict[str, Any]) -> list[str]:
    """Per (arch, dataset) with stand-alone references: each run's Kendall's tau over all of them, and within buckets."""
    groups: dict[tuple[str, str], list[str]] = {}
    for entry in (analysis.get("ranking") or {}).get("runs") or []:
        scopes = {s["scope"]: s for s in entry["scopes"]}
        overall = (scopes.get("all") or {}).get("across_seeds", {}).get("kendall_tau")
        if overall is None:
            continue
        within = [s["across_seeds"]["kendall_tau"]["estimate"] for name, s in scopes.items() if name != "all" and s["across_seeds"].get("kendall_tau")]
        words = f"{entry['run']} {fmt.number(overall['estimate'], 2)}"
        if within:
            words += f" (within buckets {fmt.number(sum(within) / len(within), 2)} on average)"
        groups.setdefault((entry["arch"], entry["dataset"]), []).append(words)
    return [
        f"Ranking against stand-alone training on {dataset} ({arch}), Kendall's tau over all references, mean over seeds: "
        + "; ".join(parts) + "."
        for (arch, dataset), parts in groups.items()
    ]


def skipped_bucket_findings(analysis: dict[str, Any]) -> list[str]:
    """Buckets the evaluation skipped (e.g. unreachable for an architecture), with the reason."""
    out = []
    for facts in analysis["buckets"]:
        for bucket in facts["buckets"]:
            if bucket["status"] in ("evaluated", "not evaluated"):
                continue
            tolerance = f" (±{bucket['tolerance']:g} MFLOPs)" if bucket.get("tolerance") is not None else ""
            reason = bucket.get("reason") or "no reason recorded"
            out.append(
                f"Bucket {bucket['label']}{tolerance} was skipped for {facts['arch']} on {facts['dataset']} "
                f"({bucket['status']}): {reason}."
            )
    return out


def seed_caveat(analysis: dict[str, Any]) -> str:
    """What the p-values can and cannot say, given the number of training seeds."""
    seeds = analysis["suite"]["seeds"]
    if len(seeds) <= 1:
        which = f" ({seeds[0]})" if seeds else ""
        return (
            f"One training seed{which}: the tests compare the subnets of one trained supernet per method, "
            "so their p-values do not account for seed-to-seed variation of training."
        )
    return (
        f"{len(seeds)} training seeds: the tests pool the subnets of all seeds (paired within each seed) as if they "
        "were independent, so their p-values understate seed-to-seed variation of training; the mean of seed means "
        "with its confidence interval is the replication-level evidence."
    )


def shared_stream_note(analysis: dict[str, Any]) -> str | None:
    """Runs that draw the same subnet sequence at each seed, so are not independent."""
    notes = []
    for entry in analysis["method"]["shared_streams"]:
        notes.append(f"{' and '.join(entry['runs'])} ({entry['sampler']}) on {entry['dataset']} ({entry['arch']})")
    if not notes:
        return None
    return (
        "Same sampler, same stream: "
        + "; ".join(notes)
        + " use the same sampler with the same options, so at each seed they draw the same subnet sequence "
        "(the shorter run's is the start of the longer's); their results are correlated, not independent."
    )


def render_findings(doc: Document, analysis: Analysis, figure: FigureFile | None) -> None:
    """The plain-sentence findings, first after the claims."""
    doc.heading("Findings")
    doc.bullets(analysis.get("findings") or findings(analysis))


SECTION = Section("findings", None, render_findings)
"""Computed last, from the other sections (:func:`findings`)."""
