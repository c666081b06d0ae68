"""Append prepared events durably: one transaction per batch, replays skipped.

The acknowledgement of any intake path means this transaction committed. Resolution and
scoring happen later, driven by the ``ingest_batches`` queue this writes to.
"""

from __future__ import annotations

import uuid
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

import sqlalchemy as sa

from devfunnel.ingest.prepare import Prepared, Rejected
from devfunnel.store import Store
from devfunnel.store.schema.events import events, ingest_batches


@dataclass
class IngestResult:
    """What happened to a batch: stored, skipped as replays, refused."""

    batch_id: uuid.UUID
    received: int
    inserted: int
    duplicates: int
    rejected: list[Rejected] = field(default_factory=list)


def appending(store: Store) -> AbstractContextManager[sa.Connection]:
    """The transaction events are appended in. Where no unique index backs
    de-duplication (DuckDB), two appends of the same messageId at once would both pass the
    check; there they take turns."""
    if store.backend.serial_appends:
        return store.exclusive("events-append")
    return store.transaction()


def append_events(
    store: Store,
    prepared: Prepared,
    *,
    source: str,
    conn: sa.Connection | None = None,
    known_new: bool = False,
) -> IngestResult:
    """Store the prepared rows and queue their batch for resolution, atomically: in its own
    transaction, or in the caller's ``conn`` when one is given.

    ``known_new`` is a caller's promise that no row's (source, messageId) is stored yet
    and none repeats (a bulk import that checked its file), which skips the lookup.
    """
    if conn is None:
        with appending(store) as own:
            return append_events(store, prepared, source=source, conn=own, known_new=known_new)
    rows = prepared.rows
    batch_ids = rows.column("batch_id").unique().to_pylist() if rows.num_rows else []
    if len(batch_ids) > 1:
        raise ValueError("a prepared table must hold exactly one batch")
    batch_id = uuid.UUID(batch_ids[0]) if batch_ids else uuid.uuid4()
    received_at = rows.column("received_at")[0].as_py() if rows.num_rows else None
    unique = None if known_new else ("source", "message_id")
    inserted = store.append(conn, events, rows, unique_on=unique)
    if rows.num_rows:
        conn.execute(
            ingest_batches.insert().values(
                id=batch_id,
                source=source,
                received_at=received_at,
                event_count=inserted,
                duplicate_count=rows.num_rows - inserted,
                status="pending" if inserted else "done",
            )
        )
    return IngestResult(
        batch_id=batch_id,
        received=rows.num_rows + len(prepared.rejected),
        inserted=inserted,
        duplicates=rows.num_rows - inserted,
        rejected=prepared.rejected,
    )
