"""Helpers the suite tests share (import them as tests.suite.suite_helpers)."""

from __future__ import annotations

import pytest

from nasbench_rss.errors import SuiteError
from nasbench_rss.suite import parse_suite


def problems(text: str, source: str, **kwargs) -> list[str]:
    """The problem lines parsing ``text`` (named ``source``) gives; it must be invalid."""
    with pytest.raises(SuiteError) as info:
        parse_suite(text, source, **kwargs)
    return info.value.problems
