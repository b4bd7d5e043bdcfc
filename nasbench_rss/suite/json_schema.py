"""The JSON Schema of suite files for the installed plugins (for editors and other tools).

It is pydantic's schema of the registry-built document model, so it names every
registered sampler, dataset and architecture and includes each one's options model.
"""

from __future__ import annotations

from typing import Any

from nasbench_rss.plugins import PluginRegistry, get_registry
from nasbench_rss.suite.models import document_model

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def suite_json_schema(registry: PluginRegistry | None = None) -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a suite document with ``registry``'s plugins."""
    schema = document_model(registry or get_registry()).model_json_schema()
    _close_pattern_properties(schema)
    return {"$schema": SCHEMA_DIALECT, **schema}


def _close_pattern_properties(node: Any) -> None:
    """Forbid keys outside ``patternProperties`` (run names), as validation does; pydantic leaves them open."""
    if isinstance(node, dict):
        if "patternProperties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _close_pattern_properties(value)
    elif isinstance(node, list):
        for value in node:
            _close_pattern_properties(value)
