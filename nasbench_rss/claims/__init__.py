"""Claims: what a paper says, declared in a suite and checked against a run directory.

A suite's ``claims:`` lists statements in a small typed vocabulary (``better``,
``lower-variance``, ``faster``, ``peak-at``, ...), each with its source in the paper.
Each kind is a plugin (``register_claims``), so a third party can add one; the report
opens with a table of every claim, its statistic, its Holm-adjusted p and its verdict.
"""
