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

:data:`SECTION` is this part of the report as one unit (:mod:`nasbench_rss.report.section`): its
``compute``, its ``render`` into the document and the key of its figure.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pydantic

from nasbench_rss.analysis.evidence import Evidence, RunEvidence
from nasbench_rss.claims.base import ClaimTest, untestable
from nasbench_rss.claims.plugin import build_claim
from nasbench_rss.errors import NasbenchError
from nasbench_rss.plugins import PluginRegistry, UnknownName, get_registry
from nasbench_rss.report import format as fmt
from nasbench_rss.report.document import Document
from nasbench_rss.report.findings import ALPHA
from nasbench_rss.report.section import Analysis, Section
from nasbench_rss.run.results import RunDirectory
from nasbench_rss.stats import holm
from nasbench_rss.validation import error_text

if TYPE_CHECKING:  # matplotlib is imported only when figures are drawn
    from nasbench_rss.report.figures import FigureFile

__all__ = ["HOLM_FAMILY", "SECTION", "VERDICTS", "build_claim", "claims_section", "run_claims", "verdict_cell"]

HOLM_FAMILY = "Holm's correction across all of the suite's claims (separately for the p-values for and against the claims)"
VERDICTS = ("supported", "contradicted", "inconclusive", "not tested")


def claims_section(evidence: RunEvidence, registry: PluginRegistry | None = None) -> dict[str, Any]:
    """The ``claims`` section of the analysis: the suite's claims (its manifest's ``suite.claims``), each
    tested on every group's evidence with its kind from ``registry`` (default: the installed plugins)."""
    declared = evidence.suite.get("claims") or []
    section: dict[str, Any] = {"alpha": ALPHA, "holm_family": HOLM_FAMILY, "results": [], "available": bool(declared)}
    if not declared:
        section["reason"] = "the suite declares no claims (add `claims:` to the suite to have them tested)"
        return section
    registry = registry or get_registry()
    groups = [evidence.group(arch, dataset) for arch, dataset in evidence.groups]
    results = [_test(index, claim, groups, registry) for index, claim in enumerate(declared)]
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
    return claims_section(RunEvidence(run), registry)


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
        "convergence": [],
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
    row["convergence"] = convergence_notes(row["options"], evidence)
    return row


def convergence_notes(options: Any, evidence: list[Evidence]) -> list[str]:
    """What the claim rests on, for its runs whose curves were measured: each run that had not converged, or whose
    convergence could not be judged, in the words of :meth:`~nasbench_rss.analysis.curves.Convergence.words`."""
    notes = []
    for group in evidence:
        for run in runs_named(options, list(group.curves)):
            state = group.convergence(run)
            if state.converged is False:
                notes.append(f"not converged: {state.words()}")
            elif state.converged is None:
                notes.append(state.words())
    return list(dict.fromkeys(notes))


def runs_named(options: Any, runs: list[str]) -> list[str]:
    """The runs among ``runs`` that a claim's options name (as a value or in a list), in the order named."""
    found: list[str] = []
    values = list(options.values()) if isinstance(options, dict) else []
    while values:
        value = values.pop(0)
        if isinstance(value, str) and value in runs and value not in found:
            found.append(value)
        elif isinstance(value, (list, tuple)):
            values[:0] = list(value)
        elif isinstance(value, dict):
            values[:0] = list(value.values())
    return found


def _verdict(row: dict[str, Any]) -> tuple[str, str]:
    p_for, p_against = row.get("p_for_holm", math.nan), row.get("p_against_holm", math.nan)
    if math.isnan(row["p_for"]):
        return "not tested", f"not tested: {row.get('note') or 'nothing to test it on'}"
    if p_for < ALPHA:
        return "supported", f"supported (Holm-adjusted p = {fmt.p_value(p_for)} < {ALPHA:g}; {row['basis']})" + _resting_on(row)
    if not math.isnan(p_against) and p_against < ALPHA:
        return "contradicted", f"contradicted: the opposite holds (Holm-adjusted p = {fmt.p_value(p_against)} < {ALPHA:g}; {row['basis']})" + _resting_on(row)
    return "inconclusive", f"inconclusive (Holm-adjusted p = {fmt.p_value(p_for)}, opposite {fmt.p_value(p_against)}; {row['basis']})" + _resting_on(row)


def verdict_cell(row: dict[str, Any]) -> str:
    """A claims table's verdict: the verdict, then each of its runs that had not converged (or could not be judged)."""
    return row["verdict"] + "".join(f" ({note})" for note in row.get("convergence") or [])


def _resting_on(row: dict[str, Any]) -> str:
    """The verdict's populations that had not converged (or could not be judged), when curves were measured."""
    notes = row.get("convergence") or []
    return f"; {'; '.join(notes)}" if notes else ""


def render_claims(doc: Document, analysis: Analysis, figure: FigureFile | None) -> None:
    """The suite's claims first: what the paper says, what this run shows, and the verdict."""
    section = analysis.get("claims") or {}
    results = section.get("results") or []
    if not results:
        return
    doc.heading("Claims")
    doc.table(
        ["#", "claim", "source", "statistic", "p (Holm)", "verdict"],
        [
            [
                str(r["index"] + 1), r["claim"], r["source"], r.get("statistic") or fmt.MISSING, fmt.p_value(r.get("p_for_holm")),
                verdict_cell(r),
            ]  # fmt: skip
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


SECTION = Section("claims", lambda inputs: claims_section(inputs.evidence, inputs.registry), render_claims)
