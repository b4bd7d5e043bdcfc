"""One cell: its files (``directory``), what made it (``provenance``) and how it runs (``runner``).

Import the modules themselves: ``directory`` and ``provenance`` import no torch, ``runner``
imports training and evaluation only when it runs a cell.
"""
