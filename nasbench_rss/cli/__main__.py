"""``python -m nasbench_rss.cli``: the ``nasbench-rss`` command without the console script."""

import sys

from nasbench_rss.cli import main

sys.exit(main())
