"""What happened to alerts: recent alerts with their deliveries, the dead-letter list, and
re-driving dead deliveries (``devfunnel alerts retry ID``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from devfunnel.admin.audit import Actor, record
from devfunnel.alerts.context import load_json
from devfunnel.alerts.kinds import ALERT_KINDS, DIGEST
from devfunnel.errors import Conflict, NotFound, ValidationError
from devfunnel.ids import parse_id
from devfunnel.store import Store
from devfunnel.store.query import chunked
from devfunnel.store.schema.admin import alert_deliveries, alert_destinations, alerts

DELIVERY_STATUSES = ("pending", "delivered", "dead", "digested")


@dataclass(frozen=True)
class DeliveryView:
    id: uuid.UUID
    alert_id: uuid.UUID
    destination_id: uuid.UUID
    destination: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    delivered_at: datetime | None


@dataclass(frozen=True)
class AlertView:
    id: uuid.UUID
    kind: str
    created_at: datetime
    account_id: uuid.UUID | None
    title: str
    payload: dict[str, Any]
    deliveries: list[DeliveryView]


def list_alerts(
    store: Store, *, limit: int = 50, kind: str | None = None, status: str | None = None
) -> list[AlertView]:
    """The newest alerts first, each with every delivery; ``status`` keeps alerts with at
    least one delivery in that status (``dead`` for the dead-letter view)."""
    if kind is not None and kind not in (*ALERT_KINDS, DIGEST):
        raise ValidationError(
            f"unknown alert kind {kind!r}; use one of: {', '.join((*ALERT_KINDS, DIGEST))}",
            field="kind",
            value=kind,
        )
    if status is not None and status not in DELIVERY_STATUSES:
        raise ValidationError(
            f"unknown delivery status {status!r}; use one of: {', '.join(DELIVERY_STATUSES)}",
            field="status",
            value=status,
        )
    a, d = alerts.c, alert_deliveries.c
    query = sa.select(alerts).order_by(a.created_at.desc(), a.id.desc()).limit(limit)
    if kind is not None:
        query = query.where(a.kind == kind)
    if status is not None:
        query = query.where(sa.exists().where(d.alert_id == a.id, d.status == status))
    with store.read() as conn:
        rows = conn.execute(query).all()
        deliveries = _deliveries(conn, [r.id for r in rows])
    views = []
    for row in rows:
        payload = load_json(row.payload) or {}
        title = payload.get("title") or (
            f"Digest of {payload.get('count', 0)} alerts" if row.kind == DIGEST else row.kind
        )
        views.append(
            AlertView(
                row.id,
                row.kind,
                row.created_at,
                row.account_id,
                str(title),
                payload,
                deliveries.get(row.id, []),
            )
        )
    return views


def dead_deliveries(store: Store, *, limit: int = 100) -> list[tuple[DeliveryView, AlertView]]:
    """Dead deliveries, newest alert first, each with its alert."""
    found = []
    for alert in list_alerts(store, limit=limit, status="dead"):
        found += [(d, alert) for d in alert.deliveries if d.status == "dead"]
    return found


def retry(
    store: Store, ref: str, actor: Actor, *, now: datetime | None = None
) -> list[DeliveryView]:
    """Re-queue dead deliveries: ``ref`` is a delivery id, or an alert id (all its dead
    deliveries). They are sent again, with the same delivery id, by the next pass."""
    now = now or datetime.now(UTC)
    ident = parse_id(ref.strip())
    d, t = alert_deliveries.c, alert_destinations.c
    with store.transaction() as conn:
        rows = conn.execute(
            sa.select(d.id, d.status, d.alert_id, t.active, t.name)
            .join(alert_destinations, t.id == d.destination_id)
            .where(sa.or_(d.id == ident, d.alert_id == ident))
        ).all()
        if not rows:
            raise NotFound(
                f"no alert or alert delivery {str(ident)!r} (`devfunnel alerts dead` lists "
                "dead deliveries)",
                id=str(ident),
            )
        dead = [r for r in rows if r.status == "dead"]
        if not dead:
            statuses = ", ".join(sorted({r.status for r in rows}))
            raise Conflict(
                f"{ident} has no dead delivery (status: {statuses}); only dead deliveries "
                "are retried",
                id=str(ident),
            )
        inactive = [r.name for r in dead if not r.active]
        if inactive:
            raise Conflict(
                f"the destination {inactive[0]!r} was removed; its deliveries cannot be retried",
                id=str(ident),
            )
        ids = [r.id for r in dead]
        conn.execute(
            alert_deliveries.update()
            .where(d.id.in_(ids), d.status == "dead")
            .values(status="pending", attempts=0, next_attempt_at=now)
        )
        for row in dead:
            record(
                conn,
                actor,
                "alert_delivery.retry",
                entity_kind="alert_delivery",
                entity_id=row.id,
                before={"status": "dead"},
                after={"status": "pending", "destination": row.name},
            )
        requeued = set(ids)
        views = _deliveries(conn, sorted({r.alert_id for r in dead}))
        return [v for vs in views.values() for v in vs if v.id in requeued]


def _deliveries(
    conn: sa.Connection, alert_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[DeliveryView]]:
    d, t = alert_deliveries.c, alert_destinations.c
    found: dict[uuid.UUID, list[DeliveryView]] = {}
    for part in chunked(alert_ids):
        query = (
            sa.select(
                d.id,
                d.alert_id,
                d.destination_id,
                t.name,
                d.status,
                d.attempts,
                d.next_attempt_at,
                d.last_error,
                d.delivered_at,
            )
            .join(alert_destinations, t.id == d.destination_id)
            .where(d.alert_id.in_(part))
            .order_by(t.name, d.id)
        )
        for row in conn.execute(query):
            found.setdefault(row.alert_id, []).append(DeliveryView(*row))
    return found
