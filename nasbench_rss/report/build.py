"""``write_report``: a run directory's report in the requested formats, figures alongside.

    RUN_DIR/report/            (or --out DIR)
      report.md  report.json  report.html
      accuracy_per_bucket.png  training_time.png  exposure.png  exposure_range.png  interference.png (probed runs)

The analysis is computed once; the figures are drawn from it, the document is composed
from it, and each requested reporter (a plugin: ``md``, ``json``, ``html`` or a third
party's) writes its file from the same three.  The formats are checked before anything
is computed, so a typo costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from nasbench_rss.analysis.records import Damage
from nasbench_rss.errors import NasbenchError
from nasbench_rss.plugins import PluginRegistry, build_entry, get_registry
from nasbench_rss.report.analysis import LEVEL, RESAMPLES, analyse
from nasbench_rss.report.compose import compose
from nasbench_rss.report.figures import make_figures
from nasbench_rss.report.reporters import Report, Reporter
from nasbench_rss.run.results import RunDirectory, open_run

DEFAULT_FORMATS: tuple[str, ...] = ("md", "json", "html")
REPORT_DIR = "report"
"""The report's directory inside the run directory when no ``out`` is given."""


class ReportError(NasbenchError):
    """A report cannot be made as asked (unknown format, unusable output directory)."""


def parse_formats(text: str | Iterable[str]) -> list[str]:
    """``"md,json"`` (or a list of names) as a list of names, each once, in the order given."""
    names = text.split(",") if isinstance(text, str) else list(text)
    names = [name.strip() for name in names if name.strip()]
    if not names:
        raise ReportError("no report format given; name one or more, e.g. md,json,html")
    return list(dict.fromkeys(names))


def reporters_for(formats: Sequence[str], registry: PluginRegistry | None = None) -> list[tuple[str, Reporter]]:
    """The reporter of each format; an unknown format is an error listing the registered ones."""
    registry = registry or get_registry()
    allowed = registry.names("reporter")
    unknown = [name for name in formats if name not in allowed]
    if unknown:
        raise ReportError(
            f"unknown report format{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"allowed: {', '.join(allowed) or 'none (no reporter plugin is registered)'}"
        )
    out = []
    for name in formats:
        out.append((name, build_entry(registry.get("reporter", name), {})[0]))
    return out


def build_report(
    run: RunDirectory, out_dir: Path, seed: int = 0, resamples: int = RESAMPLES, level: float = LEVEL, registry: PluginRegistry | None = None
) -> Report:
    """Analyse ``run`` (its claims with ``registry``'s claim kinds), draw the figures into ``out_dir`` and compose the document."""
    analysis = analyse(run, seed=seed, resamples=resamples, level=level, registry=registry)
    figures = make_figures(analysis, out_dir)
    return Report(analysis, compose(analysis, figures), figures)


@dataclass(frozen=True)
class WrittenReport:
    """A report written: the report itself, where it is, and every path written (figures first)."""

    report: Report
    out_dir: Path
    paths: list[Path]

    @property
    def damaged(self) -> list[Damage]:
        """The damaged cell files the report leaves out (it says so in its "Damaged cell files")."""
        return [Damage(d["id"], d["problem"]) for d in self.report.analysis["cells"].get("damaged") or []]


def write_report(
    run_dir: str | Path,
    out: str | Path | None = None,
    formats: str | Iterable[str] = DEFAULT_FORMATS,
    *,
    seed: int = 0,
    resamples: int = RESAMPLES,
    registry: PluginRegistry | None = None,
) -> list[Path]:
    """Write the report of the run directory ``run_dir`` into ``out`` (default ``RUN_DIR/report``).

    Returns every path written: the figures, then each format's files.  Raises
    :class:`ReportError` for an unknown format and NasbenchError when ``run_dir`` is not
    a run directory; a partial run is reported, saying what is missing, and so is a run
    with damaged cell files (:func:`make_report` says which).
    """
    return make_report(run_dir, out, formats, seed=seed, resamples=resamples, registry=registry).paths


def make_report(
    run_dir: str | Path,
    out: str | Path | None = None,
    formats: str | Iterable[str] = DEFAULT_FORMATS,
    *,
    seed: int = 0,
    resamples: int = RESAMPLES,
    registry: PluginRegistry | None = None,
) -> WrittenReport:
    """:func:`write_report`, returning the report and its damaged cell files with the paths written."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ReportError(f"--seed: {seed!r} is not allowed; allowed: integers >= 0")
    if isinstance(resamples, bool) or not isinstance(resamples, int) or resamples < 1:
        raise ReportError(f"--resamples: {resamples!r} is not allowed; allowed: integers >= 1")
    reporters = reporters_for(parse_formats(formats), registry)
    run = open_run(run_dir)
    out_dir = Path(out) if out is not None else run.path / REPORT_DIR
    if out_dir.exists() and not out_dir.is_dir():
        raise ReportError(f"--out {out_dir}: exists and is not a directory; name a directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    report = build_report(run, out_dir, seed=seed, resamples=resamples, registry=registry)
    paths = [figure.path for figure in report.figures if figure.path is not None]
    for _, reporter in reporters:
        paths += [Path(p) for p in reporter.write(report, out_dir)]
    return WrittenReport(report, out_dir, paths)
