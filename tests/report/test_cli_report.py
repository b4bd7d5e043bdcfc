"""``nasbench-rss report``: formats are reporter plugins, errors exit 4 naming what is allowed."""

from __future__ import annotations

import io
import os
import types

import pytest
from tests.report.helpers import RESAMPLES, load_json
from tests.report.run_fixture import write_run

from nasbench_rss import hookimpl
from nasbench_rss.cli import main
from nasbench_rss.exit_codes import EXIT_INVALID, EXIT_STORAGE
from nasbench_rss.plugins import PluginRegistry, Registration
from nasbench_rss.report import ReportError, write_report

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(["report", *argv], out=out), out.getvalue()


def test_cli_writes_the_report_and_prints_the_paths(tmp_path, default_registry_with_reporters):
    run_dir = write_run(tmp_path / "run")
    code, printed = run_cli(str(run_dir), "--resamples", str(RESAMPLES))
    assert code == 0
    written = [line for line in printed.splitlines() if line]
    names = sorted(p.rsplit("/", 1)[1] for p in written)
    assert names == sorted(["report.md", "report.json", "report.html", "accuracy_per_bucket.png", "training_time.png", "exposure.png", "exposure_range.png"])
    assert all((run_dir / "report" / name).is_file() for name in names)
    assert load_json(run_dir / "report" / "report.json")["method"]["statistics"]["bootstrap_resamples"] == RESAMPLES


def test_cli_format_and_out(tmp_path, default_registry_with_reporters):
    run_dir = write_run(tmp_path / "run")
    code, printed = run_cli(str(run_dir), "--format", "json", "--out", str(tmp_path / "elsewhere"), "--resamples", str(RESAMPLES))
    assert code == 0
    assert (tmp_path / "elsewhere" / "report.json").is_file() and not (tmp_path / "elsewhere" / "report.md").exists()
    assert not (run_dir / "report").exists()
    assert str(tmp_path / "elsewhere" / "report.json") in printed.splitlines()


def test_unknown_format_is_an_error_listing_the_allowed_names(tmp_path, capsys, default_registry_with_reporters):
    run_dir = write_run(tmp_path / "run")
    code, printed = run_cli(str(run_dir), "--format", "md,pdf")
    assert code == EXIT_INVALID and printed == ""
    error = capsys.readouterr().err
    assert "unknown report format 'pdf'; allowed: html, json, md" in error
    assert not (run_dir / "report").exists()  # checked before anything is computed or written


def test_a_directory_that_is_not_a_run_exits_4_with_a_message(tmp_path, capsys, default_registry_with_reporters):
    code, _ = run_cli(str(tmp_path))
    assert code == EXIT_INVALID
    error = capsys.readouterr().err
    assert error.startswith("nasbench-rss report: error: ") and "not a run directory (no manifest.json)" in error


def test_out_in_a_read_only_directory_exits_3_in_one_line(tmp_path, capsys, default_registry_with_reporters):
    run_dir = write_run(tmp_path / "run")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("chmod does not stop this user writing (root)")
        code, printed = run_cli(str(run_dir), "--out", str(locked / "report"), "--resamples", str(RESAMPLES))
    finally:
        locked.chmod(0o700)
    assert (code, printed) == (EXIT_STORAGE, "")
    error = capsys.readouterr().err
    assert error.startswith(f"nasbench-rss report: error: {locked / 'report'}: Permission denied (check its permissions")
    assert error.count("\n") == 1 and "Traceback" not in error


def test_out_below_a_file_exits_3_in_one_line(tmp_path, capsys, default_registry_with_reporters):
    run_dir = write_run(tmp_path / "run")
    (tmp_path / "file").write_text("mine")
    code, printed = run_cli(str(run_dir), "--out", str(tmp_path / "file" / "report"), "--resamples", str(RESAMPLES))
    assert (code, printed) == (EXIT_STORAGE, "")
    error = capsys.readouterr().err
    assert error.startswith(f"nasbench-rss report: error: {tmp_path / 'file' / 'report'}: Not a directory (")
    assert error.count("\n") == 1 and "Traceback" not in error


@pytest.mark.parametrize(
    "kwargs, message",
    [({"formats": ""}, "no report format given"), ({"resamples": 0}, "--resamples: 0 is not allowed"), ({"seed": -1}, "--seed: -1")],
)
def test_bad_arguments_are_report_errors(tmp_path, registry, kwargs, message):
    with pytest.raises(ReportError, match=message):
        write_report(tmp_path, registry=registry, **kwargs)


def test_a_third_party_reporter_is_a_format_like_the_builtins(tmp_path, registry):
    class CsvReporter:
        def write(self, report, out_dir):
            lines = ["run,bucket,mean"] + [f"{e['run']},{e['bucket']},{e['pooled']['mean']!r}" for e in report.analysis["accuracy"]]
            path = out_dir / "accuracy.csv"
            path.write_text("\n".join(lines) + "\n")
            return [path]

    @hookimpl
    def register_reporters(register):
        register(Registration("csv", "Pooled accuracy per bucket as CSV", lambda options=None: CsvReporter()))

    private = PluginRegistry.load(entry_points=False)
    if "md" not in private.names("reporter"):
        private.register_plugin(__import__("nasbench_rss.report.plugin", fromlist=["plugin"]), "nasbench_rss.report.plugin")
    private.register_plugin(types.SimpleNamespace(register_reporters=register_reporters), "acme-csv", "acme-nas", "1.0")
    run_dir = write_run(tmp_path / "run")
    paths = write_report(run_dir, formats="csv,json", resamples=RESAMPLES, registry=private)
    assert {p.name for p in paths} >= {"accuracy.csv", "report.json"}
    data = load_json(run_dir / "report" / "report.json")
    first = data["accuracy"][0]
    assert f"{first['run']},{first['bucket']},{first['pooled']['mean']!r}" in (run_dir / "report" / "accuracy.csv").read_text()
    with pytest.raises(ReportError, match="allowed: csv, html, json, md"):
        write_report(run_dir, formats="xlsx", registry=private)


def test_figures_are_png_files_drawn_by_matplotlib(tmp_path, registry):
    import matplotlib.image

    run_dir = write_run(tmp_path / "run")
    paths = write_report(run_dir, formats="json", resamples=RESAMPLES, registry=registry)
    figures = [p for p in paths if p.suffix == ".png"]
    assert [p.name for p in figures] == ["accuracy_per_bucket.png", "training_time.png", "exposure.png", "exposure_range.png"]
    for path in figures:
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000, path
        height, width = matplotlib.image.imread(path).shape[:2]
        assert height > 300 and width > 500, (path, height, width)
    listed = load_json(run_dir / "report" / "report.json")["figures"]
    assert [f["file"] for f in listed] == [p.name for p in figures] and all(f["skipped"] is None for f in listed)
