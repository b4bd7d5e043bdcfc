"""The suite's claims tested on a run directory: statistic, Holm-adjusted p and verdict per claim.

Each claim (``claims:`` in the suite, recorded in the run's manifest) is built from its
kind's plugin and tested on every (architecture, dataset) group; a claim must hold in
every group, so its p-value for the claim is the largest group's (intersection-union)
and for the opposite the smallest times the number of groups (Bonferroni).  Holm's
correction is then applied across all the suite's claims, once to the p-values for the
claims and once to those against them.  The verdict, in plain words:

- **supported**: the Holm-adjusted p for the claim is below ``ALPHA``;
- **contradicted**: the Holm-adjusted p for its opposite is below ``ALPHA``;
- **inconclusive**: neither (too few seeds, too small an effect, seeds that disagree);
- **not tested**: the run directory holds nothing the claim can be tested on (the reason says why).
"""

from __future__ import annotations

import math
from typing import Any

import pydantic

from nasbench_rss.claims.base import CellTime, ClaimTest, Evidence, untestable
from nasbench_rss.errors import NasbenchError
from nasbench_rss.plugins import PluginRegistry, UnknownName, get_registry
from nasbench_rss.report import format as fmt
from nasbench_rss.report.findings import ALPHA
from nasbench_rss.report.interference import probe_summaries
from nasbench_rss.analysis.populations import Group, Population, buckets_of
from nasbench_rss.report.ranking import ranking_evidence
from nasbench_rss.run.results import CellRecord, RunDirectory
from nasbench_rss.stats import holm
from nasbench_rss.validation import error_text

HOLM_FAMILY = "Holm's correction across all of the suite's claims (separately for the p-values for and against the claims)"
VERDICTS = ("supported", "contradicted", "inconclusive", "not tested")


