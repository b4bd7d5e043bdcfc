"""Population evaluation (subnets per MFLOP bucket, BN recalibration, test accuracy) and export.

Works on a cell :mod:`nasbench_rss.runtime` built and never imports training.
"""
