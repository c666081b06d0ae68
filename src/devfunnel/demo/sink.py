"""Collects the demo's raw signals in the shapes real sources send them.

Events are kept per source as Segment-shaped columns (the input of ``ingest.prepare``);
GitHub deliveries and Stripe events keep their webhook payload shapes; CRM exports are
records. Nothing here is resolved: that is the product's job.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
import pyarrow as pa

_COLUMNS = ("messageId", "type", "event", "name", "category", "userId", "anonymousId",
            "groupId", "previousId", "properties", "traits", "context", "email",
            "githubLogin")  # fmt: skip
DAY_US = 86_400_000_000


@dataclass
class SourceColumns:
    columns: dict[str, list[Any]] = field(default_factory=lambda: {c: [] for c in _COLUMNS})
    times: list[np.ndarray] = field(default_factory=list)
    rows: int = 0


class Sink:
    """Raw signals of one chunk of the demo company."""

    def __init__(self, start_us: int, end_us: int) -> None:
        self.start_us = start_us
        self.end_us = end_us
        self.sources: dict[str, SourceColumns] = defaultdict(SourceColumns)
        self.github: list[tuple[str, str, dict[str, Any]]] = []
        #: GitHub user profiles as the GitHub connector fetches them (``GET /users/{login}``).
        self.github_profiles: list[dict[str, Any]] = []
        #: GitHub organisations by login, fetched for the ``@org`` the profiles name
        #: (``GET /orgs/{org}``).
        self.github_orgs: dict[str, dict[str, Any]] = {}
        self.stripe: list[dict[str, Any]] = []
        self.records: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._tables: dict[str, pa.Table] | None = None

    def micros(self, day: float) -> int:
        return int(self.start_us + day * DAY_US)

    def event(self, source: str, day: float, message_id: str, kind: str, **fields: Any) -> None:
        """One Segment-shaped event at window ``day`` (fractional days since the start)."""
        at = self.micros(day)
        if at >= self.end_us:
            return
        target = self.sources[source]
        columns = target.columns
        columns["messageId"].append(message_id)
        columns["type"].append(kind)
        for name in _COLUMNS[2:]:
            value = fields.get(name)
            if isinstance(value, dict):
                value = orjson.dumps(value).decode()
            columns[name].append(value)
        target.times.append(np.asarray([at], dtype=np.int64))
        target.rows += 1

    def events(
        self,
        source: str,
        days: np.ndarray,
        message_ids: list[str],
        kind: str,
        event: str,
        properties: list[str],
        **shared: Any,
    ) -> None:
        """Many events of one kind that differ only in time and properties (usage roll-ups)."""
        at = (self.start_us + days * DAY_US).astype(np.int64)
        keep = at < self.end_us
        if not keep.all():
            at = at[keep]
            message_ids = [m for m, k in zip(message_ids, keep, strict=True) if k]
            properties = [p for p, k in zip(properties, keep, strict=True) if k]
        n = len(at)
        if n == 0:
            return
        target = self.sources[source]
        columns = target.columns
        columns["messageId"].extend(message_ids)
        columns["type"].extend([kind] * n)
        columns["event"].extend([event] * n)
        columns["properties"].extend(properties)
        for name in _COLUMNS[3:]:
            if name == "properties":
                continue
            value = shared.get(name)
            if isinstance(value, dict):
                value = orjson.dumps(value).decode()
            columns[name].extend([value] * n)
        target.times.append(at)
        target.rows += n

    def tables(self) -> dict[str, pa.Table]:
        """Per source, an Arrow table ready for ``ingest.prepare``. The first call seals
        the sink: the column lists are dropped, so a chunk generated in another process
        travels back as Arrow buffers, not millions of Python strings."""
        if self._tables is not None:
            return self._tables
        out = {}
        for source, data in self.sources.items():
            if not data.rows:
                continue
            times = np.concatenate(data.times)
            columns: dict[str, Any] = {c: pa.array(v, pa.string()) for c, v in data.columns.items()}
            columns["timestamp"] = pa.array(times, pa.timestamp("us", tz="UTC"))
            out[source] = pa.table(columns)
        self.sources.clear()
        self._tables = out
        return out
