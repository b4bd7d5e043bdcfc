"""A run directory read into typed evidence once: populations, buckets, timings, exposure, ranking.

Below both ``claims`` and ``report``: a claim kind and a report section read the same
evidence, so a claim never depends on how a report lays its numbers out.
"""
