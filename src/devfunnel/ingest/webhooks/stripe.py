"""Stripe webhook events as subscriptions, invoices and MRR movements.

Receiving only stores the event (``webhook_deliveries``, unique by Stripe event id) so the
acknowledgement is cheap and durable; applying, done by the worker, replays pending events
in Stripe's order and derives each MRR movement (new, expansion, contraction, churn,
reactivation) from the change in a subscription's normalised monthly amount.
"""

from __future__ import annotations

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
from devfunnel.ingest.webhooks.payloads import path
from devfunnel.store import Store
from devfunnel.store.query import chunked
from devfunnel.store.schema.events import webhook_deliveries
from devfunnel.store.schema.revenue import invoices, mrr_movements, subscriptions

HANDLED = ("customer.created", "customer.updated", "customer.subscription.created",
           "customer.subscription.updated", "customer.subscription.deleted", "invoice.paid",
           "invoice.payment_failed", "invoice.finalized")  # fmt: skip

#: Months per billing interval unit, to normalise prices to monthly recurring revenue.
_MONTHS = {"day": 12 / 365, "week": 12 / 52, "month": 1.0, "year": 12.0}


@dataclass
class BillingReport:
    applied: int = 0
    failed: int = 0
    subscriptions_created: int = 0
    movements: int = 0


def receive(
    store: Store, payloads: Iterable[dict[str, Any]], *, received_at: datetime | None = None
) -> tuple[int, int]:
    """Durably store Stripe events for the worker; return (stored, duplicates)."""
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


