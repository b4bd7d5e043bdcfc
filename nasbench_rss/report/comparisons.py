"""Runs compared in pairs, per (architecture, dataset, bucket); and interactions of four runs.

The pairs are the suite's ``comparisons:`` (``{run: A, against: B}``), by default every
run against the baseline.  Every run of one architecture and dataset is evaluated on the
same subnets, so a run is compared with its reference *paired* by (training seed, bucket,
subnet index), on the subnets both evaluated with the same encoding, and every test uses
exactly those subnets (so all numbers of a row describe one set).  p-values are
Holm-adjusted per pair and per test across all its buckets, datasets and architectures.

An interaction (``{change: [A, B], versus: [C, D]}``) asks whether a change moves two
methods alike: per subnet evaluated by all four runs, the contrast (A - B) - (C - D),
tested per bucket with the two-sided paired Wilcoxon signed-rank test (H0: the change has
the same effect on both), Holm-adjusted per interaction across its buckets.

:data:`SECTION` is this part of the report as one unit (:mod:`nasbench_rss.report.section`): its
``compute``, its ``render`` into the document and the key of its figure.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable

from nasbench_rss.analysis.populations import (
    Bootstrap,
    Group,
    Population,
    Subnet,
    aligned,
    buckets_of,
)
from nasbench_rss.errors import NasbenchError
from nasbench_rss.report import format as fmt
from nasbench_rss.report.document import Document
from nasbench_rss.report.findings import ALPHA
from nasbench_rss.report.section import Analysis, Inputs, Section, by_group, group_title
from nasbench_rss.stats import (
    brown_forsythe,
    cohens_d,
    describe,
    holm,
    mann_whitney,
    probability_of_improvement,
    welch_t,
    wilcoxon_paired,
)

if TYPE_CHECKING:  # matplotlib is imported only when figures are drawn
    from nasbench_rss.report.figures import FigureFile

TESTS: dict[str, tuple[str, Callable[..., Any]]] = {
    "wilcoxon": ("paired Wilcoxon signed-rank test on the shared subnets", wilcoxon_paired),
    "welch": ("Welch's t-test", welch_t),
    "mann_whitney": ("Mann-Whitney U test", mann_whitney),
    "brown_forsythe": ("Brown-Forsythe test of equal variances (Levene's test around the median)", brown_forsythe),
}
"""Key in report.json -> (description, test of ``(run, baseline)``), run for every compared bucket."""

HOLM_FAMILY = (
    "Holm's correction is applied separately for each compared pair and each test, across every bucket, "
    "dataset and architecture in which the pair is compared"
)

Pair = tuple[int, Subnet, Subnet]
"""(training seed, the run's subnet, the baseline's subnet)."""


def comparison_pairs(suite: dict[str, Any], runs: list[str]) -> tuple[list[tuple[str, str]], list[tuple[list[str], list[str]]], str | None]:
    """(pairs, interactions, reason) from a suite record: its ``comparisons``, else every run against its baseline.

    ``reason`` says why there is nothing to compare (None when there is).
    """
    written = suite.get("comparisons")
    baseline = suite.get("baseline")
    if written is None:
        if baseline is None:
            return [], [], "the suite names no baseline and no comparisons (set `baseline: RUN` or `comparisons:` in the suite)"
        if baseline not in runs:
            return [], [], f"the baseline {baseline!r} is not a run of this suite (runs: {', '.join(runs)})"
        others = [r for r in runs if r != baseline]
        if not others:
            return [], [], f"the suite has no run besides the baseline {baseline!r}"
        return [(run, baseline) for run in others], [], None
    pairs: list[tuple[str, str]] = []
    interactions: list[tuple[list[str], list[str]]] = []
    for entry in written:
        if "change" in entry:
            interactions.append((list(entry["change"]), list(entry["versus"])))
        else:
            against = [entry["against"]] if isinstance(entry["against"], str) else list(entry["against"])
            pairs += [(entry["run"], other) for other in against if (entry["run"], other) not in pairs]
    return pairs, interactions, None if pairs or interactions else "the suite's comparisons list is empty"


def comparisons(
    pops: dict[tuple[str, str, str], Population],
    groups: list[Group],
    runs: list[str],
    baseline: str | None,
    facts: list[dict[str, Any]],
    bootstrap: Bootstrap,
    pairs: list[tuple[str, str]] | None = None,
    interactions: list[tuple[list[str], list[str]]] = (),  # type: ignore[assignment]
    reason: str | None = None,
) -> dict[str, Any]:
    """The comparison section of the analysis; ``available`` false with a ``reason`` when none is possible.

    ``pairs`` are (run, reference); None: every run against ``baseline``.
    """
    if pairs is None:
        pairs, interactions, reason = comparison_pairs({"baseline": baseline}, runs)
    section: dict[str, Any] = {
        "baseline": baseline,
        "pairs": [list(p) for p in pairs],
        "available": False,
        "reason": reason,
        "tests": {name: description for name, (description, _) in TESTS.items()},
        "holm_family": HOLM_FAMILY,
        "holm_families": [],
        "results": [],
        "omitted": [],
        "interactions": [],
    }
    unknown = sorted({name for pair in pairs for name in pair} - set(runs))
    if unknown:
        section["reason"] = f"the comparisons name {', '.join(unknown)}, not runs of this suite (runs: {', '.join(runs)})"
        pairs = [p for p in pairs if not set(p) & set(unknown)]

    results: list[dict[str, Any]] = []
    for arch, dataset in groups:
        for run, reference in pairs:
            where = {"arch": arch, "dataset": dataset, "run": run}
            if not pops.get((arch, dataset, run)):
                section["omitted"].append({**where, "baseline": reference, "bucket": None, "reason": f"no evaluated cell of {run}"})
            elif not pops.get((arch, dataset, reference)):
                section["omitted"].append({**where, "baseline": reference, "bucket": None, "reason": f"no evaluated cell of {'the baseline ' if reference == baseline else ''}{reference}"})
        for bucket in buckets_of(facts, arch, dataset):
            label = bucket["label"]
            for run, reference in pairs:
                run_pop = pops.get((arch, dataset, run), {})
                base_pop = pops.get((arch, dataset, reference), {})
                if not run_pop or not base_pop:
                    continue
                shared, unmatched = shared_subnets(run_pop, base_pop, label)
                where = {"arch": arch, "dataset": dataset, "run": run}
                if shared:
                    results.append(_compare(where, reference, bucket, shared, unmatched, bootstrap))
                elif unmatched:
                    section["omitted"].append(
                        {**where, "baseline": reference, "bucket": label,
                         "reason": f"no subnet of bucket {label} evaluated by both {run} and {reference} at one seed"}
                    )  # fmt: skip

    for run, reference in pairs:
        for test in TESTS:
            family = [r for r in results if (r["run"], r["baseline"]) == (run, reference) and "p_value" in r["tests"][test]]
            if not family:
                continue
            adjusted = holm([_float(r["tests"][test]["p_value"]) for r in family])
            for r, p in zip(family, adjusted):
                r["tests"][test]["p_holm"] = p
            section["holm_families"].append({"run": run, "baseline": reference, "test": test, "size": len(family)})
    for r in results:
        for outcome in r["tests"].values():
            outcome.setdefault("p_holm", math.nan)  # a test that could not run has no adjusted p either
    section["results"] = results
    section["interactions"] = [
        _interaction(pops, groups, facts, change, versus) for change, versus in interactions if not set(change + versus) - set(runs)
    ]
    section["available"] = bool(results) or bool(section["interactions"])
    if not results and not section["reason"] and pairs:
        section["reason"] = "no bucket has subnets evaluated by both runs of any compared pair"
    return section


def _interaction(
    pops: dict[tuple[str, str, str], Population], groups: list[Group], facts: list[dict[str, Any]], change: list[str], versus: list[str]
) -> dict[str, Any]:
    """Per (arch, dataset, bucket): the contrast (A - B) - (C - D) on subnets all four runs evaluated."""
    runs = [*change, *versus]
    rows = []
    for arch, dataset in groups:
        run_pops = [pops.get((arch, dataset, run), {}) for run in runs]
        if not all(run_pops):
            continue
        for bucket in buckets_of(facts, arch, dataset):
            label = bucket["label"]
            contrasts: list[float] = []
            effects: tuple[list[float], list[float]] = ([], [])
            for seed in sorted(set.intersection(*(set(p) for p in run_pops))):
                for a, b, c, d in zip(*aligned(run_pops, seed, [label])):
                    contrasts.append((a.accuracy - b.accuracy) - (c.accuracy - d.accuracy))
                    effects[0].append(a.accuracy - b.accuracy)
                    effects[1].append(c.accuracy - d.accuracy)
            if not contrasts:
                continue
            test = _guard(lambda: wilcoxon_paired(contrasts, [0.0] * len(contrasts)).to_dict())
            rows.append(
                {
                    "arch": arch, "dataset": dataset, "bucket": label, "subnets": len(contrasts),
                    "effect_change": math.fsum(effects[0]) / len(contrasts), "effect_versus": math.fsum(effects[1]) / len(contrasts),
                    "contrast": math.fsum(contrasts) / len(contrasts), "wilcoxon": test,
                }
            )  # fmt: skip
    family = [r for r in rows if "p_value" in r["wilcoxon"]]
    for r, p in zip(family, holm([_float(r["wilcoxon"]["p_value"]) for r in family])):
        r["wilcoxon"]["p_holm"] = p
    for r in rows:
        r["wilcoxon"].setdefault("p_holm", math.nan)
    return {"change": change, "versus": versus, "results": rows}


def shared_subnets(run_pop: Population, base_pop: Population, label: str) -> tuple[list[Pair], int]:
    """The pairs of bucket ``label``: same seed, same index, same encoding.

    Also the number of subnets left out: evaluated by one side only, or with different
    encodings (which would mean the cells were evaluated on different subnet lists).
    """
    pairs: list[Pair] = []
    unmatched = 0
    for seed in sorted(set(run_pop) | set(base_pop)):
        ours = {s.index: s for s in run_pop.get(seed, {}).get(label, [])}
        theirs = {s.index: s for s in base_pop.get(seed, {}).get(label, [])}
        for index in sorted(set(ours) | set(theirs)):
            a, b = ours.get(index), theirs.get(index)
            if a is not None and b is not None and a.encoding == b.encoding:
                pairs.append((seed, a, b))
            else:
                unmatched += (a is not None) + (b is not None)
    return pairs, unmatched


def _compare(where: dict[str, Any], baseline: str, bucket: dict[str, Any], pairs: list[Pair], unmatched: int, bootstrap: Bootstrap) -> dict[str, Any]:
    run_values = [a.accuracy for _, a, _ in pairs]
    base_values = [b.accuracy for _, _, b in pairs]
    run_summary, base_summary = describe(run_values).to_dict(), describe(base_values).to_dict()
    tests = {name: _guard(lambda test=test: test(run_values, base_values).to_dict()) for name, (_, test) in TESTS.items()}
    effect = _guard(lambda: {"value": cohens_d(run_values, base_values)})
    improvement = _guard(lambda: probability_of_improvement(run_values, base_values, **bootstrap.kwargs()).to_dict())
    return {
        **where,
        "baseline": baseline,
        "bucket": bucket["label"],
        "target": bucket["target"],
        "pairs": len(pairs),
        "seeds": sorted({seed for seed, _, _ in pairs}),
        "unmatched": unmatched,
        "run_summary": run_summary,
        "baseline_summary": base_summary,
        "mean_difference": run_summary["mean"] - base_summary["mean"],
        "tests": tests,
        "cohens_d": effect.get("value", math.nan),
        "cohens_d_error": effect.get("error"),
        "probability_of_improvement": improvement,
    }


def _guard(compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The computed dict, or ``{"error": ...}`` when the statistic refuses this data.

    A statistic that cannot be computed for one bucket must not cost the whole report;
    the report shows why that number is missing.
    """
    try:
        return compute()
    except NasbenchError as error:
        return {"error": str(error)}


