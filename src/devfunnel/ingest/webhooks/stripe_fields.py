"""What the billing step reads from a Stripe event, read and checked in one place.

Receiving (the webhook) and applying (the worker) both read an event through
:func:`read`. So the webhook refuses, with 422 naming the field, exactly the events the
worker could not apply, and the worker, which may meet events stored before these
checks, marks such an event failed with the same reason instead of failing on it every
poll. Checked is what the store needs of each value the billing step writes or computes
with: whole numbers that fit their columns (``int("lots")`` used to stop billing for
good), times within the intake rule (:mod:`devfunnel.ingest.times`), a subscription status
the ``subscriptions`` check constraint allows, a three-letter currency, ids that fit.
Stripe's other fields are not read, so they are not checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from devfunnel.errors import ValidationError
from devfunnel.ingest.times import RefusedTime, unix_utc
from devfunnel.ingest.webhooks.payloads import obj as as_obj
from devfunnel.ingest.webhooks.payloads import path
from devfunnel.vocabulary import SUBSCRIPTION_STATUSES

#: Months per billing interval unit, to normalise prices to monthly recurring revenue.
_MONTHS = {"day": 12 / 365, "week": 12 / 52, "month": 1.0, "year": 12.0}
#: What the store's BIGINT money columns and INTEGER ``quantity`` hold.
_BIGINT = (-(2**63), 2**63 - 1)
_COUNT = (0, 2**31 - 1)
#: The store's width for billing ids (``external_id``).
_MAX_ID = 128
_OBJECT = "data.object"


@dataclass(frozen=True)
class Customer:
    """A ``customer.*`` event: who pays, and what may name their company's domain."""

    id: str
    name: str | None
    #: ``metadata.domain``, ``metadata.website`` and ``email``, those that are text.
    domain_hints: tuple[str, ...]


@dataclass(frozen=True)
class Subscription:
    """A ``customer.subscription.*`` event."""

    id: str
    customer: str
    kind: str
    #: ``canceled`` for a deleted subscription, whatever its object says.
    status: str
    plan: str
    currency: str
    quantity: int
    #: Monthly recurring revenue of the items, in minor units (before the status is
    #: considered: a canceled subscription is worth nothing whatever its items say).
    items_mrr_minor: int
    started_at: datetime | None
    current_period_end: datetime | None
    canceled_at: datetime | None
    #: When Stripe created the event (``created``).
    at: datetime | None


@dataclass(frozen=True)
class Invoice:
    """An ``invoice.*`` event."""

    id: str
    customer: str
    subscription: str
    amount_due_minor: int
    amount_paid_minor: int
    currency: str
    status: str
    period_start: datetime | None
    period_end: datetime | None
    paid_at: datetime | None


Fields = Customer | Subscription | Invoice


def read(kind: str, payload: dict[str, Any]) -> Fields:
    """The fields of a handled event, or :class:`ValidationError` naming the first bad one
    (``field`` is its dotted path, such as ``data.object.amount_due``)."""
    data = _Reader(payload)
    if not isinstance(path(payload, "data", "object"), dict):
        raise data.refuse(_OBJECT, "must be a JSON object")
    if kind.startswith("customer.subscription."):
        return data.subscription(kind)
    if kind.startswith("customer."):
        return data.customer()
    return data.invoice()


