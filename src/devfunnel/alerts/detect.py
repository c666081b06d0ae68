"""Find the conditions sellers and managers must hear about, and raise each exactly once.

Four conditions, each keyed by what makes one occurrence distinct (``alerts.dedupe_key``),
so running detection again, or from two processes, raises nothing twice:

- ``became_pqa``: an account's scores say it is product-qualified (``account_scores.pqa``)
  since ``pqa_since``; losing and regaining PQA is a new occurrence.
- ``lead_sla_breached``: a lead passed its speed-to-lead SLA (``leads.breached_at``) and is
  still untouched and open.
- ``handoff_waiting``: a handoff is still pending after its ``due_at``.
- ``deal_quiet``: an open opportunity had no conversation or stage change for
  ``pipeline.quiet_after_days`` AND its account's developers went quiet too: they had
  events before, and none in that window (see :mod:`devfunnel.alerts.quiet`).

A condition that began more than ``alerts.max_age_hours`` ago is history, not news
(a first run over imported data, a worker that was down): it raises nothing. New alerts
and one pending delivery per matching active destination are written in one transaction.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from devfunnel.alerts import conditions, quiet
from devfunnel.alerts.context import load_json
from devfunnel.config import Settings
from devfunnel.ids import new_id
from devfunnel.store import Store
from devfunnel.store.query import chunked
from devfunnel.store.schema.admin import alert_deliveries, alert_destinations, alerts


@dataclass
class DetectReport:
    raised: Counter[str] = field(default_factory=Counter)
    deliveries: int = 0

    @property
    def total(self) -> int:
        return sum(self.raised.values())


def detect_alerts(store: Store, settings: Settings, *, now: datetime | None = None) -> DetectReport:
    """Raise every new occurrence and queue its deliveries; safe to run at any time."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(hours=settings.alerts.max_age_hours)
    report = DetectReport()
    with store.exclusive("alert-detection") as conn:
        found = [
            *conditions.became_pqa(conn, settings, now, cutoff),
            *conditions.leads_breached(conn, settings, now, cutoff),
            *conditions.handoffs_waiting(conn, settings, now, cutoff),
            *quiet.deals_gone_quiet(conn, settings, now, cutoff),
        ]
        known = _existing_keys(conn, [f.dedupe_key for f in found])
        fresh = [f for f in found if f.dedupe_key not in known]
        if not fresh:
            return report
        destinations = _destinations(conn)
        for item in fresh:
            alert_id = new_id()
            conn.execute(
                alerts.insert().values(
                    id=alert_id,
                    kind=item.kind,
                    dedupe_key=item.dedupe_key,
                    account_id=item.account_id,
                    payload=item.payload,
                    created_at=now,
                )
            )
            report.raised[item.kind] += 1
            for destination_id, kinds in destinations:
                if kinds is None or item.kind in kinds:
                    queue_delivery(conn, alert_id, destination_id, now)
                    report.deliveries += 1
    return report


def queue_delivery(
    conn: sa.Connection, alert_id: uuid.UUID, destination_id: uuid.UUID, now: datetime
) -> uuid.UUID:
    """A pending delivery, due now. Its id is what the receiver deduplicates by."""
    delivery_id = new_id()
    conn.execute(
        alert_deliveries.insert().values(
            id=delivery_id,
            alert_id=alert_id,
            destination_id=destination_id,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    return delivery_id


def _destinations(conn: sa.Connection) -> list[tuple[uuid.UUID, set[str] | None]]:
    d = alert_destinations.c
    rows = conn.execute(sa.select(d.id, d.alert_kinds).where(d.active.is_(sa.true())))
    found: list[tuple[uuid.UUID, set[str] | None]] = []
    for row in rows:
        kinds = load_json(row.alert_kinds)
        found.append((row.id, set(kinds) if isinstance(kinds, list) else None))
    return found


def _existing_keys(conn: sa.Connection, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for part in chunked(sorted(set(keys))):
        query = sa.select(alerts.c.dedupe_key).where(alerts.c.dedupe_key.in_(part))
        found.update(conn.execute(query).scalars())
    return found
