"""The method section's facts: FLOPs, seeds, evaluation, statistics, code, versions, device.

A reader must be able to tell how every number was made and by which code and hardware,
and which runs are not independent of each other; all of it comes from the manifest,
the cells' records and their evaluation files.

:data:`SECTION` is this part of the report as one unit (:mod:`nasbench_rss.report.section`): its
``compute``, its ``render`` into the document and the key of its figure.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from nasbench_rss.analysis.populations import Bootstrap, Group, unique
from nasbench_rss.cell.provenance import describe_code
from nasbench_rss.report import format as fmt
from nasbench_rss.report.comparisons import HOLM_FAMILY
from nasbench_rss.report.document import Document
from nasbench_rss.report.section import Analysis, Section, group_title
from nasbench_rss.run.results import CellRecord, RunDirectory

if TYPE_CHECKING:  # matplotlib is imported only when figures are drawn
    from nasbench_rss.report.figures import FigureFile


FLOPS_FALLBACK = (
    "multiply-accumulates of conv and linear layers (SE included; BN, activations and biases excluded), "
    "as OFA's analytic counter and the paper count MFLOPs"
)
"""Said until an evaluation.json (which states the definition it used) exists."""

PAIRING = "by (training seed, bucket, subnet index), on the subnets evaluated by both runs with the same encoding"


def method(run: RunDirectory, cells: list[CellRecord], groups: list[Group], bootstrap: Bootstrap) -> dict[str, Any]:
    """The method section of the analysis."""
    manifest = run.manifest
    evaluated = [c for c in cells if c.population is not None]
    definitions = unique(c.population["flops"]["definition"] for c in evaluated if (c.population.get("flops") or {}).get("definition"))
    populations = []
    for arch, dataset in groups:
        first = next((c for c in evaluated if (c.arch, c.dataset) == (arch, dataset)), None)
        if first is not None:
            p = first.population
            populations.append(
                {
                    "arch": arch,
                    "dataset": dataset,
                    "shape": p.get("shape"),
                    "min_mflops": (p.get("flops") or {}).get("min_mflops"),
                    "max_mflops": (p.get("flops") or {}).get("max_mflops"),
                    "test_images": p.get("test_images"),
                    "calibration_images": p.get("calibration_images"),
                }
            )
    provenances = [(c, c.result.get("provenance") or {}) for c in cells if c.result is not None]
    environments = unique(
        tuple((key, str(prov.get(key))) for key in ("device_name", "precision", "threads", "torch")) for _, prov in provenances
    )
    protocols: dict[str, list[str]] = {}
    for c in cells:
        name = (c.config or {}).get("protocol")
        if name and c.run not in protocols.setdefault(name, []):
            protocols[name].append(c.run)
    return {
        "protocols": [{"protocol": name, "runs": runs} for name, runs in protocols.items()],
        "flops_definition": definitions[0] if definitions else FLOPS_FALLBACK,
        "flops_definitions": definitions,
        "populations": populations,
        "seeds": list(manifest.get("seeds", [])),
        "evaluation": cells[0].evaluation if cells else {},
        "statistics": {
            "level": bootstrap.level,
            "bootstrap_resamples": bootstrap.resamples,
            "bootstrap_seed": bootstrap.seed,
            "pairing": PAIRING,
            "holm_family": HOLM_FAMILY,
        },
        "shared_streams": shared_streams(cells, groups),
        "git": manifest.get("git"),
        "versions": manifest.get("versions"),
        "device": manifest.get("device"),
        "host": manifest.get("host"),
        "plugins": manifest.get("plugins", []),
        "mixed_environments": manifest.get("mixed_environments", []),
        "invocations": [
            {key: inv.get(key) for key in ("started", "ended", "status", "command", "git", "device")}
            for inv in manifest.get("invocations", [])
        ],
        "cell_environments": [dict(env) for env in environments],
        "cell_code": unique(describe_code(prov.get("code") or {}) for _, prov in provenances),
        "cell_plugins": unique(
            f"{p['kind']} {p['name']} from {p['distribution']} {p['version']}" for _, prov in provenances for p in prov.get("plugins", [])
        ),
        "resumed_under_changes": [
            {"cell": cell.id, "epochs_done": change.get("epochs_done"), "changes": change.get("changes", [])}
            for cell, prov in provenances
            for change in prov.get("resumed_under", [])
        ],
    }


def shared_streams(cells: list[CellRecord], groups: list[Group]) -> list[dict[str, Any]]:
    """Runs of one (arch, dataset) with the same sampler and options, which share a sampler stream.

    A cell's sampler RNG is derived from its seed alone, so two such runs (RSS and
    RSS-Short) draw the same subnet sequence at each seed, the shorter run's being the
    start of the longer's: their results are correlated, not independent replications.
    """
    out = []
    for arch, dataset in groups:
        by_sampler: dict[tuple[str, str], list[str]] = defaultdict(list)
        for cell in cells:
            if (cell.arch, cell.dataset) != (arch, dataset):
                continue
            key = (cell.config.get("sampler", ""), repr(sorted((cell.config.get("sampler_options") or {}).items())))
            if cell.run not in by_sampler[key]:
                by_sampler[key].append(cell.run)
        out += [{"arch": arch, "dataset": dataset, "sampler": sampler, "runs": names} for (sampler, _), names in by_sampler.items() if len(names) > 1]
    return out


def render_method(doc: Document, analysis: Analysis, figure: FigureFile | None) -> None:
    """How every number was made (FLOPs, seeds, evaluation, statistics) and by which code, machine and invocations."""
    doc.heading("Method")
    doc.bullets(_how_measured(analysis["method"], analysis["suite"]) + _what_ran(analysis["method"]))


def _how_measured(method: dict[str, Any], suite: dict[str, Any]) -> list[str]:
    """FLOPs, seeds, baseline, evaluation, protocols, populations, statistics, shared sampler streams."""
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
            f"{group_title(p['arch'], p['dataset'])}: subnets span {fmt.number(p['min_mflops'])} to {fmt.number(p['max_mflops'])} MFLOPs; "
            f"tested on {p['test_images']} images, BN calibrated on {p['calibration_images']}."
        )
    stats = method["statistics"]
    items.append(
        f"Statistics: pairing {stats['pairing']}; {stats['holm_family']}; bootstrap intervals at level {stats['level']:g} "
        f"with {stats['bootstrap_resamples']} resamples (seed {stats['bootstrap_seed']})."
    )
    for entry in method["shared_streams"]:
        items.append(
            f"Shared sampler stream: {', '.join(entry['runs'])} on {group_title(entry['arch'], entry['dataset'])} use sampler "
            f"{entry['sampler']} with the same options, so at each seed they draw the same subnet sequence (the shorter run's is "
            "the start of the longer's)."
        )
    return items


def _what_ran(method: dict[str, Any]) -> list[str]:
    """Code, versions, device, host, the cells' environments and plugins, and the invocations."""
    items = []
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
            f"Device: {device.get('name')} ({device.get('type')}, requested {device.get('requested')}, count {device.get('count')}; "
            f"the run's own process had {device.get('cpu_threads')} CPU threads, each cell computes with its training.threads, below)."
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
    return items


SECTION = Section("method", lambda inputs: method(inputs.evidence.run, inputs.evidence.cells, inputs.evidence.groups, inputs.bootstrap), render_method)
