"""The report's figures (PNG), drawn from the analysis alone.

- ``accuracy_per_bucket.png``: the paper's Fig. 3: per architecture and dataset, box plots
  of subnet test accuracy (%) per MFLOP bucket, one box per run side by side (seeds pooled).
- ``training_time.png``: the paper's Fig. 4: training time per run and dataset, bars at the
  mean over seeds with each seed as a point and the mean's confidence interval as error bar.
- ``exposure.png``: the share of optimizer steps each run spent in each bucket.
- ``exposure_range.png``: the share of optimizer steps per 1-MFLOP bin over the whole
  FLOPs range, one line per run (the evaluation's buckets marked), so steps "outside" the
  buckets are seen too.

Figures are ``matplotlib.figure.Figure`` objects rendered by the Agg canvas, never
through pyplot: no display, no ``plt.show``, no global backend switch and no figure
registry to leak (nothing to close), so reports can be made on servers, in loops and from
notebooks without side effects.  A figure with
nothing to draw is skipped, with the reason, instead of failing the report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import matplotlib
from matplotlib import ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from nasbench_rss import atomic

ACCURACY_FIGURE = "accuracy_per_bucket.png"
TIME_FIGURE = "training_time.png"
EXPOSURE_FIGURE = "exposure.png"
EXPOSURE_RANGE_FIGURE = "exposure_range.png"
INTERFERENCE_FIGURE = "interference.png"
RANKING_FIGURE = "ranking.png"
CURVES_FIGURE = "learning_curves.png"
DPI = 120


@dataclass(frozen=True)
class FigureFile:
    """One figure of the report: where it was written, or why it was not drawn."""

    key: str
    filename: str
    caption: str
    path: Path | None
    skipped: str | None = None


def make_figures(analysis: dict[str, Any], out_dir: Path) -> list[FigureFile]:
    """Draw every figure into ``out_dir``; figures with nothing to draw are skipped with a reason, and figures
    of a measure the run did not take (the interference probe) are left out."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    drawers: list[tuple[str, str, str, Callable[[dict[str, Any]], Figure | str | None]]] = [
        (
            "accuracy",
            ACCURACY_FIGURE,
            "Subnet test accuracy per MFLOP bucket, one box per run (seeds pooled; boxes: quartiles, whiskers: 1.5 IQR), as the paper's Fig. 3.",
            accuracy_figure,
        ),
        (
            "training_time",
            TIME_FIGURE,
            "Training time per run and dataset: bars at the mean over seeds, points for seeds, error bars the 95% CI of the mean (several seeds), as the paper's Fig. 4.",
            time_figure,
        ),
        (
            "exposure",
            EXPOSURE_FIGURE,
            "Share of optimizer steps each run spent in each evaluation bucket (mean over seeds; a step training k subnets counts k times).",
            exposure_figure,
        ),
        (
            "exposure_range",
            EXPOSURE_RANGE_FIGURE,
            "Share of optimizer steps per 1-MFLOP bin over the whole FLOPs range of the subnets, one line per run "
            "(mean over seeds); dotted lines mark the evaluation's buckets.",
            exposure_range_figure,
        ),
        (
            "interference",
            INTERFERENCE_FIGURE,
            "Interference over training: per epoch, the share of probe updates that raised a probe's loss (left) and the "
            "mean cosine between the update and the probes' descent directions (right), mean over seeds, one line per run.",
            interference_figure,
        ),
        (
            "ranking",
            RANKING_FIGURE,
            "Inherited against stand-alone accuracy of every reference subnet, one panel per run (inherited: mean over "
            "seeds; colour: bucket); tau in the title is Kendall's over all references, of the seed-mean inherited accuracy.",
            ranking_figure,
        ),
        (
            "learning_curves",
            CURVES_FIGURE,
            "Learning curves: the panel's mean accuracy per bucket against the training MACs spent (log axis), one line per "
            "run at the mean over seeds (MACs too), the band spanning the seeds.",
            curves_figure,
        ),
    ]
    out = []
    for key, filename, caption, draw in drawers:
        figure = draw(analysis)
        if figure is None:  # not applicable to this run directory (no section either)
            continue
        if isinstance(figure, str):
            out.append(FigureFile(key, filename, caption, None, figure))
            continue
        path = out_dir / filename
        _save(figure, path)
        out.append(FigureFile(key, filename, caption, path))
    return out


