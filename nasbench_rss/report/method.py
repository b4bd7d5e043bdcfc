"""The method section's facts: FLOPs, seeds, evaluation, statistics, code, versions, device.

A reader must be able to tell how every number was made and by which code and hardware,
and which runs are not independent of each other; all of it comes from the manifest,
the cells' records and their evaluation files.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from nasbench_rss.cell.provenance import describe_code
from nasbench_rss.report.comparisons import HOLM_FAMILY
from nasbench_rss.analysis.populations import Bootstrap, Group, unique
from nasbench_rss.run.results import CellRecord, RunDirectory

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
