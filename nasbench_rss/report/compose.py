"""The report's content: ``compose(analysis, figures) -> Document``.

Findings first, then per-bucket accuracy, the whole-population spread, the accuracy
profile across buckets, the comparison with the baseline, training time, exposure (per
bucket, then over the whole FLOPs range), and the method.  Every number goes through
:mod:`nasbench_rss.report.format`, so the Markdown and HTML reports (both rendered from
this one document) show the JSON's numbers the same way.
"""

from __future__ import annotations

from typing import Any, Iterator

from nasbench_rss.report import format as fmt
from nasbench_rss.report.document import Document
from nasbench_rss.report.figures import FigureFile
from nasbench_rss.report.findings import ALPHA, findings


def compose(analysis: dict[str, Any], figures: list[FigureFile]) -> Document:
    """The whole report as a document of blocks."""
    suite = analysis["suite"]
    doc = Document(f"nasbench-rss report: suite {suite['name']}")
    doc.heading(doc.title, 1)
    if suite.get("description"):
        doc.paragraph(suite["description"])
    doc.paragraph(_status_line(analysis))
    figure = {f.key: f for f in figures}

    _claims_section(doc, analysis)
    doc.heading("Findings")
    doc.bullets(analysis.get("findings") or findings(analysis))
    _cells_section(doc, analysis)
    _accuracy_section(doc, analysis, figure.get("accuracy"))
    _spread_section(doc, analysis)
    _profile_section(doc, analysis)
    _comparison_section(doc, analysis)
    _time_section(doc, analysis, figure.get("training_time"))
    _exposure_section(doc, analysis, figure.get("exposure"))
    _exposure_range_section(doc, analysis, figure.get("exposure_range"))
    _interference_section(doc, analysis, figure.get("interference"))
    _ranking_section(doc, analysis, figure.get("ranking"))
    _method_section(doc, analysis)
    return doc


def _claims_section(doc: Document, analysis: dict[str, Any]) -> None:
    """The suite's claims first: what the paper says, what this run shows, and the verdict."""
    section = analysis.get("claims") or {}
    results = section.get("results") or []
    if not results:
        return
    doc.heading("Claims")
    doc.table(
        ["#", "claim", "source", "statistic", "p (Holm)", "verdict"],
        [
            [str(r["index"] + 1), r["claim"], r["source"], r.get("statistic") or fmt.MISSING, fmt.p_value(r.get("p_for_holm")), r["verdict"]]
            for r in results
        ],
        "Each claim of the suite tested on this run",
    )
    counts = section.get("counts") or {}
    doc.paragraph(
        f"{len(results)} claims: " + ", ".join(f"{counts.get(v, 0)} {v}" for v in ("supported", "contradicted", "inconclusive", "not tested"))
        + f". p is the Holm-adjusted p-value for the claim ({section['holm_family']}); a claim is supported when it is below "
        f"{section['alpha']:g}, contradicted when the Holm-adjusted p for its opposite is, inconclusive otherwise. With two or more "
        "seeds the test is on the seeds' estimates (seeds are the unit of replication, subnets nest within seeds): a one-sided "
        "one-sample t-test, or the sign test when the estimates do not vary; with one seed only the subnet-level test exists. A "
        "claim over several buckets must hold in each (intersection-union: the largest bucket p) and is contradicted when its "
        "opposite holds in any (Bonferroni)."
    )
    doc.bullets(
        [
            f"{r['index'] + 1}. {r['claim']} ({r['source']}"
            + (f': "{r["says"]}"' if r.get("says") else "")
            + f"): {r['verdict_words']}"
            + _subnet_level_words(r)
            + (f". Note: {r['note']}" if r.get("note") and r["verdict"] != "not tested" else "")
            for r in results
        ]
    )


def _subnet_level_words(result: dict[str, Any]) -> str:
    """The subnet-level p beside a seed-level verdict (information only: subnets nest within seeds)."""
    levels = [g.get("subnet_level") or {} for g in result.get("groups") or []]
    ps = [level.get("p_for") for level in levels if isinstance(level.get("p_for"), float)]
    if not ps or not str(result.get("basis", "")).startswith(tuple("0123456789")):
        return ""
    return f"; subnet level, all seeds pooled: raw p = {fmt.p_value(max(ps))}"


