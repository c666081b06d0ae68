"""Which message ids a file import has stored so far, to skip the store's replay check.

A fresh file's chunks need no lookup in the store when no id repeats, within the chunk or
across chunks. Keeping the ids themselves costs a Python string each (seconds per million
and gigabytes for large files); this keeps one sorted 64-bit hash per id instead (8 bytes),
computed by DuckDB without the GIL. Hashes can only err one way: two different ids that
collide look like a repeat, which sends the import back to the store's exact check; the
same id always has the same hash, so a real repeat is never missed.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa


class SeenIds:
    """Hashes of the ids stored by this import so far, sorted."""

    def __init__(self) -> None:
        self._hashes = np.empty(0, dtype=np.uint64)
        self._hasher = duckdb.connect(":memory:")
        # One thread: hashing a chunk's ids is a few milliseconds of work, and the import
        # already keeps both cores busy parsing and appending.
        self._hasher.execute("SET threads = 1")

    def add_if_all_new(self, ids: pa.Array | pa.ChunkedArray) -> bool:
        """Remember ``ids`` and return ``True`` when none repeats another of ``ids`` or one
        remembered before; otherwise remember nothing and return ``False``."""
        unique = np.sort(self._hash(ids))
        if bool((unique[1:] == unique[:-1]).any()):
            return False
        positions = np.searchsorted(self._hashes, unique)
        if len(self._hashes):
            found = self._hashes[np.minimum(positions, len(self._hashes) - 1)] == unique
            if bool(found.any()):
                return False
        self._hashes = np.insert(self._hashes, positions, unique)
        return True

    def __len__(self) -> int:
        return len(self._hashes)

    def close(self) -> None:
        self._hasher.close()

    def _hash(self, ids: pa.Array | pa.ChunkedArray) -> np.ndarray:
        table = pa.table({"id": ids})
        self._hasher.register("ids", table)
        try:
            column = self._hasher.execute("SELECT hash(id) AS h FROM ids").fetchnumpy()["h"]
        finally:
            self._hasher.unregister("ids")
        return np.asarray(column, dtype=np.uint64)
