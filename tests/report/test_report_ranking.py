"""The ranking section and the ranking claim on planted accuracies: every number against scipy."""

from __future__ import annotations

from pathlib import Path

import pytest
import scipy.stats

from nasbench_rss.claims import options as o
from nasbench_rss.claims.kinds import RankingClaim
from nasbench_rss.analysis.populations import Bootstrap, Subnet
from nasbench_rss.analysis.ranking import rank_runs
from nasbench_rss.report.ranking import ranking
from nasbench_rss.run.results import CellRecord
from tests.claims.evidence import make_evidence

GROUP = ("mobilenet-v3", "synthetic")
LABELS = ("4", "6")
PER_BUCKET = 4  # references per bucket
FACTS = [{"arch": GROUP[0], "dataset": GROUP[1], "buckets": [{"label": b, "status": "evaluated"} for b in LABELS]}]
BOOTSTRAP = Bootstrap(seed=0, resamples=500)


def stand_alone(label: str, index: int) -> float:
    return 0.5 + 0.1 * LABELS.index(label) + 0.01 * index


def inherited(run: str, seed: int, label: str, index: int) -> float:
    """good: the stand-alone order (at seed 1 with subnets 0 and 1 of bucket 4 swapped); bad: bucket 4 reversed.
    Both evaluate 2 more subnets per bucket than are referenced."""
    if run == "bad" and label == "4":
        return 0.3 - 0.01 * index + 0.001 * seed
    if seed == 1 and label == "4" and index in (0, 1):
        index = 1 - index
    return 0.3 + 0.05 * LABELS.index(label) + 0.01 * index + 0.001 * seed * (index % 2)


def reference_cell(label: str, index: int, seed: int = 0) -> CellRecord:
    record = {"encoding": f"enc-{label}-{index}", "mflops": float(label), "accuracy": stand_alone(label, index), "loss": 1.0, "seconds": 0.1}
    return CellRecord(
        id=f"{GROUP[0]}/{GROUP[1]}/references/enc-{label}-{index}/seed{seed}", run="references", arch=GROUP[0], dataset=GROUP[1],
        seed=seed, epochs=3, directory=Path("."), config={}, evaluation={}, status="complete", epochs_done=3, result={},
        failure=None, population={"stand_alone": record}, kind="reference", subnet=record["encoding"], buckets=(label,),
    )  # fmt: skip


def populations(runs=("good", "bad"), seeds=(0, 1, 2)):
    return {
        (*GROUP, run): {
            seed: {label: [Subnet(label, i, f"enc-{label}-{i}", float(label), inherited(run, seed, label, i)) for i in range(PER_BUCKET + 2)] for label in LABELS}
            for seed in seeds
        }
        for run in runs
    }


@pytest.fixture(scope="module")
def section():
    references = [reference_cell(label, i) for label in LABELS for i in range(PER_BUCKET)]
    return ranking(references, populations(), [GROUP], ["good", "bad"], FACTS, BOOTSTRAP)


def scope(section, run, name):
    entry = next(e for e in section["runs"] if e["run"] == run)
    return next(s for s in entry["scopes"] if s["scope"] == name)


def test_per_seed_measures_are_scipys_on_the_referenced_subnets(section):
    for run in ("good", "bad"):
        for seed in (0, 1, 2):
            predicted = [inherited(run, seed, label, i) for label in LABELS for i in range(PER_BUCKET)]
            truth = [stand_alone(label, i) for label in LABELS for i in range(PER_BUCKET)]
            entry = next(e for e in scope(section, run, "all")["per_seed"] if e["seed"] == seed)
            assert entry["n"] == 2 * PER_BUCKET
            assert entry["kendall_tau"] == pytest.approx(scipy.stats.kendalltau(predicted, truth).statistic)
            assert entry["spearman_rho"] == pytest.approx(scipy.stats.spearmanr(predicted, truth).statistic)
            assert entry["pearson_r"] == pytest.approx(scipy.stats.pearsonr(predicted, truth).statistic)
    assert scope(section, "good", "4")["per_seed"][0]["kendall_tau"] == pytest.approx(1.0)
    assert scope(section, "bad", "4")["per_seed"][0]["kendall_tau"] == pytest.approx(-1.0)
    assert scope(section, "bad", "4")["per_seed"][0]["top_pick_rank"] == PER_BUCKET  # its pick is the worst reference
    assert scope(section, "good", "6")["per_seed"][0]["precision_at_k"] == 1.0