def _status_line(analysis: dict[str, Any]) -> str:
    cells = analysis["cells"]
    state = "Complete run" if analysis["complete"] else "PARTIAL RUN"
    return (
        f"{state}: {cells['trained']} of {cells['planned']} cells trained, {cells['evaluated']} evaluated. "
        f"Run directory: {analysis['run_directory']}."
    )


def _figure(doc: Document, figure: FigureFile | None) -> None:
    if figure is None:
        return
    if figure.path is None:
        doc.paragraph(f"Figure {figure.filename} is not drawn: {figure.skipped}.")
    else:
        doc.figure(figure.filename, figure.caption)


def _groups(analysis: dict[str, Any]) -> list[tuple[str, str]]:
    return [(g["arch"], g["dataset"]) for g in analysis["suite"]["groups"]]


def _by_group(analysis: dict[str, Any], entries: list[dict[str, Any]]) -> Iterator[tuple[str, str, list[dict[str, Any]]]]:
    """Each (architecture, dataset) group of the suite, in suite order, with its entries; groups without entries are skipped."""
    for arch, dataset in _groups(analysis):
        mine = [e for e in entries if (e["arch"], e["dataset"]) == (arch, dataset)]
        if mine:
            yield arch, dataset, mine


def _group_title(arch: str, dataset: str) -> str:
    return f"{dataset} ({arch})"


# -------------------------------------------------------------------------- sections


def _cells_section(doc: Document, analysis: dict[str, Any]) -> None:
    cells = analysis["cells"]
    if analysis["complete"]:
        return
    doc.heading("Missing cells")
    doc.paragraph(
        "This run is partial: the cells below contribute nothing (not trained) or no accuracies (not evaluated). "
        "Rerun the suite to complete it; the report is remade when it finishes."
    )
    rows = [[c["id"], c["status"], f"{c['epochs_done']}/{c['epochs']}", c["reason"]] for c in cells["missing"] + cells["unevaluated"]]
    doc.table(["cell", "status", "epochs", "why it is missing"], rows)


def _accuracy_section(doc: Document, analysis: dict[str, Any], figure: FigureFile | None) -> None:
    doc.heading("Subnet accuracy per bucket")
    doc.paragraph(
        "Test accuracy (%) of the evaluated subnets of each MFLOP bucket. Pooled: all seeds' subnets together; "
        "the mean of seed means comes with a 95% bootstrap confidence interval over seeds (none with one seed). "
        "Standard deviation, IQR and the difference columns are in percentage points (pp), variance in pp²."
    )
    _figure(doc, figure)
    entries = analysis["accuracy"]
    for arch, dataset in _groups(analysis):
        doc.heading(_group_title(arch, dataset), 3)
        mine = [e for e in entries if (e["arch"], e["dataset"]) == (arch, dataset)]
        rows = [
            [
                e["bucket"], e["run"], fmt.seeds(e["seeds"]), str(e["pooled"]["n"]),
                fmt.percent(e["pooled"]["mean"]), fmt.percent(e["pooled"]["std"]), fmt.variance_points(e["pooled"]["var"]),
                fmt.percent(e["pooled"]["median"]), fmt.percent(e["pooled"]["iqr"]),
                fmt.percent(e["pooled"]["min"]), fmt.percent(e["pooled"]["max"]),
                fmt.percent(e["mean_of_seed_means"]["estimate"]), fmt.interval(e["mean_of_seed_means"], fmt.percent),
            ]
            for e in mine
        ]
        if rows:
            doc.table(
                ["bucket", "run", "seeds", "n", "mean", "std", "var", "median", "IQR", "min", "max", "mean of seed means", "95% CI"],
                rows,
                "Pooled over seeds",
            )
        else:
            doc.paragraph("No evaluated subnets yet.")
        per_seed = [
            [
                e["bucket"], e["run"], str(s["seed"]), str(s["summary"]["n"]),
                fmt.percent(s["summary"]["mean"]), fmt.percent(s["summary"]["std"]), fmt.variance_points(s["summary"]["var"]),
                fmt.percent(s["summary"]["median"]), fmt.percent(s["summary"]["iqr"]),
                fmt.percent(s["summary"]["min"]), fmt.percent(s["summary"]["max"]),
            ]
            for e in mine
            for s in e["per_seed"]
        ]
        if any(len(e["per_seed"]) > 1 for e in mine):
            doc.table(["bucket", "run", "seed", "n", "mean", "std", "var", "median", "IQR", "min", "max"], per_seed, "Per seed")
        facts = next((f for f in analysis["buckets"] if (f["arch"], f["dataset"]) == (arch, dataset)), None)
        if facts is not None:
            doc.table(
                ["bucket", "target ± tolerance (MFLOPs)", "status", "networks in bucket", "P(base distribution)", "subnets", "reason"],
                [
                    [
                        b["label"],
                        f"{fmt.number(b['target'])} ± {fmt.number(b['tolerance'])}",
                        b["status"],
                        b["networks"] if b["networks"] is not None else fmt.MISSING,
                        fmt.number(b["probability"]),
                        str(b["subnets"]),
                        b["reason"] or "",
                    ]
                    for b in facts["buckets"]
                ],
                "Buckets",
            )
            if not facts["same_subnets"]:
                doc.paragraph(
                    f"Warning: the cells of {_group_title(arch, dataset)} were evaluated on different subnet lists "
                    f"(subnets_hash {', '.join(facts['subnets_hashes'])}); only subnets with the same encoding are paired."
                )


