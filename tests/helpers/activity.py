"""Send developer activity through real intake and resolution, at chosen days before a
fixed ``AS_OF``, for journey and scoring tests."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.identity.resolve import resolve_pending
from devfunnel.ingest.append import append_events
from devfunnel.ingest.prepare import prepare
from devfunnel.store import Store
from devfunnel.store.schema.identity import accounts, identities
from tests.helpers.events import segment

AS_OF = datetime(2026, 3, 1, tzinfo=UTC)
_IDS = itertools.count()


def at(days_ago: float) -> datetime:
    return AS_OF - timedelta(days=days_ago)


def track(email: str, event: str, days_ago: float, **properties: Any) -> dict[str, Any]:
    return {"messageId": f"m{next(_IDS)}", "type": "track", "event": event, "email": email,
            "userId": email, "timestamp": at(days_ago),
            "properties": properties or None}  # fmt: skip


def page(email: str, category: str, days_ago: float) -> dict[str, Any]:
    return {"messageId": f"m{next(_IDS)}", "type": "page", "name": category,
            "category": category, "email": email, "userId": email,
            "timestamp": at(days_ago)}  # fmt: skip


def send(store: Store, settings: Settings, *events: dict[str, Any]) -> None:
    """Append the events as one batch and resolve them, as the worker would."""
    append_events(store, prepare(segment(*events), source="segment:test"), source="segment:test")
    resolve_pending(store, settings)


def person(store: Store, email: str) -> uuid.UUID:
    with store.read() as conn:
        return conn.execute(
            sa.select(identities.c.person_id).where(identities.c.key == f"email:{email}")
        ).scalar_one()


def account(store: Store, domain: str) -> uuid.UUID:
    with store.read() as conn:
        return conn.execute(
            sa.select(accounts.c.id).where(accounts.c.domain == domain)
        ).scalar_one()
