"""The app in process with keys of every kind, and a view of what the store holds."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from devfunnel.admin.api_keys import CreatedKey, create_key, revoke_key
from devfunnel.admin.audit import CLI
from devfunnel.config import Settings
from devfunnel.store import Store
from devfunnel.store.schema.events import events, ingest_batches
from devfunnel.web.app import create_app


@dataclass(frozen=True)
class Keys:
    """Secrets by what they may do."""

    ingest: str
    other: str
    admin: str
    read: str
    revoked: str
    ingest_id: str
    other_id: str


@pytest.fixture
def keys(store: Store) -> Keys:
    def make(name: str, scope: str) -> CreatedKey:
        return create_key(store, name, scope, CLI)

    ingest, other = make("web", "ingest"), make("mobile", "ingest")
    revoked = make("old", "ingest")
    revoke_key(store, str(revoked.key.id), CLI)
    return Keys(ingest.secret, other.secret, make("ops", "admin").secret,
                make("bi", "read").secret, revoked.secret, str(ingest.key.id),
                str(other.key.id))  # fmt: skip


def client_for(store: Store, settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings, store, run_worker=False)
    try:
        with TestClient(app) as test_client:
            yield test_client
    finally:
        writer = getattr(app.state, "intake_writer", None)
        if writer is not None:
            writer.close()


@pytest.fixture
def client(store: Store, settings: Settings) -> Iterator[TestClient]:
    """The app over ``store`` with the default settings (no background worker)."""
    yield from client_for(store, settings)


def stored(store: Store) -> list[dict[str, Any]]:
    """Every stored event, ordered by source and message id."""
    with store.read() as conn:
        query = sa.select(events).order_by(events.c.source, events.c.message_id)
        return [dict(row) for row in conn.execute(query).mappings()]


def snapshot(store: Store) -> tuple[list[tuple[Any, ...]], int]:
    """What a refused request must leave exactly as it was: events and queued batches."""
    rows = [
        (e["source"], e["message_id"], e["event"], e["timestamp"], e["properties"])
        for e in stored(store)
    ]
    with store.read() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(ingest_batches)).scalar_one()
    return rows, count


def track(message_id: str, **fields: Any) -> dict[str, Any]:
    """A valid track call from a known user unless ``fields`` say otherwise."""
    return {"type": "track", "messageId": message_id, "event": "API Request", "userId": "u1",
            "properties": {"endpoint": "/v1/charges"}, **fields}  # fmt: skip