def claims_section(
    declared: list[dict[str, Any]],
    cells: list[CellRecord],
    pops: dict[tuple[str, str, str], Population],
    groups: list[Group],
    facts: list[dict[str, Any]],
    times: dict[str, CellTime] | None = None,
    registry: PluginRegistry | None = None,
    probed: dict[str, dict[str, Any]] | None = None,
    ranked: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``claims`` section of the analysis (``declared``: the manifest's ``suite.claims``; ``times`` and
    ``probed``, the cells' training times and probe summaries, are read from the cells when not given;
    ``ranked`` is the ranking section, none without references)."""
    section: dict[str, Any] = {"alpha": ALPHA, "holm_family": HOLM_FAMILY, "results": [], "available": bool(declared)}
    if not declared:
        section["reason"] = "the suite declares no claims (add `claims:` to the suite to have them tested)"
        return section
    registry = registry or get_registry()
    times = claim_times(cells) if times is None else times
    probed = probe_summaries(cells) if probed is None else probed
    evidence = [_evidence(arch, dataset, cells, pops, facts, times, probed, ranked or {}) for arch, dataset in groups]
    results = [_test(index, claim, evidence, registry) for index, claim in enumerate(declared)]
    for side in ("p_for", "p_against"):
        adjusted = holm([r[side] for r in results])
        for r, p in zip(results, adjusted):
            r[f"{side}_holm"] = p
    for r in results:
        r["verdict"], r["verdict_words"] = _verdict(r)
    section["results"] = results
    section["counts"] = {v: sum(1 for r in results if r["verdict"] == v) for v in VERDICTS}
    return section


def run_claims(run: RunDirectory, registry: PluginRegistry | None = None) -> dict[str, Any]:
    """The claims section of ``run`` alone (what ``nasbench-rss claims`` tabulates), without the rest of the analysis."""
    from nasbench_rss.analysis.populations import bucket_facts, populations, unique
    from nasbench_rss.report.ranking import ranking

    every_cell = run.cells()  # read once: the runs' cells and the references
    cells = [cell for cell in every_cell if cell.kind == "run"]
    groups = unique((cell.arch, cell.dataset) for cell in cells)
    claims = (run.manifest.get("suite") or {}).get("claims") or []
    pops, facts = populations(cells), bucket_facts(cells, groups)
    ranked = ranking([c for c in every_cell if c.kind == "reference"], pops, groups, unique(c.run for c in cells), facts, bootstrap=None)  # per-seed measures only
    return claims_section(claims, cells, pops, groups, facts, registry=registry, ranked=ranked)


def claim_times(cells: list[CellRecord]) -> dict[str, CellTime]:
    """Cell id -> its training time (wall, CPU, contended epochs), from the training-time section's rows."""
    from nasbench_rss.report.timing import cell_times

    return {
        row["id"]: CellTime(row["train_seconds"], row["train_cpu_seconds"], len(row["contention"]["contended"]), row["epochs"])
        for row in cell_times(cells)
    }


def _evidence(
    arch: str,
    dataset: str,
    cells: list[CellRecord],
    pops: dict[tuple[str, str, str], Population],
    facts: list[dict[str, Any]],
    times: dict[str, CellTime],
    probed: dict[str, dict[str, Any]],
    ranked: dict[str, Any],
) -> Evidence:
    group_cells = [c for c in cells if (c.arch, c.dataset) == (arch, dataset)]
    trained: dict[str, dict[int, list[tuple[float, int]]]] = {}
    cell_time: dict[str, dict[int, CellTime]] = {}
    interference: dict[str, dict[int, dict[str, Any]]] = {}
    for cell in group_cells:
        if cell.id in probed:
            interference.setdefault(cell.run, {})[cell.seed] = probed[cell.id]
        exposure = (cell.result or {}).get("exposure") or {}
        if exposure.get("subnets"):
            trained.setdefault(cell.run, {})[cell.seed] = [(float(s["mflops"]), int(s["steps"])) for s in exposure["subnets"]]
        if cell.id in times:
            cell_time.setdefault(cell.run, {})[cell.seed] = times[cell.id]
    return Evidence(
        arch=arch,
        dataset=dataset,
        populations={run: pop for (a, d, run), pop in pops.items() if (a, d) == (arch, dataset)},
        buckets=buckets_of(facts, arch, dataset),
        trained=trained,
        times=cell_time,
        interference=interference,
        ranking=ranking_evidence(ranked, arch, dataset),
    )


def build_claim(declared: dict[str, Any], registry: PluginRegistry | None = None) -> Any:
    """The claim object of a recorded claim ``{kind, options, ...}``, from its kind's plugin.

    Raises UnknownName when the kind is not installed and pydantic's ValidationError when
    the options do not validate for it.
    """
    entry = (registry or get_registry()).get("claim", declared.get("kind"))
    options = entry.options_model.model_validate(declared.get("options", {})) if entry.options_model else None
    return entry.factory(options)


def _test(index: int, declared: dict[str, Any], evidence: list[Evidence], registry: PluginRegistry) -> dict[str, Any]:
    kind = declared.get("kind")
    row: dict[str, Any] = {
        "index": index,
        "kind": kind,
        "options": declared.get("options", {}),
        "source": declared.get("source", ""),
        "says": declared.get("says", ""),
        "claim": f"{kind} {declared.get('options')}",
        "groups": [],
        "p_for": math.nan,
        "p_against": math.nan,
        "note": None,
    }
    try:
        claim = build_claim(declared, registry)
        row["claim"] = claim.describe()
    except UnknownName:
        row["note"] = f"claim kind {kind!r} is not installed (see `nasbench-rss plugins`): not tested"
        return row
    except pydantic.ValidationError as error:
        options_model = registry.get("claim", kind).options_model
        row["note"] = f"the recorded options no longer validate for claim kind {kind!r}: {error_text(error, options_model, declared.get('options', {}))}"
        return row
    tests: list[ClaimTest] = []
    for group in evidence:
        try:
            test = claim.evaluate(group)
        except NasbenchError as error:
            test = untestable(str(error))
        tests.append(test)
        row["groups"].append({"arch": group.arch, "dataset": group.dataset, **test.to_dict()})
    testable = [t for t in tests if not math.isnan(t.p_for)]
    if len(testable) < len(tests) or not tests:
        notes = "; ".join(f"{g['arch']}/{g['dataset']}: {g['note']}" for g in row["groups"] if g.get("note") and math.isnan(g["p_for"]))
        row["note"] = notes or "not testable"
        row["statistic"] = "; ".join(t.statistic for t in tests) if tests else "not testable"
        row["basis"] = tests[0].basis if tests else "none"
        return row
    row["p_for"] = max(t.p_for for t in tests)
    against = [t.p_against for t in tests if not math.isnan(t.p_against)]
    row["p_against"] = min(1.0, min(against) * len(tests)) if against else math.nan
    row["statistic"] = tests[0].statistic if len(tests) == 1 else "; ".join(f"{g['dataset']}: {t.statistic}" for g, t in zip(row["groups"], tests))
    row["basis"] = tests[0].basis
    notes = [t.note for t in tests if t.note]
    row["note"] = "; ".join(notes) or None
    return row


def _verdict(row: dict[str, Any]) -> tuple[str, str]:
    p_for, p_against = row.get("p_for_holm", math.nan), row.get("p_against_holm", math.nan)
    if math.isnan(row["p_for"]):
        return "not tested", f"not tested: {row.get('note') or 'nothing to test it on'}"
    if p_for < ALPHA:
        return "supported", f"supported (Holm-adjusted p = {fmt.p_value(p_for)} < {ALPHA:g}; {row['basis']})"
    if not math.isnan(p_against) and p_against < ALPHA:
        return "contradicted", f"contradicted: the opposite holds (Holm-adjusted p = {fmt.p_value(p_against)} < {ALPHA:g}; {row['basis']})"
    return "inconclusive", f"inconclusive (Holm-adjusted p = {fmt.p_value(p_for)}, opposite {fmt.p_value(p_against)}; {row['basis']})"


