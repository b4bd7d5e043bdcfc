"""Every resolved value of a suite's runs, and where it came from: the suite's line, a protocol, or a default.

A protocol fills many settings at once; a researcher reading a result must still be able
to tell which numbers the suite chose and which the protocol did.  ``validate`` prints
these rows (``--json`` lists them), so a protocol-set value is never implicit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from nasbench_rss.suite.resolved import SettingSource


@dataclass(frozen=True)
class SettingRow:
    """One resolved value of one run (``run`` None: the suite-wide evaluation)."""

    run: str | None
    setting: str
    value: Any
    source: str

    def record(self) -> dict[str, Any]:
        return {"run": self.run, "setting": self.setting, "value": self.value, "source": self.source}


def describe_source(source: SettingSource, locate: Any = None, file: str = "suite") -> str:
    """``quick.yaml:23`` (the suite's line), ``protocol ofa`` or ``default``."""
    if source.kind == "protocol":
        return f"protocol {source.protocol}"
    if source.kind == "suite":
        if locate is not None:
            return f"{file}:{locate(source.path)[0].line}"
        return f"{file}: {'.'.join(map(str, source.path))}"
    return "default"


def show_value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(show_value(v) for v in value) if value else "[]"
    if value is None:
        return "unset"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (dict,)):
        return json.dumps(value)
    return str(value)


def setting_rows(suite: Any) -> list[SettingRow]:
    """Rows for every run (protocol, training, sampler options, each dataset's hold-out) and the evaluation."""
    yaml_document = getattr(suite, "_yaml", None)
    locate = yaml_document.locate if yaml_document is not None else None
    file = (yaml_document.source if yaml_document is not None else str(suite.source or "suite")).rsplit("/", 1)[-1]
    resolved = suite.resolved
    rows: list[SettingRow] = []
    for run in resolved.runs:
        values = {
            "protocol": run.protocol,
            **{f"training.{k}": v for k, v in run.training.model_dump(mode="json").items()},
            **{f"options.{k}": v for k, v in run.options.items() if k != "name"},
        }
        for key, value in values.items():
            source = run.sources.get(key, SettingSource("default"))
            rows.append(SettingRow(run.name, key, value, describe_source(source, locate, file)))
        for dataset in resolved.datasets:
            size, source = run.valid_size_for(dataset)
            label = "dataset.valid_size" if len(resolved.datasets) == 1 else f"dataset.{dataset.name}.valid_size"
            rows.append(SettingRow(run.name, label, size, describe_source(source, locate, file)))
    references = resolved.references
    if references is not None:
        values = {
            "protocol": references.protocol,
            "per_bucket": references.per_bucket,
            "epochs": references.epochs,
            "seeds": list(references.seeds),
            "compile": references.compile,
            **{f"training.{k}": v for k, v in references.training.model_dump(mode="json").items()},
        }
        for key, value in values.items():
            source = references.sources.get(key, SettingSource("default"))
            rows.append(SettingRow("references", key, value, describe_source(source, locate, file)))
    for key, value in resolved.evaluation.model_dump(mode="json").items():
        source = resolved.evaluation_sources.get(f"evaluation.{key}", SettingSource("default"))
        rows.append(SettingRow(None, f"evaluation.{key}", value, describe_source(source, locate, file)))
    return rows