def _comparison_section(doc: Document, analysis: dict[str, Any]) -> None:
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
    for arch, dataset, mine in _by_group(analysis, results):
        doc.heading(_group_title(arch, dataset), 3)
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
        f"{_group_title(r['arch'], r['dataset'])} bucket {r['bucket']}, {r['run']}, {name}: {outcome.get('note') or outcome.get('error')}"
        for r in results
        for name, outcome in r["tests"].items()
        if outcome.get("note") or outcome.get("error")
    ]
    unmatched = [
        f"{_group_title(r['arch'], r['dataset'])} bucket {r['bucket']}, {r['run']}: {r['unmatched']} subnets evaluated by one side only"
        for r in results
        if r["unmatched"]
    ]
    omitted = [
        f"{_group_title(o['arch'], o['dataset'])}" + (f" bucket {o['bucket']}" if o["bucket"] else "") + f", {o['run']}: {o['reason']}"
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


def _time_section(doc: Document, analysis: dict[str, Any], figure: FigureFile | None) -> None:
    timing = analysis["training_time"]
    doc.heading("Training time")
    if timing.get("definition"):
        doc.paragraph(f"Training time is the {timing['definition']}.")
    _contention_paragraph(doc, timing)
    _figure(doc, figure)
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
            ["dataset", "arch", "run", "baseline", "seeds", "time ratio", "95% CI", "per-epoch ratio", "95% CI", "CPU-time ratio", "95% CI", "contended"],
            [
                [
                    r["dataset"], r["arch"], r["run"], r["baseline"], fmt.seeds(r["seeds"]),
                    fmt.ratio(r["total"]["estimate"]), fmt.interval(r["total"], fmt.ratio),
                    fmt.ratio(r["per_epoch"]["estimate"]), fmt.interval(r["per_epoch"], fmt.ratio),
                    fmt.ratio((r.get("cpu_total") or {}).get("estimate")), fmt.interval(r.get("cpu_total"), fmt.ratio),
                    _ratio_contention(r.get("contended")),
                ]
                for r in timing["ratios"]
            ],
            f"Ratios: the {timing['ratio_definition']}; CPU-time ratio: {timing.get('cpu_ratio_definition', 'not computed')}; "
            "contended: the cells on either side with contended epochs (share of their wall time)",
        )
    elif timing.get("ratios_reason"):
        doc.paragraph(f"No training-time ratios: {timing['ratios_reason']}.")
    doc.table(
        ["cell", "epochs", "time", "per epoch", "CPU time", "CPU per epoch", "contended epochs", "images/s", "device"],
        [
            [
                c["id"], str(c["epochs"]), fmt.seconds(c["train_seconds"]), fmt.seconds(c["seconds_per_epoch"]),
                fmt.seconds(c.get("train_cpu_seconds")), fmt.seconds(c.get("cpu_seconds_per_epoch")), _cell_contention(c.get("contention")),
                fmt.number(c["images_per_second"], 4), c["device"] or fmt.MISSING,
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


def _exposure_section(doc: Document, analysis: dict[str, Any], figure: FigureFile | None) -> None:
    doc.heading("Sampling exposure")
    doc.paragraph(
        "Share (%) of each run's optimizer steps spent on subnets in each evaluation bucket, mean over seeds; "
        "a step that trains k subnets counts once for each. 'outside' is every subnet in no bucket."
    )
    _figure(doc, figure)
    for arch, dataset, mine in _by_group(analysis, analysis["exposure"]):
        labels = list(dict.fromkeys(label for e in mine for label in e["shares"]))
        doc.table(
            ["run", "seeds", *labels],
            [[e["run"], fmt.seeds(e["seeds"]), *(fmt.share(e["shares"].get(label)) for label in labels)] for e in mine],
            _group_title(arch, dataset),
        )


HISTOGRAM_TABLE_BINS = 40
"""At most this many bins with steps get the per-bin table; beyond it the table would not be compact."""


def _over_seeds(iv: dict[str, Any], show: Any, seeds: list[int]) -> str:
    """A mean-over-seeds interval, or ``one seed`` where there is only one."""
    return "one seed" if len(seeds) == 1 else fmt.interval(iv, show)


def _spread_section(doc: Document, analysis: dict[str, Any]) -> None:
    entries = analysis.get("spread") or []
    if not entries:
        return
    doc.heading("Whole-population spread")
    doc.paragraph(
        "Spread of each run's whole evaluated population (all buckets together) per seed, then the mean over seeds with "
        "a 95% bootstrap CI over seeds ('one seed': none). Std, best-k and worst-k means (the k most and least accurate "
        "subnets) and the range (best minus worst) in % or pp, variance in pp²."
    )
    for arch, dataset, mine in _by_group(analysis, entries):
        rows = []
        for e in mine:
            a, seeds = e["across_seeds"], e["seeds"]
            rows.append(
                [
                    e["run"], fmt.seeds(seeds), ", ".join(str(s["n"]) for s in e["per_seed"]), ", ".join(str(s["k"]) for s in e["per_seed"]),
                    fmt.percent(a["std"]["estimate"]), _over_seeds(a["std"], fmt.percent, seeds),
                    fmt.variance_points(a["variance"]["estimate"]),
                    fmt.percent(a["best_k_mean"]["estimate"]), _over_seeds(a["best_k_mean"], fmt.percent, seeds),
                    fmt.percent(a["worst_k_mean"]["estimate"]), _over_seeds(a["worst_k_mean"], fmt.percent, seeds),
                    fmt.percent(a["range"]["estimate"]), _over_seeds(a["range"], fmt.percent, seeds),
                ]
            )
        doc.table(
            ["run", "seeds", "subnets", "k", "std", "95% CI", "var", "best-k mean", "95% CI", "worst-k mean", "95% CI", "range", "95% CI"],
            rows,
            f"{_group_title(arch, dataset)}: mean over seeds",
        )
        if any(len(e["per_seed"]) > 1 for e in mine):
            doc.table(
                ["run", "seed", "subnets", "k", "std", "var", "best-k mean", "worst-k mean", "best", "worst", "range"],
                [
                    [
                        e["run"], str(s["seed"]), str(s["n"]), str(s["k"]), fmt.percent(s["std"]), fmt.variance_points(s["variance"]),
                        fmt.percent(s["best_k_mean"]), fmt.percent(s["worst_k_mean"]), fmt.percent(s["best"]),
                        fmt.percent(s["worst"]), fmt.percent(s["range"]),
                    ]
                    for e in mine
                    for s in e["per_seed"]
                ],
                f"{_group_title(arch, dataset)}: per seed",
            )
        doc.bullets(
            [f"{e['run']}: {e['interval_note']}" for e in mine if e["interval_note"]]
            + [f"{e['run']}: {note}" for e in mine for note in e["notes"]]
        )


def _profile_section(doc: Document, analysis: dict[str, Any]) -> None:
    entries = analysis.get("accuracy_profile") or []
    if not entries:
        return
    doc.heading("Accuracy profile across buckets")
    doc.paragraph(
        "Mean test accuracy (%) per bucket, mean over seeds (one seed: that seed's subnet mean), and the peak bucket "
        "(largest mean) overall and per seed, to show where a run's population is best and whether the seeds agree. "
        "The intervals over seeds are in report.json (accuracy_profile) and equal the accuracy table's mean of seed means."
    )
    for arch, dataset, mine in _by_group(analysis, entries):
        targets = {label: target for e in mine for label, target in zip(e["buckets"], e["targets"])}
        labels = sorted(targets, key=lambda label: (targets[label] is None, targets[label] or 0.0))
        doc.table(
            ["run", "seeds", *labels, "peak", "peak per seed", "seeds agree"],
            [
                [
                    e["run"], fmt.seeds(e["seeds"]),
                    *(fmt.percent(e["mean"][label]["estimate"]) if label in e["mean"] else fmt.MISSING for label in labels),
                    e["peak"] + (f" (tied: {', '.join(e['peak_ties'])})" if len(e["peak_ties"]) > 1 else ""),
                    ", ".join(e["seed_peaks"]),
                    "one seed" if len(e["seeds"]) == 1 else ("yes" if e["seeds_agree_on_peak"] else "no"),
                ]
                for e in mine
            ],
            _group_title(arch, dataset),
        )
        doc.bullets(
            [f"{e['run']}: {e['note']}" for e in mine if e["note"]]
            + [
                f"{e['run']}: buckets {', '.join(e['incomplete_buckets'])} are evaluated by only some seeds (averaged over those)"
                for e in mine
                if e["incomplete_buckets"]
            ]
        )


def _exposure_range_section(doc: Document, analysis: dict[str, Any], figure: FigureFile | None) -> None:
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
    _figure(doc, figure)
    for arch, dataset, mine in _by_group(analysis, entries):
        first = mine[0]
        doc.paragraph(
            f"{_group_title(arch, dataset)}: bins {fmt.number(first['low'])} to {fmt.number(first['high'])} MFLOPs, "
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
        doc.table(["run", "seeds", "bins with steps", "modal bin", "its share", "below", "above"], rows, f"{_group_title(arch, dataset)}: summary")
        used = [i for i in range(len(first["labels"])) if any(e["shares"][i] > 0 for e in mine)]
        if used and len(used) <= HISTOGRAM_TABLE_BINS:
            doc.table(
                ["MFLOP bin", *(e["run"] for e in mine)],
                [[first["labels"][i], *(fmt.share(e["shares"][i]) for e in mine)] for i in used],
                f"{_group_title(arch, dataset)}: bins with steps",
            )
        elif used:
            doc.paragraph(f"{len(used)} bins have steps; the per-bin shares are in report.json (exposure_range).")
        targets = list(dict.fromkeys(label for e in mine for label in e["smoothed"]["targets"]))
        doc.table(
            ["run", "seeds", *targets],
            [[e["run"], fmt.seeds(e["seeds"]), *(fmt.share(e["smoothed"]["shares"].get(label)) for label in targets)] for e in mine],
            f"{_group_title(arch, dataset)}: smoothed exposure at the buckets (bandwidth {fmt.number(first['smoothed']['bandwidth'])} MFLOPs)",
        )


def _interference_section(doc: Document, analysis: dict[str, Any], figure: FigureFile | None) -> None:
    entries = analysis.get("interference") or []
    if not entries:
        return
    doc.heading("Interference measured while training")
    doc.paragraph(
        "What the interference probe saw: a fixed panel of probe subnets and a fixed batch of training images, measured "
        "before and after the updates of every N-th step. Hurt: the share of probe updates, on steps that trained other "
        "subnets than the probe, after which the probe's loss on the probe batch rose; that is interference made "
        "visible, a step on some subnets making another worse. Cosine: between the update and the probe's descent "
        "direction on its weights (> 0 the step helped it to first order, < 0 pushed it uphill). Pairwise: the cosine "
        "between the gradients of the subnets one step summed (runs training one subnet per step have none). Mean over "
        "seeds with a 95% bootstrap CI over seeds; changes are in loss units (nats)."
    )
    _figure(doc, figure)
    for arch, dataset, mine in _by_group(analysis, entries):
        rows = []
        for e in mine:
            a, seeds = e["across_seeds"], e["seeds"]
            rows.append(
                [
                    e["run"], fmt.seeds(seeds), str(sum(s["probed_steps"] for s in e["per_seed"])),
                    fmt.share(a["hurt_share"]["estimate"]), _over_seeds(a["hurt_share"], fmt.share, seeds),
                    fmt.number(a["mean_cosine"]["estimate"]), _over_seeds(a["mean_cosine"], fmt.number, seeds),
                    fmt.number(a["mean_measured_change"]["estimate"], 4), fmt.number(a["mean_predicted_change"]["estimate"], 4),
                    fmt.number(a["pairwise_cosine"]["estimate"]), _over_seeds(a["pairwise_cosine"], fmt.number, seeds),
                ]
            )  # fmt: skip
        doc.table(
            ["run", "seeds", "probed steps", "hurt", "95% CI", "cosine", "95% CI", "measured change", "predicted change", "pairwise cosine", "95% CI"],
            rows,
            f"{_group_title(arch, dataset)}: probe updates",
        )
        labels = list(dict.fromkeys(label for e in mine for label in e["by_probe"]))
        doc.table(
            ["run", *(f"hurt {label}" for label in labels)],
            [[e["run"], *(fmt.share((e["by_probe"].get(label) or {}).get("hurt_share")) for label in labels)] for e in mine],
            f"{_group_title(arch, dataset)}: share of updates that hurt each probe (mean over seeds)",
        )


def _ranking_section(doc: Document, analysis: dict[str, Any], figure: FigureFile | None) -> None:
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
            f"{_group_title(r['arch'], r['dataset'])}: {len(r['subnets'])} reference subnets evaluated "
            f"({r['evaluated_cells']} of {r['planned_cells']} reference cells), trained {', '.join(map(str, r['epochs']))} epochs, "
            f"seeds {fmt.seeds(r['seeds'])}."
        )
    _figure(doc, figure)
    for arch, dataset, mine in _by_group(analysis, entries):
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
                        over("kendall_tau"), _over_seeds(a.get("kendall_tau"), fmt.number, seeds) if a.get("kendall_tau") else fmt.MISSING,
                        fmt.number(mean.get("kendall_tau")), fmt.interval(mean.get("kendall_tau_ci")),
                        over("spearman_rho"), over("pearson_r"),
                        f"{over('precision_at_k')} (k {scope['k']})", over("top_pick_rank"),
                    ]
                )  # fmt: skip
        doc.table(
            ["run", "scope", "subnets", "seeds", "tau", "95% CI (seeds)", "tau of seed mean", "95% CI (subnets)", "rho", "r", "precision at k", "rank of top pick"],
            rows,
            f"{_group_title(arch, dataset)}: inherited against stand-alone accuracy (mean over seeds)",
        )
    for arch, dataset, mine in _by_group(analysis, agreement):
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
            f"{_group_title(arch, dataset)}: agreement of two runs' inherited rankings on every subnet both evaluated (Kendall's tau, mean over seeds)",
        )