def _float(value: float | None) -> float:
    return math.nan if value is None else float(value)


def render_comparisons(doc: Document, analysis: Analysis, figure: FigureFile | None) -> None:
    section = analysis["comparisons"]
    baseline = section["baseline"]
    pairs = [tuple(p) for p in section.get("pairs") or []]
    against_baseline = bool(pairs) and all(reference == baseline for _, reference in pairs) and not section.get("interactions")
    doc.heading(f"Comparison with the baseline ({baseline})" if against_baseline else "Comparisons")
    if not section["available"]:
        doc.paragraph(f"Comparisons are omitted: {section['reason']}.")
        return
    compared = f"against {baseline}" if against_baseline else "against its reference (the suite's comparisons: " + ", ".join(
        f"{run} vs {reference}" for run, reference in pairs
    ) + ")"
    doc.paragraph(
        f"Each run {compared} on the subnets both evaluated, paired by (training seed, bucket, subnet index). "
        "Tests are two-sided: the paired Wilcoxon signed-rank test, Welch's t-test and the Mann-Whitney U test for accuracy, "
        f"Brown-Forsythe for variance. {section['holm_family']}. "
        "A run beats the baseline in a bucket when its mean accuracy on the shared subnets is higher. "
        "Δ mean is the run's mean accuracy minus the baseline's (pp); Cohen's d is standardised by the pooled SD; "
        "P(improvement) is the share of shared subnets on which the run is more accurate (ties count one half), "
        f"with a 95% bootstrap CI over subnet pairs. Significant below p = {ALPHA:g} after Holm's adjustment."
        " The Wilcoxon method column says how its p was computed: exact (over all sign flips of the non-zero differences; "
        "exact, ties: with mid-ranks for tied differences, given the observed ties) or normal (the normal approximation "
        "with tie correction, for larger samples)."
    )
    results = section["results"]
    for arch, dataset, mine in by_group(analysis, results):
        doc.heading(group_title(arch, dataset), 3)
        doc.table(
            ["bucket", "run", "against", "pairs", "Δ mean", "Wilcoxon p", "Holm", "Wilcoxon method", "Welch p", "Holm", "Mann-Whitney p", "Holm", "Cohen's d", "P(improvement)", "95% CI"],
            [
                [
                    r["bucket"], r["run"], r["baseline"], str(r["pairs"]), fmt.points(r["mean_difference"]),
                    *_p_cells(r["tests"]["wilcoxon"]), _p_method(r["tests"]["wilcoxon"]), *_p_cells(r["tests"]["welch"]), *_p_cells(r["tests"]["mann_whitney"]),
                    fmt.number(r["cohens_d"]),
                    fmt.number(r["probability_of_improvement"].get("estimate")),
                    fmt.interval(r["probability_of_improvement"], fmt.number) if "error" not in r["probability_of_improvement"] else fmt.MISSING,
                ]
                for r in mine
            ],
            f"Accuracy: each run {compared}",
        )
        doc.table(
            ["bucket", "run", "against", "var run", "var against", "Brown-Forsythe W", "p", "Holm"],
            [
                [
                    r["bucket"], r["run"], r["baseline"], fmt.variance_points(r["run_summary"]["var"]), fmt.variance_points(r["baseline_summary"]["var"]),
                    fmt.number(r["tests"]["brown_forsythe"].get("statistic")), *_p_cells(r["tests"]["brown_forsythe"]),
                ]
                for r in mine
            ],
            "Variance (pp²): Brown-Forsythe test of equal variances",
        )
    notes = [
        f"{group_title(r['arch'], r['dataset'])} bucket {r['bucket']}, {r['run']}, {name}: {outcome.get('note') or outcome.get('error')}"
        for r in results
        for name, outcome in r["tests"].items()
        if outcome.get("note") or outcome.get("error")
    ]
    unmatched = [
        f"{group_title(r['arch'], r['dataset'])} bucket {r['bucket']}, {r['run']}: {r['unmatched']} subnets evaluated by one side only"
        for r in results
        if r["unmatched"]
    ]
    omitted = [
        f"{group_title(o['arch'], o['dataset'])}" + (f" bucket {o['bucket']}" if o["bucket"] else "") + f", {o['run']}: {o['reason']}"
        for o in section["omitted"]
    ]
    _interaction_tables(doc, section)
    if notes:
        doc.paragraph("Notes from the tests:")
        doc.bullets(notes)
    if unmatched or omitted:
        doc.paragraph("Not compared, or compared on fewer subnets:")
        doc.bullets(omitted + unmatched)


