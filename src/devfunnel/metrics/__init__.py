"""Portable analytics: Ibis expressions over the store, the same on every backend.

Results are read as Arrow (``to_pyarrow``), never through pandas, so the analytics need no
pandas at run time and stay exact for integers and timestamps.
"""
