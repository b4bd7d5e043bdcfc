"""A run directory read into typed evidence once: populations, buckets, timings, exposure, probes, ranking.

Below both ``claims`` and ``report``: a claim kind and a report section read the same
evidence, so a claim never depends on how a report lays its numbers out.  It reads run
directories through :mod:`nasbench_rss.run.results` and computes with :mod:`nasbench_rss.stats`;
it imports nothing from ``claims`` or ``report``.

- :mod:`.evidence`: :class:`~.evidence.RunEvidence` (one run directory, each kind of
  evidence derived once) and :class:`~.evidence.Evidence` (one group, what a claim is tested on);
- :mod:`.populations`: the evaluated subnets per (arch, dataset, run, seed, bucket), the buckets;
- :mod:`.times` and :mod:`.contention`: each trained cell's times and its contended epochs;
- :mod:`.exposure`: what each cell trained (MFLOPs and steps of its subnets);
- :mod:`.probes`: what the interference probe saw in each cell;
- :mod:`.ranking`: each run's per-seed ranking of the stand-alone references.
"""
