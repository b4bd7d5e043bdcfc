"""Executors: what runs a suite's cells (local worker processes here; clusters as plugins)."""
