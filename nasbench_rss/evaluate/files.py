"""The evaluation's files in a cell directory, next to the trainer's.

    evaluation.jsonl   every subnet ever evaluated in this cell, one JSON object per line
                       (appended as each finishes, so an interrupted evaluation loses nothing
                       and a rerun evaluates no subnet twice)
    evaluation.json    the population evaluation under the cell's current evaluation
                       settings: per bucket, its subnets with MFLOPs, accuracy and loss, or
                       why the bucket was skipped

``evaluation.json`` counts only while its ``config_hash`` is that of the cell's
evaluation settings (``cell.json``); after a settings change it is stale and is rebuilt,
reusing the records of ``evaluation.jsonl`` that still apply.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nasbench_rss.evaluate.config import EvaluationConfig

EVALUATION_FILE = "evaluation.json"
SUBNET_RECORDS_FILE = "evaluation.jsonl"
EVALUATION_FORMAT = 1


def read_evaluation(cell_dir: Path, evaluation: EvaluationConfig | dict[str, Any]) -> dict[str, Any] | None:
    """The cell's ``evaluation.json`` when it was made with ``evaluation``'s settings, else None."""
    config = evaluation if isinstance(evaluation, EvaluationConfig) else EvaluationConfig.model_validate(evaluation)
    try:
        stored = json.loads((Path(cell_dir) / EVALUATION_FILE).read_text())
    except FileNotFoundError:
        return None
    return stored if stored.get("config_hash") == config.config_hash else None
