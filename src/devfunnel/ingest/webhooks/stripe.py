"""Stripe webhook events as subscriptions, invoices and MRR movements.

Receiving only checks and stores the event (``webhook_deliveries``, unique by Stripe event
id) so the acknowledgement is cheap and durable; applying, done by the worker, replays
pending events in Stripe's order and derives each MRR movement (new, expansion,
contraction, churn, reactivation) from the change in a subscription's normalised monthly
amount. Both read an event's fields through :mod:`.stripe_fields`, so what the webhook
accepts is what the worker can apply; an event the worker still cannot apply (stored
before those checks, or naming a customer it has not seen) is marked ``failed`` with its
reason, and the others are applied.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.errors import ValidationError
from devfunnel.identity.accounts import AccountDirectory
from devfunnel.identity.domains import DomainClassifier, domain_from_url, name_from_domain
from devfunnel.ids import new_id
from devfunnel.ingest.records.base import lookup, to_arrow
from devfunnel.ingest.webhooks.payloads import obj as as_obj
from devfunnel.ingest.webhooks.stripe_fields import Customer, Fields, Invoice, Subscription, read
from devfunnel.store import Store
from devfunnel.store.failures import is_data_error, reason
from devfunnel.store.query import chunked
from devfunnel.store.schema.events import webhook_deliveries
from devfunnel.store.schema.revenue import invoices, mrr_movements, subscriptions

log = logging.getLogger(__name__)

HANDLED = ("customer.created", "customer.updated", "customer.subscription.created",
           "customer.subscription.updated", "customer.subscription.deleted", "invoice.paid",
           "invoice.payment_failed", "invoice.finalized")  # fmt: skip
_w = webhook_deliveries.c


@dataclass
class BillingReport:
    applied: int = 0
    failed: int = 0
    subscriptions_created: int = 0
    movements: int = 0


def receive(
    store: Store, payloads: Iterable[dict[str, Any]], *, received_at: datetime | None = None
) -> tuple[int, int]:
    """Durably store Stripe events for the worker; return (stored, duplicates).

    An event that is not a Stripe event, or a handled one with a field the billing step
    could not use, is refused with :class:`ValidationError` naming the field, and nothing
    of the call is stored."""
    now = received_at or datetime.now(UTC)
    rows = []
    for payload in payloads:
        _check(payload)
        kind = str(payload["type"])
        created = payload.get("created")
        occurred = datetime.fromtimestamp(created, UTC) if isinstance(created, int) else now
        rows.append(
            {
                "id": new_id(),
                "source": "stripe",
                "delivery_id": str(payload["id"]),
                "event_type": kind[:64],
                "payload": payload,
                "occurred_at": occurred,
                "received_at": now,
                "status": "pending" if kind in HANDLED else "ignored",
            }
        )
    if not rows:
        return 0, 0
    with store.transaction() as conn:
        stored = store.append(
            conn, webhook_deliveries, to_arrow(rows), unique_on=("source", "delivery_id")
        )
    return stored, len(rows) - stored


#: Stripe's ``created`` is a Unix time; later than this is not a real event time.
_LATEST = 4_102_444_800  # 2100-01-01


def _check(payload: Any) -> None:
    """Refuse what is not a Stripe event, naming the field."""
    if not isinstance(payload, dict):
        raise ValidationError("a Stripe event must be a JSON object")
    for name in ("id", "type"):
        if not isinstance(payload.get(name), str) or not payload[name].strip():
            raise ValidationError(
                f"Stripe event field {name!r} must be a non-empty string", field=name
            )
    created = payload.get("created")
    if created is not None and not (isinstance(created, int) and 0 <= created < _LATEST):
        raise ValidationError("Stripe event field 'created' must be a Unix time", field="created")
    if payload["type"] in HANDLED:
        read(payload["type"], payload)


def apply_pending(store: Store, settings: Settings, *, limit: int = 100_000) -> BillingReport:
    """Apply pending Stripe events in the order Stripe created them.

    Each event is applied whole or not at all: one whose fields the billing step cannot
    use (:func:`.stripe_fields.read`), or that names a customer not yet seen, is marked
    ``failed`` with its reason and the others are applied. They are written together, in
    one transaction, which keeps a backlog cheap. Should that write fail with a data
    error (:func:`devfunnel.store.failures.is_data_error`: a value the database refuses
    that the checks missed), all or nothing it would fail every poll and hold up every
    other event, so the events are applied again one at a time, each in its own
    transaction, and the one at fault is marked failed. Any other failure (the database
    unreachable or locked, a bug) is raised, and the worker retries on its next poll.
    """
    try:
        return _apply(store, settings, limit=limit)
    except Exception as exc:
        if not is_data_error(exc):
            raise
        log.warning(
            "applying the pending Stripe events together failed (%s); applying them one at a time",
            reason(exc),
        )
    with store.read() as conn:
        ids = [row[0] for row in conn.execute(_pending(limit).with_only_columns(_w.id))]
    report = BillingReport()
    for delivery_id in ids:
        try:
            one = _apply(store, settings, limit=1, only=delivery_id)
        except Exception as exc:
            if not is_data_error(exc):
                raise
            report.failed += _mark_failed(store, delivery_id, reason(exc))
            continue
        report.applied += one.applied
        report.failed += one.failed
        report.subscriptions_created += one.subscriptions_created
        report.movements += one.movements
    return report


def _pending(limit: int) -> sa.Select[uuid.UUID, str, Any]:
    return (
        sa.select(_w.id, _w.event_type, _w.payload)
        .where(_w.source == "stripe", _w.status == "pending")
        .order_by(_w.occurred_at, _w.received_at)
        .limit(limit)
    )


def _apply(
    store: Store, settings: Settings, *, limit: int, only: uuid.UUID | None = None
) -> BillingReport:
    """Apply the first ``limit`` pending events (or event ``only``, if still pending) in
    one transaction."""
    report = BillingReport()
    classifier = DomainClassifier(settings.identity.extra_free_mail_domains)
    now = datetime.now(UTC)
    with store.exclusive("billing") as conn:
        query = _pending(limit) if only is None else _pending(limit).where(_w.id == only)
        pending = [(event_id, _read(kind, raw)) for event_id, kind, raw in conn.execute(query)]
        if not pending:
            return report
        state = _State(conn, AccountDirectory(conn, now), classifier, now)
        state.preload([fields for _, fields in pending if not isinstance(fields, str)])
        outcomes = []
        for delivery_id, fields in pending:
            error = fields if isinstance(fields, str) else state.apply(fields)
            outcomes.append(
                {
                    "id": delivery_id,
                    "status": "failed" if error else "done",
                    "error": error,
                    "processed_at": now,
                }
            )
            report.failed += bool(error)
            report.applied += not error
        state.flush(store)
        store.update(conn, webhook_deliveries, to_arrow(outcomes))
        report.subscriptions_created = len(state.new_subscriptions)
        report.movements = len(state.movements)
    return report


def _read(kind: str, raw: Any) -> Fields | str:
    """The event's fields, or why the billing step cannot use them."""
    try:
        return read(kind, _payload(raw))
    except ValidationError as refused:
        return refused.detail