def apply_pending(store: Store, settings: Settings, *, limit: int = 100_000) -> BillingReport:
    """Apply pending Stripe events in the order Stripe created them."""
    report = BillingReport()
    classifier = DomainClassifier(settings.identity.extra_free_mail_domains)
    now = datetime.now(UTC)
    with store.exclusive("billing") as conn:
        w = webhook_deliveries.c
        pending = conn.execute(
            sa.select(w.id, w.event_type, w.payload)
            .where(w.source == "stripe", w.status == "pending")
            .order_by(w.occurred_at, w.received_at)
            .limit(limit)
        ).all()
        if not pending:
            return report
        state = _State(conn, AccountDirectory(conn, now), classifier, now)
        state.preload([_payload(p) for _, _, p in pending])
        outcomes = []
        for delivery_id, kind, raw in pending:
            error = state.apply(kind, _payload(raw))
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

    def preload(self, payloads: list[dict[str, Any]]) -> None:
        objects = [as_obj(path(p, "data", "object")) for p in payloads]
        customers = {o.get("customer") or o.get("id") for o in objects} - {None}
        self.directory.preload("stripe", sorted(str(c) for c in customers))
        sub_ids = {
            str(o["id"])
            for o, p in zip(objects, payloads, strict=True)
            if str(p.get("type", "")).startswith("customer.subscription")
        }
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
        inv_ids = {
            str(o["id"])
            for o, p in zip(objects, payloads, strict=True)
            if str(p.get("type", "")).startswith("invoice.")
        }
        for part in chunked(sorted(inv_ids)):
            for row in self.conn.execute(
                sa.select(invoices).where(
                    invoices.c.source == "stripe", invoices.c.external_id.in_(part)
                )
            ):
                self.invoices[row.external_id] = dict(row._mapping)

    def apply(self, kind: str, payload: dict[str, Any]) -> str | None:
        obj = as_obj(path(payload, "data", "object"))
        if "id" not in obj:
            return "payload has no data.object with an id"
        if kind.startswith("customer.subscription."):
            return self._subscription(kind, obj, _created(payload, self.now))
        if kind.startswith("customer."):
            return self._customer(obj)
        return self._invoice(obj)

    def _customer(self, obj: dict[str, Any]) -> str | None:
        customer = str(obj["id"])
        if self.directory.find("stripe", customer) is not None:
            return None
        metadata = as_obj(obj.get("metadata"))
        candidates = [metadata.get("domain"), metadata.get("website"), obj.get("email")]
        domain = None
        for candidate in candidates:
            if isinstance(candidate, str) and candidate.strip():
                host = domain_from_url(candidate.rsplit("@", 1)[-1]) or candidate
                domain = self.classifier.company_domain(host)
                if domain:
                    break
        account_id = self.directory.find("domain", domain) if domain else None
        if account_id is None:
            name = obj.get("name") or (name_from_domain(domain) if domain else customer)
            keys = [("stripe", customer)] + ([("domain", domain)] if domain else [])
            self.directory.create(name=str(name), source="stripe", keys=keys)
        else:
            self.directory.add_key(account_id, "stripe", customer, "stripe")
        return None

    def _subscription(self, kind: str, obj: dict[str, Any], at: datetime) -> str | None:
        external = str(obj["id"])
        account_id = self.directory.find("stripe", str(obj.get("customer")))
        if account_id is None:
            return f"unknown Stripe customer {obj.get('customer')!r} (no customer event yet)"
        status = "canceled" if kind.endswith(".deleted") else str(obj.get("status", "active"))
        mrr = 0 if status in ("canceled", "incomplete_expired") else _monthly_minor(obj)
        items = path(obj, "items", "data") or []
        first = as_obj(items[0]) if isinstance(items, list) and items else {}
        price = as_obj(first.get("price"))
        current = self.subscriptions.get(external)
        previous_mrr = int(current["mrr_minor"]) if current else 0
        row = {
            "id": current["id"] if current else new_id(), "account_id": account_id,
            "external_id": external, "source": "stripe",
            "plan": str(price.get("nickname") or price.get("id") or "unknown")[:128],
            "status": status, "mrr_minor": mrr,
            "currency": str(price.get("currency") or obj.get("currency") or "usd").upper(),
            "quantity": int(first.get("quantity") or 1),
            "started_at": _ts(obj.get("start_date")) or at,
            "current_period_end": _ts(obj.get("current_period_end")),
            "canceled_at": _ts(obj.get("canceled_at")) or (at if status == "canceled" else None),
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
                "currency": row["currency"], "occurred_at": at, "source_event": kind,
                "created_at": self.now})  # fmt: skip
        return None

    def _invoice(self, obj: dict[str, Any]) -> str | None:
        external = str(obj["id"])
        account_id = self.directory.find("stripe", str(obj.get("customer")))
        if account_id is None:
            return f"unknown Stripe customer {obj.get('customer')!r} (no customer event yet)"
        subscription = self.subscriptions.get(str(obj.get("subscription")))
        paid_at = _ts(path(obj, "status_transitions", "paid_at"))
        current = self.invoices.get(external)
        row = {
            "id": current["id"] if current else new_id(), "account_id": account_id,
            "subscription_id": subscription["id"] if subscription else None,
            "external_id": external, "source": "stripe",
            "amount_due_minor": int(obj.get("amount_due") or 0),
            "amount_paid_minor": int(obj.get("amount_paid") or 0),
            "currency": str(obj.get("currency") or "usd").upper(),
            "status": str(obj.get("status") or "open")[:16],
            "period_start": _ts(obj.get("period_start")), "period_end": _ts(obj.get("period_end")),
            "paid_at": paid_at, "created_at": current["created_at"] if current else self.now,
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


def _monthly_minor(obj: dict[str, Any]) -> int:
    """Monthly recurring revenue of a subscription object, in minor units."""
    total = 0.0
    items = path(obj, "items", "data")
    for item in items if isinstance(items, list) else []:
        price = path(item, "price")
        if not isinstance(price, dict):
            continue
        recurring = as_obj(price.get("recurring"))
        months = _MONTHS.get(str(recurring.get("interval", "month")), 1.0)
        count = int(recurring.get("interval_count") or 1)
        unit = int(price.get("unit_amount") or 0)
        total += unit * int(item.get("quantity") or 1) / (months * count)
    return round(total)


def _ts(value: Any) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int | float) else None


def _created(payload: dict[str, Any], default: datetime) -> datetime:
    return _ts(payload.get("created")) or default
