"""Send due alert deliveries: at least once, retried with backoff, dead-lettered at last.

A pass goes:

1. **claim** (one short transaction under a lock): due pending deliveries to active
   destinations are taken, their attempt counted and their next attempt pushed a lease
   into the future, so no other worker takes them meanwhile;
2. **send** each one with no transaction open, with ``alerts.timeout_seconds``;
3. **record** the outcome in its own short transaction: ``delivered``; or the next
   attempt after ``alerts.retry_seconds[attempt - 1]`` (or the receiver's longer
   ``Retry-After``); or ``dead`` with ``last_error`` once the delays are used up, or at
   once when the receiver refuses the request itself (a 4xx other than 408, 425, 429).

If the process dies between sending and recording, the lease runs out and the delivery
is sent again with the same id: that is the at-least-once contract, and why receivers
deduplicate by ``X-Devfunnel-Delivery`` (or the ``id`` in the body). Digest destinations
receive only digests (:mod:`devfunnel.alerts.digest`).
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import sqlalchemy as sa

from devfunnel import outbound
from devfunnel.alerts import digest, messages, signing
from devfunnel.alerts.context import iso, load_json
from devfunnel.alerts.kinds import DIGEST
from devfunnel.config import Settings
from devfunnel.outbound import Outcome
from devfunnel.store import Store
from devfunnel.store.schema.admin import alert_deliveries, alert_destinations, alerts

log = logging.getLogger(__name__)

#: Deliveries claimed per transaction.
BATCH = 20
#: Batches one pass sends at most, so a pass ends even under a flood.
MAX_BATCHES = 10


@dataclass(frozen=True)
class Outgoing:
    """A claimed delivery with everything needed to send it."""

    delivery_id: uuid.UUID
    #: Attempts including this one.
    attempts: int
    destination_name: str
    destination_kind: str
    url: str
    secret: str | None
    alert: dict[str, Any]


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    dead: int = 0
    digests: int = 0

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.dead


def deliver_due(
    store: Store,
    settings: Settings,
    *,
    now: datetime | None = None,
    http: httpx.Client | None = None,
) -> DeliveryReport:
    """Form due digests, then send every due delivery once (one pass)."""
    now = now or datetime.now(UTC)
    report = DeliveryReport(digests=digest.form_digests(store, settings, now=now))
    client = http
    try:
        for _ in range(MAX_BATCHES):
            batch = claim(store, settings, now)
            for item in batch:  # the client is made only when there is something to send
                client = client or outbound.client(settings.alerts.timeout_seconds)
                record(store, settings, item, send(client, item), now, report)
            if len(batch) < BATCH:
                break
    finally:
        if http is None and client is not None:
            client.close()
    return report


def lease_seconds(settings: Settings) -> float:
    """How long a claimed delivery is left alone: longer than a batch can take to send."""
    return settings.alerts.timeout_seconds * BATCH + 60.0


def claim(store: Store, settings: Settings, now: datetime) -> list[Outgoing]:
    d, a, t = alert_deliveries.c, alerts.c, alert_destinations.c
    query = (
        sa.select(
            d.id,
            d.attempts,
            a.id.label("alert_id"),
            a.kind,
            a.created_at,
            a.payload,
            t.name,
            t.kind.label("destination_kind"),
            t.url,
            t.secret,
        )
        .select_from(alert_deliveries)
        .join(alerts, a.id == d.alert_id)
        .join(alert_destinations, t.id == d.destination_id)
        .where(
            d.status == "pending",
            d.next_attempt_at <= now,
            t.active.is_(sa.true()),
            sa.or_(t.digest.is_(sa.false()), a.kind == DIGEST),
        )
        .order_by(d.next_attempt_at, d.id)
        .limit(BATCH)
    )
    with store.exclusive("alert-delivery") as conn:
        rows = conn.execute(query).all()
        if not rows:
            return []
        conn.execute(
            alert_deliveries.update()
            .where(d.id.in_([r.id for r in rows]))
            .values(
                attempts=d.attempts + 1,
                next_attempt_at=now + timedelta(seconds=lease_seconds(settings)),
            )
        )
    return [
        Outgoing(
            delivery_id=row.id,
            attempts=row.attempts + 1,
            destination_name=row.name,
            destination_kind=row.destination_kind,
            url=row.url,
            secret=row.secret,
            alert={
                "id": str(row.alert_id),
                "kind": row.kind,
                "created_at": iso(row.created_at),
                "payload": load_json(row.payload),
            },
        )
        for row in rows
    ]


def request_for(item: Outgoing, timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
    """The body and headers one attempt sends (signed now, for webhooks)."""
    delivery_id = str(item.delivery_id)
    if item.destination_kind == "slack":
        body = orjson.dumps(messages.slack_body(delivery_id, item.alert))
        return body, {"Content-Type": "application/json", signing.DELIVERY_HEADER: delivery_id}
    body = orjson.dumps(messages.webhook_body(delivery_id, item.alert))
    headers = signing.signed_headers(
        item.secret or "", delivery_id, body, int(time.time()) if timestamp is None else timestamp
    )
    return body, {"Content-Type": "application/json", **headers}


def send(http: httpx.Client, item: Outgoing) -> Outcome:
    body, headers = request_for(item)
    return outbound.send(http, "POST", item.url, content=body, headers=headers)


def record(
    store: Store,
    settings: Settings,
    item: Outgoing,
    outcome: Outcome,
    now: datetime,
    report: DeliveryReport,
) -> None:
    d = alert_deliveries.c
    values: dict[str, Any]
    if outcome.ok:
        values = {
            "status": "delivered",
            "delivered_at": now,
            "next_attempt_at": None,
            "last_error": None,
        }
        report.delivered += 1
    else:
        delay = (
            outbound.next_delay(settings.alerts.retry_seconds, item.attempts, outcome.retry_after)
            if outcome.retry
            else None
        )
        if delay is None:
            why = "gave up after" if outcome.retry else "refused; not retried after"
            error = f"{outcome.error} ({why} {item.attempts} attempt{'s' * (item.attempts > 1)})"
            values = {"status": "dead", "next_attempt_at": None, "last_error": error}
            report.dead += 1
            log.warning(
                "alert delivery %s to %s is dead: %s",
                item.delivery_id,
                item.destination_name,
                error,
            )
        else:
            values = {
                "next_attempt_at": now + timedelta(seconds=delay),
                "last_error": outcome.error,
            }
            report.retrying += 1
    with store.transaction() as conn:
        # Only the attempt we claimed: a re-drive meanwhile started a new life for it.
        conn.execute(
            alert_deliveries.update()
            .where(d.id == item.delivery_id, d.status == "pending", d.attempts == item.attempts)
            .values(**values)
        )
