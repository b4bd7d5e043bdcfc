"""Suite files: a declarative YAML grid of training cells, validated before anything runs.

    from nasbench_rss.suite import load_suite
    suite = load_suite("suites/quick.yaml")        # SuiteError lists every problem, FILE:LINE:COL each
    for cell in suite.cells():                     # architecture x dataset x run x seed
        print(cell.id, cell.config.epochs, cell.directory)
    suite.data_problems(cells)                     # FILE:LINE:COL lines for those cells' missing dataset files

The document (``nasbench-rss schema`` prints its JSON Schema with every installed plugin)::

    name: quick                       # [a-z0-9-]+; the default run directory is runs/<name>
    description: ...
    requires: ["nasbench-rss>=0.1"]   # PEP 508 requirements, checked before anything runs
    seeds: [0, 1, 2]                  # distinct integers 0..2**63-1 (default [0])
    device: auto                      # auto | cpu | cuda | cuda:N
    baseline: ofa                     # optional; a run every other run is compared with
    defaults:
      architecture: {name: mobilenet-v3, options: {}}   # options: the plugin's options model
      dataset: {name: fashion-mnist, options: {}, train_subset: 6000, test_subset: 2000}
      training: {lr: 0.01, ...}       # TrainConfig (nasbench_rss/config/training.py)
      evaluation: {per_bucket: 100, ...}  # EvaluationConfig, one for the whole suite
    matrix:                           # optional axes; an entry is a name or a mapping
      architecture: [mobilenet-v3]
      dataset: [mnist, {name: cifar10, train_subset: 5000}]
    runs:                             # at least one; key: run name [a-z0-9-]+
      ofa:
        description: ...
        sampler: progressive-shrinking   # a registered sampler; options validated by its model
        options: {}
        epochs: {mnist: 37, cifar10: 590}   # or one integer for every dataset
        training: {lr: 0.02}              # merged key by key over defaults.training

Rules: unknown keys are errors everywhere; a matrix axis replaces the default (an axis
not given is the default alone); a matrix entry takes the keys it omits from the
default entry (``options`` only when it names the same plugin, then merged key by key);
per-dataset epochs must name exactly the suite's datasets.  Cells are ordered
architecture, dataset, run, seed.

Beyond the schema, what would fail a cell later is a problem now: every run's sampler is
built (:mod:`~nasbench_rss.suite.sampler_check`), subsets and batches are checked against
each dataset's sizes (:mod:`~nasbench_rss.suite.data_check`), numbers must be finite.
Missing dataset files are reported apart (``Suite.data_problems``, which ``validate``
shows as warnings, or as problems with ``--require-data``; ``load_suite(..., check_data=True)``
makes them problems of the suite), so that a run of some cells is not refused for data only
other cells need, and a suite can be validated on a machine without its data.
"""

from nasbench_rss.errors import SuiteError
from nasbench_rss.suite.cells import PlannedCell, config_hash
from nasbench_rss.suite.json_schema import suite_json_schema
from nasbench_rss.suite.suite import Suite, load_suite, parse_suite

__all__ = ["PlannedCell", "Suite", "SuiteError", "config_hash", "load_suite", "parse_suite", "suite_json_schema"]
