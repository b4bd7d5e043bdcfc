"""An example nasbench-rss sampler plugin: the sandwich rule.

Installing this distribution makes the sampler ``mini-sandwich`` available to ``nasbench-rss
train --sampler mini-sandwich`` and to suites (``sampler: mini-sandwich``), through the entry point
``example-sampler`` of the group ``nasbench_rss`` (see ``pyproject.toml``).
"""

from nasbench_rss_example_sampler.sandwich import SandwichSampler

__version__ = "0.1.0"
__all__ = ["SandwichSampler", "__version__"]
