"""The audit log: every change made by a person, a key, the CLI or the system.

Writers call :func:`record` inside the same transaction as the change, so an entry exists
exactly when the change does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa

from devfunnel.ids import new_id
from devfunnel.store.schema.admin import audit_log

ActorKind = Literal["user", "api_key", "cli", "system"]


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, an API key, the command line, or devfunnel itself."""

    kind: ActorKind
    id: uuid.UUID | None = None
    label: str | None = None


CLI = Actor("cli", label="command line")
SYSTEM = Actor("system", label="devfunnel")


def record(
    conn: sa.Connection,
    actor: Actor,
    action: str,
    *,
    entity_kind: str | None = None,
    entity_id: uuid.UUID | None = None,
    before: Any = None,
    after: Any = None,
    reason: str | None = None,
) -> uuid.UUID:
    """Append one entry; ``before``/``after`` must be JSON-serialisable."""
    entry = new_id()
    conn.execute(
        audit_log.insert().values(
            id=entry,
            occurred_at=datetime.now(UTC),
            actor_kind=actor.kind,
            actor_id=actor.id,
            actor_label=actor.label,
            action=action,
            entity_kind=entity_kind,
            entity_id=entity_id,
            before=before,
            after=after,
            reason=reason,
        )
    )
    return entry
