"""Fixtures of the run tests (plain helpers are in tests/run/run_helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.run.run_helpers import suite_text


@pytest.fixture
def write_suite(tmp_path):
    """Writes the tiny synthetic suite (see run_helpers.suite_text) into tmp_path."""

    def write(filename="suite.yaml", **kwargs) -> Path:
        path = tmp_path / filename
        path.write_text(suite_text(**kwargs))
        return path

    return write
