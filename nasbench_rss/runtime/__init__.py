"""A cell at run time: its device and numerics, its parts built from its config, its checkpoints.

Shared by training and evaluation, which never import each other: both work on a
:class:`~nasbench_rss.runtime.build.Cell` and read the weights through
:mod:`~nasbench_rss.runtime.checkpoint`.
"""