def test_across_seeds_and_seed_mean(section):
    all_good = scope(section, "good", "all")
    taus = [e["kendall_tau"] for e in all_good["per_seed"]]
    assert all_good["across_seeds"]["kendall_tau"]["estimate"] == pytest.approx(sum(taus) / 3)
    assert all_good["seed_mean"]["n"] == 2 * PER_BUCKET
    ci = all_good["seed_mean"]["kendall_tau_ci"]
    assert ci["low"] - 1e-12 <= all_good["seed_mean"]["kendall_tau"] <= ci["high"] + 1e-12 and ci["n"] == 2 * PER_BUCKET
    assert {p["encoding"] for p in next(e for e in section["runs"] if e["run"] == "good")["points"]} == {
        f"enc-{label}-{i}" for label in LABELS for i in range(PER_BUCKET)
    }


def test_agreement_of_two_runs_is_tau_on_every_shared_subnet(section):
    (entry,) = section["agreement"]
    assert entry["runs"] == ["good", "bad"]
    four = next(s for s in entry["scopes"] if s["scope"] == "4")
    good = [inherited("good", 1, "4", i) for i in range(PER_BUCKET + 2)]
    bad = [inherited("bad", 1, "4", i) for i in range(PER_BUCKET + 2)]
    assert four["per_seed"]["1"]["n"] == PER_BUCKET + 2  # the whole evaluation list, not only the references
    assert four["per_seed"]["1"]["kendall_tau"] == pytest.approx(scipy.stats.kendalltau(good, bad).statistic)


def test_no_references_no_ranking_but_agreement():
    section = ranking([], populations(), [GROUP], ["good", "bad"], FACTS, BOOTSTRAP)
    assert section["references"] == [] and section["runs"] == [] and len(section["agreement"]) == 1


def claim(**options) -> RankingClaim:
    return RankingClaim(o.RankingOptions(**options))


def evidence_with_ranking():
    evidence = make_evidence(["good", "bad"], lambda *a: 0.5)
    references = [reference_cell(label, i) for label in LABELS for i in range(PER_BUCKET)]
    evidence.ranking.update(rank_runs(references, populations(), [GROUP], ["good", "bad"], FACTS).measures(*GROUP))
    return evidence


def test_ranking_claim_verdicts():
    evidence = evidence_with_ranking()
    better = claim(run="good", than="bad", scope=4).evaluate(evidence)
    assert better.p_for < 0.05 and better.estimate == pytest.approx((2 + 2 + (1 + 4 / 6)) / 3)
    assert claim(run="bad", than="good", scope=4).evaluate(evidence).p_against < 0.05
    rank = claim(run="good", than="bad", measure="top-pick-rank", scope=4).evaluate(evidence)
    assert rank.estimate == pytest.approx(1 - PER_BUCKET)  # lower is better: good's pick is the best, bad's the worst
    assert rank.p_for == pytest.approx(0.125)  # the same at every seed: the sign test of three agreeing seeds
    bound = claim(run="good", value=0.5, scope="all").evaluate(evidence)
    assert bound.p_for < 0.05 and "bound 0.5" in bound.statistic
    assert "no evaluated stand-alone references" in claim(run="good", than="bad").evaluate(make_evidence(["good"], lambda *a: 0.5)).note


def test_ranking_claim_options_are_checked():
    with pytest.raises(ValueError, match="exactly one of than"):
        o.RankingOptions(run="rss")
    with pytest.raises(ValueError, match="exactly one of than"):
        o.RankingOptions(run="rss", than="ofa", value=0.3)
    assert o.RankingOptions(run="rss", than="ofa", scope=8).bucket_fields() == [(("scope",), 8.0)]
