"""The report's findings: plain sentences computed from the analysis, put first.

A reader should learn the outcome without reading a table, and should not be told more
than the data support: every sentence counts what the tables show, names the test and
the correction behind a "significant", and says when there is only one seed.
"""

from __future__ import annotations

import math
from typing import Any

from nasbench_rss.report import format as fmt

ALPHA = 0.05
"""The significance level the findings count against (Holm-adjusted p-values)."""


def findings(analysis: dict[str, Any]) -> list[str]:
    """Every finding, in reading order: completeness, accuracy, variance, time, exposure, caveats."""
    sentences = [completeness(analysis)]
    sentences += accuracy_findings(analysis)
    sentences += variance_findings(analysis)
    sentences += time_findings(analysis)
    sentences += exposure_findings(analysis)
    sentences += skipped_bucket_findings(analysis)
    sentences.append(seed_caveat(analysis))
    shared = shared_stream_note(analysis)
    if shared:
        sentences.append(shared)
    return [s for s in sentences if s]


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
    return "Partial run: " + "; ".join(parts) + ". The numbers below use only the cells that are there."


def _by_run_group(results: list[dict[str, Any]]) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in results:
        groups.setdefault((r["arch"], r["dataset"], r["run"]), []).append(r)
    return groups


def _significant(outcome: dict[str, Any]) -> bool:
    p = outcome.get("p_holm")
    return p is not None and not (isinstance(p, float) and math.isnan(p)) and p < ALPHA


def accuracy_findings(analysis: dict[str, Any]) -> list[str]:
    """Per (arch, dataset, run): in how many buckets it beats the baseline, and how often significantly."""
    section = analysis["comparisons"]
    baseline = section["baseline"]
    omitted = [
        f"{o['run']} is not compared with {baseline} on {o['dataset']} ({o['arch']}): {o['reason']}."
        for o in section["omitted"]
        if o["bucket"] is None
    ]
    if not section["available"]:
        return omitted or ([f"No comparison with a baseline: {section['reason']}."] if section.get("reason") else [])
    out = []
    for (arch, dataset, run), results in _by_run_group(section["results"]).items():
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
    baseline = section["baseline"]
    out = []
    for (arch, dataset, run), results in _by_run_group(section["results"]).items():
        n = len(results)
        lower = [r for r in results if r["run_summary"]["var"] < r["baseline_summary"]["var"]]
        significant = sum(1 for r in lower if _significant(r["tests"]["brown_forsythe"]))
        out.append(
            f"{run}'s accuracy variance is lower than {baseline}'s in {len(lower)} of {n} bucket{'s' if n != 1 else ''} "
            f"on {dataset} ({arch}) (Brown-Forsythe, Holm-adjusted p < {ALPHA:g} in {significant} of them)."
        )
    return out


def time_findings(analysis: dict[str, Any]) -> list[str]:
    """Per (arch, dataset, run): its training-time ratio to the baseline, with the interval."""
    timing = analysis["training_time"]
    out = []
    for ratio in timing["ratios"]:
        total, per_epoch = ratio["total"], ratio["per_epoch"]
        estimate = total["estimate"]
        seeds = len(ratio["seeds"])
        spread = (
            f"{int(total['level'] * 100)}% CI {fmt.interval(total, fmt.ratio)} over {seeds} seeds"
            if seeds > 1
            else "one seed: no interval"
        )
        where = f"on {ratio['dataset']} ({ratio['arch']})"
        if estimate >= 1:
            head = f"{ratio['run']} trained {fmt.ratio(estimate)}x faster than {ratio['baseline']} {where}"
        else:
            head = (
                f"{ratio['run']} trained slower than {ratio['baseline']} {where}: "
                f"baseline-over-run time ratio {fmt.ratio(estimate)}"
            )
        out.append(f"{head} ({spread}; per epoch {fmt.ratio(per_epoch['estimate'])}x).")
    for omitted in timing["ratios_omitted"]:
        out.append(f"No training-time ratio of {omitted['run']} on {omitted['dataset']} ({omitted['arch']}): {omitted['reason']}.")
    return out


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
