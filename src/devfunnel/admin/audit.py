"""The audit log: every change made by a person, a key, the CLI or the system.

Writers call :func:`record` inside the same transaction as the change, so an entry exists
exactly when the change does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa

from devfunnel.ids import new_id
from devfunnel.store.schema.admin import audit_log

if TYPE_CHECKING:
    from devfunnel.store import Store

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


@dataclass(frozen=True)
class AuditEntry:
    id: uuid.UUID
    occurred_at: datetime
    actor_kind: str
    actor_id: uuid.UUID | None
    actor_label: str | None
    action: str
    entity_kind: str | None
    entity_id: uuid.UUID | None
    before: Any
    after: Any
    reason: str | None


@dataclass(frozen=True)
class AuditFilter:
    """What the Audit page and ``GET /api/v1/audit`` filter on; empty fields match all.

    ``actor`` matches the actor's label (an email, a key's name) or kind, any case, as a
    substring; ``action`` matches actions starting with it (``user.`` for every user
    change); ``entity`` is an entity kind (``user``) or an entity id; ``since`` and
    ``until`` are inclusive days in UTC.
    """

    actor: str | None = None
    action: str | None = None
    entity: str | None = None
    since: date | None = None
    until: date | None = None


def search(
    store: Store, where: AuditFilter, *, limit: int = 100, offset: int = 0
) -> list[AuditEntry]:
    """Entries matching ``where``, newest first."""
    query = sa.select(audit_log).order_by(audit_log.c.occurred_at.desc(), audit_log.c.id.desc())
    for condition in _conditions(where):
        query = query.where(condition)
    with store.read() as conn:
        rows = conn.execute(query.limit(limit).offset(offset)).all()
    return [AuditEntry(**row._mapping) for row in rows]


def actions(store: Store) -> list[str]:
    """Every action recorded so far, for filter choices."""
    with store.read() as conn:
        query = sa.select(audit_log.c.action).distinct().order_by(audit_log.c.action)
        return [str(a) for a in conn.execute(query).scalars()]


def _conditions(where: AuditFilter) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if where.actor and where.actor.strip():
        needle = f"%{_escape(where.actor.strip().lower())}%"
        conditions.append(
            sa.or_(
                sa.func.lower(audit_log.c.actor_label).like(needle, escape="\\"),
                audit_log.c.actor_kind == where.actor.strip().lower(),
            )
        )
    if where.action and where.action.strip():
        prefix = _escape(where.action.strip())
        conditions.append(audit_log.c.action.like(f"{prefix}%", escape="\\"))
    if where.entity and where.entity.strip():
        text = where.entity.strip()
        try:
            conditions.append(audit_log.c.entity_id == uuid.UUID(text))
        except ValueError:
            conditions.append(audit_log.c.entity_kind == text.lower())
    if where.since:
        start = datetime.combine(where.since, time.min, tzinfo=UTC)
        conditions.append(audit_log.c.occurred_at >= start)
    if where.until:
        end = datetime.combine(where.until + timedelta(days=1), time.min, tzinfo=UTC)
        conditions.append(audit_log.c.occurred_at < end)
    return conditions


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