def _save(figure: Figure, path: Path) -> None:
    FigureCanvasAgg(figure)  # render with Agg whatever backend the process chose
    atomic.write_atomic(path, lambda file: figure.savefig(file, format="png", dpi=DPI, bbox_inches="tight"))


def _panels(count: int, width: float = 6.0, height: float = 4.0) -> tuple[Figure, list[Any]]:
    """A figure with ``count`` panels in at most two columns (the paper's 2 x 2 for four datasets)."""
    columns = 1 if count == 1 else 2
    rows = math.ceil(count / columns)
    figure = Figure(figsize=(width * columns, height * rows))
    axes = figure.subplots(rows, columns, squeeze=False)
    flat = [ax for row in axes for ax in row]
    for ax in flat[count:]:
        ax.set_visible(False)
    return figure, flat[:count]


def _colours(runs: list[str]) -> dict[str, Any]:
    cycle = matplotlib.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
    return {run: cycle[i % len(cycle)] for i, run in enumerate(runs)}


def _groups(entries: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return list(dict.fromkeys((e["arch"], e["dataset"]) for e in entries))


def _title(arch: str, dataset: str, analysis: dict[str, Any]) -> str:
    architectures = {g["arch"] for g in analysis["suite"]["groups"]}
    return dataset if len(architectures) <= 1 else f"{dataset} ({arch})"


def accuracy_figure(analysis: dict[str, Any]) -> Figure | str:
    """Fig. 3: box plots of subnet accuracy per bucket, runs side by side; or why not."""
    entries = analysis["accuracy"]
    if not entries:
        return "no cell is evaluated yet, so there are no subnet accuracies to plot"
    runs = analysis["suite"]["runs"]
    colours = _colours(runs)
    groups = _groups(entries)
    figure, axes = _panels(len(groups))
    for ax, (arch, dataset) in zip(axes, groups):
        mine = [e for e in entries if (e["arch"], e["dataset"]) == (arch, dataset)]
        labels = list(dict.fromkeys(e["bucket"] for e in sorted(mine, key=lambda e: e["target"] if e["target"] is not None else 0)))
        present = [r for r in runs if any(e["run"] == r for e in mine)]
        width = 0.8 / max(len(present), 1)
        for j, run in enumerate(present):
            data, positions = [], []
            for i, label in enumerate(labels):
                entry = next((e for e in mine if e["run"] == run and e["bucket"] == label), None)
                if entry is None:
                    continue
                data.append([100 * v for seed in entry["per_seed"] for v in seed["accuracy"]])
                positions.append(i - 0.4 + width * (j + 0.5))
            if not data:
                continue
            boxes = ax.boxplot(
                data, positions=positions, widths=width * 0.85, patch_artist=True, manage_ticks=False, flierprops={"markersize": 3}
            )
            for patch in boxes["boxes"]:
                patch.set_facecolor(colours[run])
                patch.set_alpha(0.75)
            for median in boxes["medians"]:
                median.set_color("black")
            ax.plot([], [], color=colours[run], linewidth=8, alpha=0.75, label=run)
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels)
        ax.set_xlim(-0.6, len(labels) - 0.4)
        ax.set_xlabel("MFLOPs")
        ax.set_ylabel("test accuracy (%)")
        ax.set_title(_title(arch, dataset, analysis))
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize="small")
    figure.tight_layout()
    return figure


def _time_unit(seconds: list[float]) -> tuple[str, float]:
    """Hours for runs of hours (the paper's unit), minutes or seconds for shorter ones."""
    longest = max(seconds, default=0.0)
    if longest >= 2 * 3600:
        return "hours", 3600.0
    if longest >= 120:
        return "minutes", 60.0
    return "seconds", 1.0


