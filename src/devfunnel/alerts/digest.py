"""Digests: one summary per ``alerts.digest_minutes`` for destinations that want them.

Periods are aligned to the clock (with 60 minutes: on the hour, UTC). When a period has
ended, the alerts queued for a digest destination before its end are folded into one
``digest`` alert (``dedupe_key`` = ``digest:<destination>:<period end>``, so a period is
summarised once however many workers run) with one delivery, and their own deliveries are
marked ``digested``. The digest is then delivered, retried and dead-lettered like any
alert, under its own delivery id.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from devfunnel.alerts.context import iso, load_json
from devfunnel.alerts.kinds import DIGEST
from devfunnel.config import Settings
from devfunnel.ids import new_id
from devfunnel.store import Store
from devfunnel.store.schema.admin import alert_deliveries, alert_destinations, alerts


def period_end(now: datetime, minutes: int) -> datetime:
    """The latest period boundary at or before ``now``."""
    seconds = minutes * 60
    stamp = now.timestamp()
    return datetime.fromtimestamp(stamp - stamp % seconds, UTC)


def form_digests(store: Store, settings: Settings, *, now: datetime) -> int:
    """Fold the alerts of every period that has ended into digests; returns how many."""
    from devfunnel.alerts.detect import queue_delivery

    boundary = period_end(now, settings.alerts.digest_minutes)
    d, a, t = alert_deliveries.c, alerts.c, alert_destinations.c
    formed = 0
    with store.exclusive("alert-digest") as conn:
        destinations = conn.execute(
            sa.select(t.id, t.name).where(t.digest.is_(sa.true()), t.active.is_(sa.true()))
        ).all()
        for destination in destinations:
            waiting = conn.execute(
                sa.select(d.id, a.id.label("alert_id"), a.kind, a.created_at, a.payload)
                .join(alerts, a.id == d.alert_id)
                .where(
                    d.destination_id == destination.id,
                    d.status == "pending",
                    a.kind != DIGEST,
                    d.created_at < boundary,
                )
                .order_by(a.created_at, a.id)
            ).all()
            if not waiting:
                continue
            key = f"digest:{destination.id}:{iso(boundary)}"
            if conn.execute(sa.select(a.id).where(a.dedupe_key == key)).first() is not None:
                continue  # this period is summarised; later stragglers go in the next one
            items: list[dict[str, Any]] = [
                {
                    "id": str(row.alert_id),
                    "kind": row.kind,
                    "created_at": iso(row.created_at),
                    **load_json(row.payload),
                }
                for row in waiting
            ]
            payload = {
                "destination": destination.name,
                "period_start": iso(min(row.created_at for row in waiting)),
                "period_end": iso(boundary),
                "count": len(items),
                "alerts": items,
            }
            digest_id = new_id()
            conn.execute(
                alerts.insert().values(
                    id=digest_id,
                    kind=DIGEST,
                    dedupe_key=key,
                    account_id=None,
                    payload=payload,
                    created_at=now,
                )
            )
            queue_delivery(conn, digest_id, destination.id, now)
            conn.execute(
                alert_deliveries.update()
                .where(d.id.in_([row.id for row in waiting]))
                .values(status="digested", next_attempt_at=None)
            )
            formed += 1
    return formed
