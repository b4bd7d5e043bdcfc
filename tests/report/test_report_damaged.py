"""Damaged cell files and NaN accuracies: reported by name with the recovery (exit 3), never a traceback or silence."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pytest
from tests.report.helpers import RESAMPLES, has_row, load_json, markdown_rows
from tests.report.run_fixture import PER_BUCKET, Fixture, write_run

from nasbench_rss.cell.directory import EVALUATION_FILE, EVENTS_FILE, INTERFERENCE_FILE, RESULT_FILE
from nasbench_rss.cli import main
from nasbench_rss.exit_codes import EXIT_OK, EXIT_STORAGE
from nasbench_rss.report import write_report

CELL = "mobilenet-v3/synthetic/ofa/seed0"
CLAIMS = """claims:
  - better: {run: rss, than: ofa}
    source: Fig. 3
"""


def cell_dir(run_dir: Path, cell: str = CELL) -> Path:
    manifest = json.loads((run_dir / "manifest.json").read_text())
    return run_dir / next(c["directory"] for c in manifest["cells"] if c["id"] == cell)


def edit_json(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def set_key(key, value):
    return lambda data: data.__setitem__(key, value)


def first_bucket(key, value):
    return lambda data: data["buckets"][0].__setitem__(key, value)


def first_subnet(key, value):
    return lambda data: data["buckets"][0]["subnets"][0].__setitem__(key, value)


def bare_nan(path: Path) -> None:
    """``"train_seconds": NaN`` written into the file as text (JSON has no NaN; Python's reader takes it)."""
    text = path.read_text()
    path.write_text(text.replace('"train_seconds": ', '"train_seconds": NaN, "was": ', 1))


def probe_line(path: Path) -> None:
    good = {"epoch": 0, "step": 0, "trained": [], "probes": [{"probe": "4", "trained": False, "measured_change": 0.1, "cosine": 0.2}]}
    path.write_text(json.dumps(good) + "\n" + json.dumps({"epoch": 0, "step": 5, "probes": "oops"}) + "\n")


CASES = {
    "epoch_seconds null": (RESULT_FILE, lambda p: edit_json(p, set_key("epoch_seconds", None)), "epoch_seconds: None not allowed"),
    "an integer of 400 digits": (RESULT_FILE, lambda p: edit_json(p, set_key("train_seconds", 10**400)), "train_seconds: 1000000"),
    "a bare NaN": (RESULT_FILE, bare_nan, "train_seconds: nan not allowed; allowed: a finite number"),
    "no training time": (RESULT_FILE, lambda p: edit_json(p, set_key("train_seconds", 0)), "train_seconds 0.0 not allowed; allowed: more than 0"),
    "train_macs that do not add up": (
        RESULT_FILE,
        lambda p: edit_json(p, set_key("train_macs", {"subnets": 6, "teacher": 2, "candidates": 0, "total": 9})),
        "train_macs: total 9 not allowed; allowed: subnets + teacher + candidates = 8",
    ),
    'subnets: "oops"': (EVALUATION_FILE, lambda p: edit_json(p, first_bucket("subnets", "oops")), "buckets[0].subnets: 'oops' not allowed"),
    "an accuracy of 400 digits": (EVALUATION_FILE, lambda p: edit_json(p, first_subnet("accuracy", 10**400)), "buckets[0].subnets[0].accuracy: 1000"),
    "a probe line without probes": (INTERFERENCE_FILE, probe_line, ":2: probes: 'oops' not allowed"),
}
RECOVERY = {
    RESULT_FILE: "delete it and rerun: the last checkpoint writes it again without training anything",
    EVALUATION_FILE: "delete it and run `nasbench-rss evaluate RUN_DIR`",
    INTERFERENCE_FILE: "delete the damaged line (or the file)",
}


@pytest.fixture(scope="module")
def damaged_runs(tmp_path_factory):
    """One run directory per case, the first cell of ofa damaged as the case says."""
    runs = {}
    for name, (file, damage, _) in CASES.items():
        run_dir = write_run(tmp_path_factory.mktemp("damaged") / "run", Fixture(seeds=(0,), suite_extra=CLAIMS))
        damage(cell_dir(run_dir) / file)
        runs[name] = run_dir
    return runs


@pytest.mark.parametrize("case", list(CASES))
def test_report_names_the_damaged_file_and_the_recovery_and_exits_3(case, damaged_runs, capsys, default_registry_with_reporters):
    file, _, what = CASES[case]
    run_dir = damaged_runs[case]
    out = io.StringIO()
    code = main(["report", str(run_dir), "--resamples", str(RESAMPLES), "--format", "json,md"], out=out)
    assert code == EXIT_STORAGE
    error = capsys.readouterr().err
    path = cell_dir(run_dir) / file
    assert error.startswith("nasbench-rss report: error: 1 cell has damaged files; the report in ") and "Traceback" not in error
    assert f"{CELL}: {path}" in error and what in error and RECOVERY[file] in error
    assert str(run_dir / "report" / "report.json") in out.getvalue()  # written, without what the file holds

    data = load_json(run_dir / "report" / "report.json")
    [damage] = data["cells"]["damaged"]
    assert damage["id"] == CELL and damage["problem"].startswith(str(path)) and what in damage["problem"]
    assert data["complete"] is False
    row = next(r for r in data["cells"]["all"] if r["id"] == CELL)
    if file == RESULT_FILE:  # the whole cell is left out
        assert (row["status"], row["trained"], row["evaluated"]) == ("damaged", False, False)
        assert not any(r["id"] == CELL for r in data["training_time"]["cells"])
    elif file == EVALUATION_FILE:  # its training counts, its accuracies do not
        assert (row["status"], row["trained"], row["evaluated"]) == ("damaged", True, False)
        assert any(r["id"] == CELL for r in data["training_time"]["cells"])
    else:  # only the probe's measurements are lost
        assert (row["trained"], row["evaluated"]) == (True, True) and data["interference"] == []
    if file != INTERFERENCE_FILE:
        assert row["reason"].startswith(f"damaged: {path}")
        assert not any(e["run"] == "ofa" for e in data["accuracy"])
    markdown = (run_dir / "report" / "report.md").read_text()
    assert "## Damaged cell files" in markdown and f"- {CELL}: {path}" in markdown


@pytest.mark.parametrize("case", list(CASES))
def test_claims_names_the_damaged_file_and_exits_3(case, damaged_runs, capsys):
    file, _, what = CASES[case]
    out = io.StringIO()
    code = main(["claims", str(damaged_runs[case])], out=out)
    assert code == EXIT_STORAGE
    error = capsys.readouterr().err
    assert error.startswith("nasbench-rss claims: error: 1 cell has damaged files; the claims were tested without")
    assert what in error and RECOVERY[file] in error and "Traceback" not in error
    assert "rss is more accurate than ofa" in out.getvalue()  # the table is still printed


def test_write_report_still_writes_and_returns_the_paths(damaged_runs, registry):
    paths = write_report(damaged_runs["a bare NaN"], formats="json", resamples=RESAMPLES, registry=registry)
    assert any(p.name == "report.json" for p in paths)


def test_odd_event_lines_cost_the_load_rule_not_the_report(tmp_path, default_registry_with_reporters):
    """events.jsonl adds load averages to the times; a line it cannot use is passed over."""
    run_dir = write_run(tmp_path / "run", Fixture(seeds=(0,)))
    odd = [{"event": "epoch", "epoch": [0], "load_average": "high"}, {"event": "epoch", "epoch": 1, "load_average": "high", "threads": "x", "subnets": "y"}]
    (cell_dir(run_dir) / EVENTS_FILE).write_text("".join(json.dumps(line) + "\n" for line in odd))
    assert main(["report", str(run_dir), "--resamples", str(RESAMPLES), "--format", "json"], out=io.StringIO()) == EXIT_OK
    row = next(c for c in load_json(run_dir / "report" / "report.json")["training_time"]["cells"] if c["id"] == CELL)
    assert row["contention"]["problem"] is None and row["contention"]["contended"] == []


def nan_accuracies(data: dict) -> None:
    for bucket in data["buckets"]:
        for index, subnet in enumerate(bucket["subnets"]):
            subnet["accuracy"] = math.nan if index % 2 == 0 else (None if index == 1 else subnet["accuracy"])


def test_nan_accuracies_are_counted_and_shown_not_dropped_in_silence(tmp_path, capsys, default_registry_with_reporters):
    run_dir = write_run(tmp_path / "run", Fixture(seeds=(0,)))
    path = cell_dir(run_dir) / EVALUATION_FILE
    data = json.loads(path.read_text())
    nan_accuracies(data)
    path.write_text(json.dumps(data))  # Python writes the NaNs as bare NaN, the Nones as null
    assert main(["report", str(run_dir), "--resamples", str(RESAMPLES), "--format", "json,md,html"], out=io.StringIO()) == EXIT_OK
    report = load_json(run_dir / "report" / "report.json")
    per_bucket = PER_BUCKET // 2 + 1  # indices 0, 2, 4 are NaN and 1 is null
    evaluated = [b["label"] for b in data["buckets"] if b["status"] == "evaluated"]
    [nan] = report["cells"]["nan_accuracies"]
    assert nan == {
        "id": CELL, "arch": "mobilenet-v3", "dataset": "synthetic", "run": "ofa", "seed": 0,
        "nan": per_bucket * len(evaluated), "subnets": PER_BUCKET * len(evaluated), "buckets": {label: per_bucket for label in evaluated},
    }  # fmt: skip
    assert report["cells"]["evaluated"] == 3 and report["cells"]["damaged"] == []
    ofa = [e for e in report["accuracy"] if e["run"] == "ofa"]
    assert ofa and all(e["pooled"]["n"] == PER_BUCKET - per_bucket for e in ofa)  # the finite ones, the others counted above
    counted = f"{per_bucket * len(evaluated)} of {PER_BUCKET * len(evaluated)} subnet accuracies of 1 cell are NaN, left out of every statistic"
    markdown = (run_dir / "report" / "report.md").read_text()
    status = next(line for line in markdown.splitlines() if line.startswith("Complete run"))
    assert status == f"Complete run: 3 of 3 cells trained, 3 evaluated. {counted} (see NaN accuracies). Run directory: {run_dir}."
    assert "## NaN accuracies" in markdown
    per_label = ", ".join(f"{label}: {per_bucket}" for label in evaluated)
    assert has_row(markdown_rows(markdown), CELL, str(per_bucket * len(evaluated)), str(PER_BUCKET * len(evaluated)), per_label)
    assert any(f.startswith(counted) for f in report["findings"])
    assert counted in (run_dir / "report" / "report.html").read_text()


MANIFEST_CASES = {
    "an entry without its evaluation": (lambda cell: cell.pop("evaluation"), "cells[0].evaluation: required key missing"),
    "a seed that is a string": (lambda cell: cell.__setitem__("seed", "0"), "cells[0].seed: '0' not allowed"),
    "a directory outside the run directory": (
        lambda cell: cell.__setitem__("directory", "../../../etc"),
        "cells[0].directory: '../../../etc' not allowed; allowed: a path cells/... inside the run directory",
    ),
    "an evaluation that does not validate": (lambda cell: cell["evaluation"].__setitem__("per_bucket", 0), "cells[0].evaluation.per_bucket"),
}


@pytest.mark.parametrize("case", list(MANIFEST_CASES))
@pytest.mark.parametrize("command", ["report", "claims"])
def test_a_damaged_manifest_entry_is_one_sentence_naming_it_exit_3(case, command, tmp_path, capsys, default_registry_with_reporters):
    damage, what = MANIFEST_CASES[case]
    run_dir = write_run(tmp_path / "run", Fixture(seeds=(0,), suite_extra=CLAIMS))
    edit_json(run_dir / "manifest.json", lambda manifest: damage(manifest["cells"][0]))
    code = main([command, str(run_dir), *(["--resamples", str(RESAMPLES)] if command == "report" else [])], out=io.StringIO())
    error = capsys.readouterr().err
    assert code == EXIT_STORAGE and "Traceback" not in error
    assert error.startswith(f"nasbench-rss {command}: error: {run_dir / 'manifest.json'}: ") and what in error
    assert "restore it, or rerun the suite into a new --out directory" in error