class _Reader:
    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = payload
        self.object = as_obj(path(payload, "data", "object"))

    def refuse(self, field: str, reason: str) -> ValidationError:
        return ValidationError(
            f"Stripe event field {field!r} {reason}",
            errors=[{"field": field, "reason": reason}],
            field=field,
        )

    def customer(self) -> Customer:
        metadata = as_obj(self.object.get("metadata"))
        hints = (metadata.get("domain"), metadata.get("website"), self.object.get("email"))
        name = self.object.get("name")
        return Customer(
            id=self.id("id"),
            name=str(name) if name else None,
            domain_hints=tuple(h for h in hints if isinstance(h, str) and h.strip()),
        )

    def subscription(self, kind: str) -> Subscription:
        o = self.object
        items = path(o, "items", "data")
        first = as_obj(items[0]) if isinstance(items, list) and items else {}
        price = as_obj(first.get("price"))
        currency, where = price.get("currency"), "items.data[0].price.currency"
        if not currency:
            currency, where = o.get("currency"), "currency"
        return Subscription(
            id=self.id("id"),
            customer=self.id("customer"),
            kind=kind,
            status="canceled" if kind.endswith(".deleted") else self.status(),
            plan=str(price.get("nickname") or price.get("id") or "unknown")[:128],
            currency=self.currency(currency, where),
            quantity=self.whole(first.get("quantity"), "items.data[0].quantity", _COUNT) or 1,
            items_mrr_minor=self.monthly_minor(items),
            started_at=self.time(o.get("start_date"), f"{_OBJECT}.start_date"),
            current_period_end=self.time(
                o.get("current_period_end"), f"{_OBJECT}.current_period_end"
            ),
            canceled_at=self.time(o.get("canceled_at"), f"{_OBJECT}.canceled_at"),
            at=self.time(self.payload.get("created"), "created"),
        )

    def invoice(self) -> Invoice:
        o = self.object
        return Invoice(
            id=self.id("id"),
            customer=self.id("customer"),
            subscription=str(o.get("subscription")),
            amount_due_minor=self.whole(o.get("amount_due"), "amount_due", _BIGINT),
            amount_paid_minor=self.whole(o.get("amount_paid"), "amount_paid", _BIGINT),
            currency=self.currency(o.get("currency"), "currency"),
            status=str(o.get("status") or "open")[:16],
            period_start=self.time(o.get("period_start"), f"{_OBJECT}.period_start"),
            period_end=self.time(o.get("period_end"), f"{_OBJECT}.period_end"),
            paid_at=self.time(
                path(o, "status_transitions", "paid_at"),
                f"{_OBJECT}.status_transitions.paid_at",
            ),
        )

    def id(self, name: str) -> str:
        value = self.object.get(name)
        if not isinstance(value, str) or not value.strip() or len(value) > _MAX_ID:
            raise self.refuse(
                f"{_OBJECT}.{name}", f"must be a Stripe id (text of 1-{_MAX_ID} characters)"
            )
        return value

    def status(self) -> str:
        value = self.object.get("status")
        if value is None:
            return "active"
        if value not in SUBSCRIPTION_STATUSES:
            raise self.refuse(
                f"{_OBJECT}.status", "must be one of " + ", ".join(SUBSCRIPTION_STATUSES)
            )
        return str(value)

    def currency(self, value: Any, where: str) -> str:
        if not value:
            return "USD"
        if not (isinstance(value, str) and len(value) == 3 and value.isascii() and value.isalpha()):
            raise self.refuse(f"{_OBJECT}.{where}", "must be a three-letter currency code")
        return value.upper()

    def whole(self, value: Any, where: str, bounds: tuple[int, int]) -> int:
        """A whole number within ``bounds`` (0 when absent, as Stripe omits zeros)."""
        if value is None:
            return 0
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.refuse(f"{_OBJECT}.{where}", "must be a whole number")
        low, high = bounds
        if not low <= value <= high:
            raise self.refuse(f"{_OBJECT}.{where}", f"must be between {low} and {high}")
        return value

    def time(self, value: Any, field: str) -> datetime | None:
        if value is None:
            return None
        try:
            return unix_utc(value)
        except RefusedTime as refused:
            raise self.refuse(field, refused.reason) from None

    def monthly_minor(self, items: Any) -> int:
        """Monthly recurring revenue of the items, in minor units."""
        total = 0.0
        for n, item in enumerate(items if isinstance(items, list) else []):
            price = path(item, "price")
            if not isinstance(price, dict):
                continue
            at = f"items.data[{n}]"
            recurring = as_obj(price.get("recurring"))
            months = _MONTHS.get(str(recurring.get("interval", "month")), 1.0)
            count = self.whole(
                recurring.get("interval_count"), f"{at}.price.recurring.interval_count", _COUNT
            )
            unit = self.whole(price.get("unit_amount"), f"{at}.price.unit_amount", _BIGINT)
            quantity = self.whole(as_obj(item).get("quantity"), f"{at}.quantity", _COUNT)
            total += unit * (quantity or 1) / (months * (count or 1))
        monthly = round(total) if -(2.0**63) < total < 2.0**63 else None
        if monthly is None or not _BIGINT[0] <= monthly <= _BIGINT[1]:
            raise self.refuse(
                f"{_OBJECT}.items.data", "adds up to a monthly amount too large to store"
            )
        return monthly
