"""One bad payload must not stop background work: the worker sets it aside and goes on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.ingest.append import append_events
from devfunnel.store import Store
from devfunnel.store.schema.events import ingest_batches, webhook_deliveries
from devfunnel.store.schema.identity import identities
from devfunnel.worker.jobs import run_pending
from tests.helpers.events import past_intake_checks

T0 = datetime(2026, 3, 1, tzinfo=UTC)
#: Year 10000 in UTC: stored by the GitHub webhook before it checked delivery times.
UNREADABLE = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-5)))


def star(store: Store, login: str, when: datetime) -> None:
    row = {"messageId": login, "type": "track", "event": "GitHub Star", "githubLogin": login,
           "timestamp": when}  # fmt: skip
    append_events(store, past_intake_checks(row, source="github"), source="github")


def stripe_event(store: Store, event_id: str, kind: str, obj: dict[str, Any]) -> None:
    """A pending Stripe event stored as the webhook stored them before it checked them."""
    with store.transaction() as conn:
        conn.execute(
            webhook_deliveries.insert().values(
                id=uuid.uuid4(), source="stripe", delivery_id=event_id, event_type=kind,
                payload={"id": event_id, "type": kind, "data": {"object": obj}},
                occurred_at=T0, received_at=datetime.now(UTC), status="pending",
            )
        )  # fmt: skip


def statuses(store: Store, table: sa.Table) -> list[str]:
    with store.read() as conn:
        return sorted(conn.execute(sa.select(table.c.status)).scalars())


def test_bad_batches_and_billing_events_are_set_aside_and_the_rest_is_processed(
    store: Store, settings: Settings
) -> None:
    star(store, "ada", T0)
    star(store, "bob", UNREADABLE)
    stripe_event(store, "evt_customer", "customer.created", {"id": "cus_1", "name": "Initech"})
    stripe_event(store, "evt_lots", "invoice.paid",
                 {"id": "in_1", "customer": "cus_1", "amount_due": "lots"})  # fmt: skip

    report = run_pending(store, settings, now=T0)

    assert (report.batches, report.failed_batches, report.billing_events) == (1, 1, 2)
    assert report.busy
    assert statuses(store, ingest_batches) == ["done", "failed"]
    assert statuses(store, webhook_deliveries) == ["done", "failed"]
    with store.read() as conn:
        assert list(conn.execute(sa.select(identities.c.key)).scalars()) == ["github:ada"]

    # Work arriving afterwards is processed as usual; what was set aside is not retried.
    star(store, "cyd", T0)
    after = run_pending(store, settings, now=T0)
    assert (after.batches, after.failed_batches, after.billing_events) == (1, 0, 0)
    assert not run_pending(store, settings, now=T0).busy
