"""Fixtures of the run tests (plain helpers are in run_helpers.py, importable by name)."""

from __future__ import annotations

from pathlib import Path

import pytest
from run_helpers import suite_text


@pytest.fixture
def write_suite(tmp_path):
    """Writes the tiny synthetic suite (see run_helpers.suite_text) into tmp_path."""

    def write(filename="suite.yaml", **kwargs) -> Path:
        path = tmp_path / filename
        path.write_text(suite_text(**kwargs))
        return path

    return write
