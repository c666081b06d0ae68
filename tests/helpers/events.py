"""Build Segment-shaped Arrow tables the way intake paths hand them to ``prepare``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from devfunnel.ingest.prepare import SEGMENT_FIELDS, TS, Prepared, prepare

SEGMENT_SCHEMA = pa.schema(list(SEGMENT_FIELDS.items()))
#: A fixed receive time, so expected timestamps are exact.
RECEIVED = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
_JSON_FIELDS = ("properties", "traits", "context")


def segment(*events: dict[str, Any]) -> pa.Table:
    """A table with every Segment column; dict properties/traits/context become JSON text."""
    rows = []
    for event in events:
        row = dict(event)
        for name in _JSON_FIELDS:
            if isinstance(row.get(name), dict):
                row[name] = json.dumps(row[name])
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=SEGMENT_SCHEMA)


def track(message_id: str | None, event: str = "Signed Up", **fields: Any) -> dict[str, Any]:
    """A valid track call from a known user unless ``fields`` say otherwise."""
    return {"messageId": message_id, "type": "track", "event": event, "userId": "u1", **fields}


def past_intake_checks(row: dict[str, Any], *, source: str) -> Prepared:
    """``row`` prepared as intake prepares it, then given its own ``timestamp`` after the
    checks: how events with impossible times were stored before intake refused them."""
    prepared = prepare(segment({**row, "timestamp": RECEIVED}), source=source,
                       correct_clock_skew=False)  # fmt: skip
    rows = prepared.rows
    index = rows.schema.get_field_index("timestamp")
    stamped = rows.set_column(index, "timestamp", pa.array([row["timestamp"]], TS))
    return Prepared(rows=stamped, rejected=[])