def _method_section(doc: Document, analysis: dict[str, Any]) -> None:
    method = analysis["method"]
    suite = analysis["suite"]
    doc.heading("Method")
    evaluation = method.get("evaluation") or {}
    items = [
        f"FLOPs: {method['flops_definition']}.",
        f"Training seeds: {fmt.seeds(method['seeds'])}. Seeds are the unit of replication; subnets are nested within seeds. "
        "All runs with one seed start from the same initial weights and see the same data order (every random stream of a cell "
        "is derived from its seed alone).",
        f"Baseline: {suite['baseline'] or 'none'}; runs: {', '.join(suite['runs'])}.",
    ]
    if evaluation:
        items.append(
            "Evaluation: buckets "
            + ", ".join(fmt.number(b) for b in evaluation.get("buckets", []))
            + f" MFLOPs ± {fmt.number(evaluation.get('tolerance'))}; {evaluation.get('per_bucket')} subnets per bucket drawn "
            f"({evaluation.get('mode')} mode, {evaluation.get('base')} base distribution) with evaluation seed {evaluation.get('seed')}, "
            "the same subnets for every run; BN statistics recalibrated on "
            f"{evaluation.get('recalibration_images')} training images in batches of {evaluation.get('recalibration_batch_size')} "
            + (
                "(drawn with the evaluation seed and augmented once with each cell's training augmentation, as OFA; "
                if evaluation.get("calibration_transform") == "train"
                else "(drawn with the evaluation seed, with test-time preprocessing, no augmentation; "
            )
            + "the equal-weight average of "
            "batch means and biased batch variances, as OFA's set_running_statistics) for each subnet."
        )
    for entry in method.get("protocols", []):
        items.append(
            f"Protocol {entry['protocol']} (runs {', '.join(entry['runs'])}): its values and their sources are listed by "
            f"`nasbench-rss protocols {entry['protocol']}` and compared with the paper and OFA in docs/fidelity.md."
        )
    for p in method["populations"]:
        items.append(
            f"{_group_title(p['arch'], p['dataset'])}: subnets span {fmt.number(p['min_mflops'])} to {fmt.number(p['max_mflops'])} MFLOPs; "
            f"tested on {p['test_images']} images, BN calibrated on {p['calibration_images']}."
        )
    stats = method["statistics"]
    items.append(
        f"Statistics: pairing {stats['pairing']}; {stats['holm_family']}; bootstrap intervals at level {stats['level']:g} "
        f"with {stats['bootstrap_resamples']} resamples (seed {stats['bootstrap_seed']})."
    )
    for entry in method["shared_streams"]:
        items.append(
            f"Shared sampler stream: {', '.join(entry['runs'])} on {_group_title(entry['arch'], entry['dataset'])} use sampler "
            f"{entry['sampler']} with the same options, so at each seed they draw the same subnet sequence (the shorter run's is "
            "the start of the longer's)."
        )
    git = method.get("git") or {}
    if git.get("commit"):
        items.append(f"Code: git commit {git['commit']}" + (" with uncommitted changes (dirty)." if git.get("dirty") else " (clean)."))
    else:
        items.append("Code: not a git checkout; the package version identifies it.")
    if method.get("versions"):
        items.append("Versions: " + ", ".join(f"{k} {v}" for k, v in method["versions"].items() if v is not None) + ".")
    device = method.get("device") or {}
    if device:
        items.append(
            f"Device: {device.get('name')} ({device.get('type')}, requested {device.get('requested')}, count {device.get('count')}, "
            f"{device.get('cpu_threads')} CPU threads)."
        )
    host = method.get("host") or {}
    if host:
        items.append(f"Host: {host.get('name')}, {host.get('platform')}, {host.get('cpu_count')} CPUs.")
    for env in method.get("cell_environments", []):
        items.append("Cells trained with " + ", ".join(f"{k} {v}" for k, v in env.items()) + ".")
    for code in method.get("cell_code", []):
        items.append(f"Cells trained by the code of {code}.")
    if method.get("cell_plugins"):
        items.append("Plugins the cells used: " + "; ".join(method["cell_plugins"]) + ".")
    for change in method.get("resumed_under_changes", []):
        items.append(
            f"Warning: {change['cell']} was resumed after epoch {change['epochs_done']} under a changed environment "
            f"({'; '.join(change['changes'])}): its training mixes the two."
        )
    if method.get("mixed_environments"):
        items.append(
            "Mixed environments: cells of this directory were made with different "
            + ", ".join(method["mixed_environments"])
            + " (see the invocations below and manifest.json)."
        )
    for inv in method.get("invocations", []):
        items.append(f"Invocation {inv.get('started')} to {inv.get('ended') or '?'}: {inv.get('status')}.")
    doc.bullets(items)
