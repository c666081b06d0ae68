"""Benchmarks: ``python -m benchmarks`` (``make bench``); each compares against a baseline
measured in the same run, and writes its figures to ``benchmarks/results/``."""