def _interaction_tables(doc: Document, section: dict[str, Any]) -> None:
    """Does a change move two methods alike?  The two effects and their difference per bucket."""
    for interaction in section.get("interactions") or []:
        (a, b), (c, d) = interaction["change"], interaction["versus"]
        if not interaction["results"]:
            doc.paragraph(f"Interaction ({a} - {b}) vs ({c} - {d}): no subnet evaluated by all four runs at one seed.")
            continue
        doc.table(
            ["dataset", "bucket", "subnets", f"{a} - {b}", f"{c} - {d}", "difference", "Wilcoxon p", "Holm"],
            [
                [
                    r["dataset"], r["bucket"], str(r["subnets"]), fmt.points(r["effect_change"]), fmt.points(r["effect_versus"]),
                    fmt.points(r["contrast"]), *_p_cells(r["wilcoxon"]),
                ]
                for r in interaction["results"]
            ],
            f"Interaction: does the change {b} -> {a} move accuracy as {d} -> {c} does? (pp; paired Wilcoxon on the per-subnet "
            "difference of effects, two-sided, Holm across the buckets)",
        )


def _p_cells(outcome: dict[str, Any]) -> list[str]:
    return [fmt.p_value(outcome.get("p_value")), fmt.p_value(outcome.get("p_holm"))]


_P_METHODS = {
    "exact": "exact",
    "exact conditional (mid-ranks)": "exact, ties",
    "normal approximation with tie correction": "normal",
}
"""A test's ``method`` (how its p was computed) -> the word in the comparisons table."""


def _p_method(outcome: dict[str, Any]) -> str:
    """The short name of how the p-value was computed; n/a where none was (or an older report.json)."""
    method = outcome.get("method")
    return fmt.MISSING if method is None else _P_METHODS.get(method, method)


def _compute(inputs: Inputs) -> dict[str, Any]:
    e, plan = inputs.evidence, inputs.plan
    return comparisons(
        e.populations, e.groups, e.runs, e.suite.get("baseline"), e.buckets, inputs.bootstrap, plan.pairs, plan.interactions, plan.reason
    )


SECTION = Section("comparisons", _compute, render_comparisons)