def _mark_failed(store: Store, delivery_id: uuid.UUID, error: str) -> bool:
    """Set a pending event aside with ``error``; ``False`` when it is no longer pending."""
    with store.exclusive("billing") as conn:
        result = conn.execute(
            webhook_deliveries.update()
            .where(_w.id == delivery_id, _w.status == "pending")
            .values(status="failed", error=error, processed_at=datetime.now(UTC))
            .returning(_w.id)
        )
        marked = result.first() is not None
    if marked:
        log.error("set aside Stripe event %s, which cannot be applied: %s", delivery_id, error)
    return marked


def _payload(raw: Any) -> dict[str, Any]:
    return as_obj(orjson.loads(raw) if isinstance(raw, str | bytes) else raw)


class _State:
    """Subscriptions and customers touched by one apply run, written back in bulk."""

    def __init__(
        self,
        conn: sa.Connection,
        directory: AccountDirectory,
        classifier: DomainClassifier,
        now: datetime,
    ) -> None:
        self.conn, self.directory, self.classifier, self.now = conn, directory, classifier, now
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.new_subscriptions: set[str] = set()
        self.changed_subscriptions: set[str] = set()
        self.ever_churned: set[str] = set()
        self.movements: list[dict[str, Any]] = []
        self.invoices: dict[str, dict[str, Any]] = {}
        self.new_invoices: set[str] = set()

    def preload(self, events: list[Fields]) -> None:
        customers = {e.id if isinstance(e, Customer) else e.customer for e in events}
        self.directory.preload("stripe", sorted(customers))
        sub_ids = {e.id for e in events if isinstance(e, Subscription)}
        for part in chunked(sorted(sub_ids)):
            for row in self.conn.execute(
                sa.select(subscriptions).where(
                    subscriptions.c.source == "stripe", subscriptions.c.external_id.in_(part)
                )
            ):
                self.subscriptions[row.external_id] = dict(row._mapping)
        churned = lookup(
            self.conn,
            mrr_movements,
            "subscription_id",
            [s["id"] for s in self.subscriptions.values()],
            "kind",
        )
        self.ever_churned = {
            ext
            for ext, s in self.subscriptions.items()
            if churned.get(s["id"]) == "churn" or s["status"] == "canceled"
        }
        inv_ids = {e.id for e in events if isinstance(e, Invoice)}
        for part in chunked(sorted(inv_ids)):
            for row in self.conn.execute(
                sa.select(invoices).where(
                    invoices.c.source == "stripe", invoices.c.external_id.in_(part)
                )
            ):
                self.invoices[row.external_id] = dict(row._mapping)

    def apply(self, event: Fields) -> str | None:
        """Apply one event to the run's state, or say why it cannot be; a refused event
        changes nothing."""
        if isinstance(event, Subscription):
            return self._subscription(event)
        if isinstance(event, Customer):
            return self._customer(event)
        return self._invoice(event)

    def _customer(self, event: Customer) -> str | None:
        customer = event.id
        if self.directory.find("stripe", customer) is not None:
            return None
        domain = None
        for candidate in event.domain_hints:
            host = domain_from_url(candidate.rsplit("@", 1)[-1]) or candidate
            domain = self.classifier.company_domain(host)
            if domain:
                break
        account_id = self.directory.find("domain", domain) if domain else None
        if account_id is None:
            name = event.name or (name_from_domain(domain) if domain else customer)
            keys = [("stripe", customer)] + ([("domain", domain)] if domain else [])
            self.directory.create(name=str(name), source="stripe", keys=keys)
        else:
            self.directory.add_key(account_id, "stripe", customer, "stripe")
        return None

    def _subscription(self, event: Subscription) -> str | None:
        external = event.id
        account_id = self.directory.find("stripe", event.customer)
        if account_id is None:
            return f"unknown Stripe customer {event.customer!r} (no customer event yet)"
        at = event.at or self.now
        status = event.status
        mrr = 0 if status in ("canceled", "incomplete_expired") else event.items_mrr_minor
        current = self.subscriptions.get(external)
        previous_mrr = int(current["mrr_minor"]) if current else 0
        row = {
            "id": current["id"] if current else new_id(), "account_id": account_id,
            "external_id": external, "source": "stripe", "plan": event.plan,
            "status": status, "mrr_minor": mrr, "currency": event.currency,
            "quantity": event.quantity, "started_at": event.started_at or at,
            "current_period_end": event.current_period_end,
            "canceled_at": event.canceled_at or (at if status == "canceled" else None),
            "created_at": current["created_at"] if current else self.now, "updated_at": self.now,
        }  # fmt: skip
        if current is None:
            self.new_subscriptions.add(external)
        else:
            self.changed_subscriptions.add(external)
        self.subscriptions[external] = row
        movement = _movement(
            previous_mrr, mrr, status, external in self.ever_churned, current is None
        )
        if movement:
            if movement == "churn":
                self.ever_churned.add(external)
            self.movements.append({
                "id": new_id(), "account_id": account_id, "subscription_id": row["id"],
                "kind": movement, "mrr_delta_minor": mrr - previous_mrr,
                "currency": row["currency"], "occurred_at": at, "source_event": event.kind,
                "created_at": self.now})  # fmt: skip
        return None

    def _invoice(self, event: Invoice) -> str | None:
        external = event.id
        account_id = self.directory.find("stripe", event.customer)
        if account_id is None:
            return f"unknown Stripe customer {event.customer!r} (no customer event yet)"
        subscription = self.subscriptions.get(event.subscription)
        current = self.invoices.get(external)
        row = {
            "id": current["id"] if current else new_id(), "account_id": account_id,
            "subscription_id": subscription["id"] if subscription else None,
            "external_id": external, "source": "stripe",
            "amount_due_minor": event.amount_due_minor,
            "amount_paid_minor": event.amount_paid_minor,
            "currency": event.currency, "status": event.status,
            "period_start": event.period_start, "period_end": event.period_end,
            "paid_at": event.paid_at, "created_at": current["created_at"] if current else self.now,
        }  # fmt: skip
        if current is None:
            self.new_invoices.add(external)
        self.invoices[external] = row
        return None

    def flush(self, store: Store) -> None:
        self.directory.flush(store)
        new = [s for k, s in self.subscriptions.items() if k in self.new_subscriptions]
        changed = [
            s
            for k, s in self.subscriptions.items()
            if k in self.changed_subscriptions and k not in self.new_subscriptions
        ]
        if new:
            store.append(self.conn, subscriptions, to_arrow(new))
        if changed:
            store.update(self.conn, subscriptions, to_arrow(changed))
        if self.movements:
            store.append(self.conn, mrr_movements, to_arrow(self.movements))
        new_inv = [i for k, i in self.invoices.items() if k in self.new_invoices]
        old_inv = [i for k, i in self.invoices.items() if k not in self.new_invoices]
        if new_inv:
            store.append(self.conn, invoices, to_arrow(new_inv))
        if old_inv:
            store.update(self.conn, invoices, to_arrow(old_inv))


def _movement(
    previous: int, current: int, status: str, churned_before: bool, first: bool
) -> str | None:
    if current == previous:
        return None
    if previous == 0:
        return "reactivation" if churned_before and not first else "new"
    if current == 0:
        return "churn"
    return "expansion" if current > previous else "contraction"
