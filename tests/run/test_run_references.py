"""A suite with stand-alone references, run end to end: reference cells, the Ranking section, a ranking claim, export."""

from __future__ import annotations

import pytest
import json

from tests.run.run_helpers import cli, suite_text

from nasbench_rss.arch.static import load_metadata, load_network
from nasbench_rss.run import EXIT_OK, open_run

RUNS = "  rss: {sampler: rss, epochs: 2}\n  rss-short: {sampler: rss, epochs: 1}\n"
EXTRA = """\
baseline: rss-short
references: {per_bucket: 2, epochs: 2}
claims:
  - ranking: {run: rss, than: rss-short}
    source: a test
"""


@pytest.mark.slow
def test_references_train_rank_and_export(tmp_path):
    suite = tmp_path / "suite.yaml"
    suite.write_text(suite_text(name="ranked", seeds="[0, 1]", runs=RUNS) + EXTRA)
    out = tmp_path / "out"
    run = cli("run", str(suite), "--out", str(out), "--jobs", "2")
    assert run.returncode == EXIT_OK, run.stderr[-3000:]
    directory = open_run(out)
    references = directory.references()
    # buckets 3, 5, 7 reachable, two references each, one seed; the runs' cells are the others
    assert len(references) == 6 and {c.seed for c in references} == {0}
    assert len(directory.run_cells()) == 4 and all(c.evaluated for c in directory.cells())
    for cell in references:
        record = cell.population["stand_alone"]
        assert record["encoding"] == cell.subnet
        assert [s["encoding"] for b in cell.population["buckets"] for s in b["subnets"]] == [cell.subnet] * len(cell.buckets)
    report = json.loads((out / "report" / "report.json").read_text())
    ranked = {(e["run"]): e for e in report["ranking"]["runs"]}
    assert set(ranked) == {"rss", "rss-short"}
    assert {s["scope"] for s in ranked["rss"]["scopes"]} == {"3", "5", "7", "all"}
    assert report["cells"]["planned"] == 10 and report["suite"]["runs"] == ["rss", "rss-short"]  # references are no run
    markdown = (out / "report" / "report.md").read_text()
    assert "## Ranking" in markdown and "](ranking.png)" in markdown and (out / "report" / "ranking.png").exists()
    (result,) = report["claims"]["results"]
    assert result["verdict"] != "not tested" and result["statistic"].startswith("kendall-tau over all: rss - rss-short")

    cell = next(c for c in directory.run_cells() if c.run == "rss" and c.seed == 0)
    exported = cli("export", str(cell.directory), "--best-in-bucket", "5", "--out", str(tmp_path / "best.pt"), "--json")
    assert exported.returncode == EXIT_OK, exported.stderr
    metadata = json.loads(exported.stdout)
    bucket = next(b for b in cell.population["buckets"] if b["label"] == "5")
    assert metadata["test"]["accuracy"] == max(s["accuracy"] for s in bucket["subnets"])
    assert load_metadata(tmp_path / "best.pt")["subnet"] == metadata["subnet"]
    assert not load_network(tmp_path / "best.pt").training
    refused = cli("export", str(cell.directory), "3333-3333-3333-3333", "--out", str(tmp_path / "x.pt"))
    assert refused.returncode != EXIT_OK and "4 stages; mobilenet-v3 has 5" in refused.stderr