def time_figure(analysis: dict[str, Any]) -> Figure | str:
    """Fig. 4: training time per run, per dataset; or why not."""
    timing = analysis["training_time"]
    if not timing["runs"]:
        return "no cell is trained yet, so there are no training times to plot"
    runs = analysis["suite"]["runs"]
    colours = _colours(runs)
    unit, scale = _time_unit([c["train_seconds"] for c in timing["cells"]])
    groups = _groups(timing["runs"])
    figure = Figure(figsize=(max(6.0, 1.6 * len(groups) * max(len(runs), 1)), 4.0))
    ax = figure.subplots()
    width = 0.8 / max(len(runs), 1)
    for j, run in enumerate(runs):
        for i, (arch, dataset) in enumerate(groups):
            entry = next((e for e in timing["runs"] if (e["arch"], e["dataset"], e["run"]) == (arch, dataset, run)), None)
            if entry is None:
                continue
            x = i - 0.4 + width * (j + 0.5)
            mean = entry["mean_seconds"]
            ax.bar(x, mean["estimate"] / scale, width * 0.9, color=colours[run], alpha=0.8, label=run if i == 0 else None)
            if all(isinstance(mean[k], (int, float)) and math.isfinite(mean[k]) for k in ("low", "high")) and mean["n"] > 1:
                ax.errorbar(
                    x, mean["estimate"] / scale,
                    yerr=[[(mean["estimate"] - mean["low"]) / scale], [(mean["high"] - mean["estimate"]) / scale]],
                    color="black", capsize=3, linewidth=1,
                )
            seconds = [c["train_seconds"] / scale for c in timing["cells"] if (c["arch"], c["dataset"], c["run"]) == (arch, dataset, run)]
            ax.scatter([x] * len(seconds), seconds, color="black", s=12, zorder=3)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels([_title(arch, dataset, analysis) for arch, dataset in groups])
    ax.set_ylabel(f"training time ({unit})")
    ax.grid(axis="y", alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(fontsize="small")
    figure.tight_layout()
    return figure


def exposure_figure(analysis: dict[str, Any]) -> Figure | str:
    """Grouped bars: share of optimizer steps per bucket, one bar per run; or why not."""
    entries = analysis["exposure"]
    if not entries:
        return "no cell is trained yet (or no result records exposure), so there is no exposure to plot"
    runs = analysis["suite"]["runs"]
    colours = _colours(runs)
    groups = _groups(entries)
    figure, axes = _panels(len(groups), height=3.5)
    for ax, (arch, dataset) in zip(axes, groups):
        mine = [e for e in entries if (e["arch"], e["dataset"]) == (arch, dataset)]
        labels = list(dict.fromkeys(label for e in mine for label in e["shares"]))
        width = 0.8 / max(len(mine), 1)
        for j, entry in enumerate(mine):
            xs = [i - 0.4 + width * (j + 0.5) for i in range(len(labels))]
            ax.bar(xs, [100 * entry["shares"].get(label, 0.0) for label in labels], width * 0.9, color=colours[entry["run"]], label=entry["run"])
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels)
        ax.set_xlabel("MFLOP bucket")
        ax.set_ylabel("share of optimizer steps (%)")
        ax.set_title(_title(arch, dataset, analysis))
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize="small")
    figure.tight_layout()
    return figure


def exposure_range_figure(analysis: dict[str, Any]) -> Figure | str:
    """Histogram outline of the share of optimizer steps per 1-MFLOP bin, one line per run; or why not."""
    entries = analysis.get("exposure_range") or []
    if not entries:
        return "no cell is trained yet (or no result records exposure), so there is no exposure to plot"
    runs = analysis["suite"]["runs"]
    colours = _colours(runs)
    groups = _groups(entries)
    figure, axes = _panels(len(groups), height=3.5)
    for ax, (arch, dataset) in zip(axes, groups):
        mine = [e for e in entries if (e["arch"], e["dataset"]) == (arch, dataset)]
        for j, entry in enumerate(mine):
            half = entry["width"] / 2
            edges = [c - half for c in entry["centres"]] + [entry["centres"][-1] + half]
            # Earlier runs drawn wider, so identical histograms (runs sharing a sampler stream) stay visible.
            ax.stairs(
                [100 * v for v in entry["shares"]], edges, color=colours.get(entry["run"]), label=entry["run"],
                linewidth=1.2 + 1.5 * (len(mine) - 1 - j),
            )
        facts = next((f for f in analysis.get("buckets", []) if (f["arch"], f["dataset"]) == (arch, dataset)), None)
        for bucket in (facts or {}).get("buckets", []):
            if isinstance(bucket.get("target"), (int, float)):
                ax.axvline(bucket["target"], color="grey", linestyle=":", linewidth=1)
        ax.set_xlabel("MFLOPs (1-MFLOP bins)")
        ax.set_ylabel("share of optimizer steps (%)")
        ax.set_title(_title(arch, dataset, analysis))
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize="small")
    figure.tight_layout()
    return figure


def interference_figure(analysis: dict[str, Any]) -> Figure | None:
    """Hurt share and update cosine per epoch, one line per run and one row of panels per group; None without a probe."""
    entries = analysis.get("interference") or []
    if not entries:
        return None
    colours = _colours(analysis["suite"]["runs"])
    groups = _groups(entries)
    figure = Figure(figsize=(12, 3.5 * len(groups)))
    axes = figure.subplots(len(groups), 2, squeeze=False)
    for row, (arch, dataset) in zip(axes, groups):
        for e in (e for e in entries if (e["arch"], e["dataset"]) == (arch, dataset)):
            epochs = [n + 1 for n in e["by_epoch"]["epochs"]]
            for ax, stat, scale in ((row[0], "hurt_share", 100), (row[1], "mean_cosine", 1)):
                values = [math.nan if v is None else scale * v for v in e["by_epoch"][stat]]
                ax.plot(epochs, values, marker="o", markersize=3, color=colours.get(e["run"]), label=e["run"])
        row[0].set_ylabel("probe updates that hurt (%)")
        row[1].set_ylabel("update . descent cosine")
        row[1].axhline(0, color="grey", linewidth=0.8)
        for ax in row:
            ax.set_xlabel("epoch")
            ax.set_title(_title(arch, dataset, analysis))
            ax.grid(alpha=0.3)
        row[0].legend(fontsize="small")
    figure.tight_layout()
    return figure


def ranking_figure(analysis: dict[str, Any]) -> Figure | None:
    """Scatter of inherited (mean over seeds) against stand-alone accuracy, one panel per (group, run); None without references."""
    entries = (analysis.get("ranking") or {}).get("runs") or []
    if not entries:
        return None
    figure, axes = _panels(len(entries), width=4.5, height=4.0)
    labels = list(dict.fromkeys(p["bucket"] for e in entries for p in e["points"]))
    cmap = matplotlib.colormaps["viridis"]
    colours = {label: cmap(i / max(1, len(labels) - 1)) for i, label in enumerate(labels)}
    for ax, e in zip(axes, entries):
        for label in labels:
            points = [p for p in e["points"] if p["bucket"] == label]
            if points:
                ax.scatter(
                    [100 * p["stand_alone"] for p in points], [100 * p["inherited"] for p in points],
                    s=18, color=colours[label], label=f"{label} MFLOPs",
                )  # fmt: skip
        overall = next((s for s in e["scopes"] if s["scope"] == "all"), None)
        tau = (overall or {}).get("seed_mean") or {}
        title = f"{e['run']} ({e['dataset']})"
        if isinstance(tau.get("kendall_tau"), float) and math.isfinite(tau["kendall_tau"]):
            title += f": tau {tau['kendall_tau']:.2f}"
        ax.set_title(title)
        ax.set_xlabel("stand-alone accuracy (%)")
        ax.set_ylabel("inherited accuracy (%)")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize="x-small")
    figure.tight_layout()
    return figure


def curves_figure(analysis: dict[str, Any]) -> Figure | None | str:
    """Panel accuracy per bucket against cumulative training MACs, one panel per (group, bucket); None without curves."""
    entries = analysis.get("learning_curves") or []
    if not entries:
        return None
    colours = _colours(analysis["suite"]["runs"])
    panels = list(dict.fromkeys((e["arch"], e["dataset"], label) for e in entries for s in e["per_seed"] for label in s["buckets"]))
    if not panels:
        return "no curve has a point with MACs and accuracies"
    figure, axes = _panels(len(panels), width=4.5, height=3.5)
    for ax, (arch, dataset, label) in zip(axes, panels):
        for e in (e for e in entries if (e["arch"], e["dataset"]) == (arch, dataset)):
            seeds = [s for s in e["per_seed"] if label in s["buckets"] and all(p["train_macs"] for p in s["points"])]
            if not seeds or len({len(s["points"]) for s in seeds}) != 1:
                continue
            columns = list(zip(*(s["points"] for s in seeds)))  # one tuple of seeds' points per point
            x = [sum(p["train_macs"] for p in column) / len(column) / 1e9 for column in columns]
            values = [[100 * p["accuracy"].get(label, math.nan) for p in column] for column in columns]
            ax.plot(x, [sum(v) / len(v) for v in values], marker="o", markersize=3, color=colours.get(e["run"]), label=e["run"])
            if len(seeds) > 1:
                ax.fill_between(x, [min(v) for v in values], [max(v) for v in values], color=colours.get(e["run"]), alpha=0.2)
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:g}"))
        ax.xaxis.set_minor_formatter(ticker.NullFormatter())
        ax.set_xlabel("training GMACs (cumulative)")
        ax.set_ylabel("panel accuracy (%)")
        ax.set_title(f"{_title(arch, dataset, analysis)}, bucket {label} MFLOPs")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize="small")
    figure.tight_layout()
    return figure
