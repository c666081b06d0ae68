"""POST /webhooks/stripe: verified events are stored once and become subscriptions."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from devfunnel.config import Settings
from devfunnel.errors import StoreUnavailable
from devfunnel.ingest.webhooks import stripe, stripe_fields
from devfunnel.store import Store
from devfunnel.store.schema.events import webhook_deliveries
from devfunnel.store.schema.revenue import invoices, mrr_movements, subscriptions
from tests.web.webhooks.conftest import STRIPE_SECRET

CUSTOMER = {
    "id": "evt_customer",
    "type": "customer.created",
    "created": 1_714_000_000,
    "data": {"object": {"id": "cus_1", "email": "ops@initech.example", "name": "Initech"}},
}
SUBSCRIPTION = {
    "id": "evt_subscription",
    "type": "customer.subscription.created",
    "created": 1_714_000_100,
    "data": {
        "object": {
            "id": "sub_1",
            "customer": "cus_1",
            "status": "active",
            "start_date": 1_714_000_100,
            "items": {
                "data": [
                    {
                        "quantity": 2,
                        "price": {
                            "id": "price_team",
                            "nickname": "Team",
                            "unit_amount": 5000,
                            "currency": "usd",
                            "recurring": {"interval": "month", "interval_count": 1},
                        },
                    }
                ]
            },
        }
    },
}


def signature(body: bytes, *, secret: str = STRIPE_SECRET, at: int | None = None) -> str:
    t = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def send(
    client: TestClient, event: dict[str, Any] | bytes, header: str | None = None
) -> httpx.Response:
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    headers = {"Content-Type": "application/json"}
    headers["Stripe-Signature"] = signature(body) if header is None else header
    return client.post("/webhooks/stripe", content=body, headers=headers)


def deliveries(store: Store) -> list[dict[str, Any]]:
    with store.read() as conn:
        query = sa.select(webhook_deliveries).order_by(webhook_deliveries.c.occurred_at)
        return [dict(r) for r in conn.execute(query).mappings()]


def test_verified_events_are_stored_once_and_applied_by_the_worker(
    client: TestClient, store: Store, hook_settings: Settings
) -> None:
    for event in (CUSTOMER, SUBSCRIPTION):
        response = send(client, event)
        assert response.status_code == 200, response.text
        assert response.json() == {"status": "stored", "event": event["type"], "detail": None}
    again = send(client, SUBSCRIPTION)
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    stored = deliveries(store)
    assert [d["delivery_id"] for d in stored] == ["evt_customer", "evt_subscription"]
    assert {d["status"] for d in stored} == {"pending"}

    report = stripe.apply_pending(store, hook_settings)
    assert (report.applied, report.failed, report.subscriptions_created) == (2, 0, 1)
    with store.read() as conn:
        [sub] = conn.execute(sa.select(subscriptions)).mappings().all()
        [movement] = conn.execute(sa.select(mrr_movements)).mappings().all()
    assert (sub["external_id"], sub["plan"], sub["mrr_minor"]) == ("sub_1", "Team", 10000)
    assert movement["kind"] == "new"
    assert movement["subscription_id"] == sub["id"]


def test_a_second_v1_signature_may_be_the_valid_one(client: TestClient, store: Store) -> None:
    body = json.dumps(CUSTOMER).encode()
    t = int(time.time())
    valid = signature(body, at=t).split(",")[1]
    response = send(client, body, f"t={t},v1={'0' * 64},{valid},v0=ignored")
    assert response.status_code == 200, response.text
    assert len(deliveries(store)) == 1


def test_bad_signatures_and_bodies_are_refused_and_nothing_is_stored(
    client: TestClient, store: Store
) -> None:
    body = json.dumps(CUSTOMER).encode()
    old = int(time.time()) - 301
    cases: list[tuple[str, bytes, str | None, int, str]] = [
        ("no header", body, "", 401, "missing"),
        ("tampered body", body.replace(b"Initech", b"Evil"), signature(body), 401, "matches"),
        ("wrong secret", body, signature(body, secret="whsec_other"), 401, "matches"),
        ("old timestamp", body, signature(body, at=old), 401, "replay"),
        ("future timestamp", body, signature(body, at=old + 700), 401, "tolerance"),
        ("malformed header", body, "v1=abc;t=now", 401, "malformed"),
        ("no v1", body, f"t={int(time.time())},v0=abc", 401, "malformed"),
        ("malformed JSON", b'{"id": ', None, 422, "not valid JSON"),
        ("not an object", b'"evt_1"', None, 422, "JSON object"),
        ("no id", json.dumps({"type": "invoice.paid"}).encode(), None, 422, "id"),
        ("wrong types", json.dumps({"id": 5, "type": "x"}).encode(), None, 422, "id"),
        ("bad created", json.dumps({**CUSTOMER, "created": "today"}).encode(), None, 422,
         "created"),
        ("huge body", b" " * (1024 * 1024 + 1), None, 413, "at most"),
    ]  # fmt: skip
    for case, raw, header, status, named in cases:
        response = send(client, raw, header)
        assert response.status_code == status, (case, response.text)
        assert response.headers["content-type"] == "application/problem+json", case
        assert named in response.json()["detail"], (case, response.json())
    assert deliveries(store) == []


def test_without_a_secret_events_are_refused_naming_the_setting(
    unconfigured: TestClient, store: Store
) -> None:
    body = json.dumps(CUSTOMER).encode()
    response = send(unconfigured, body, signature(body, secret=""))
    assert response.status_code >= 500
    assert "DEVFUNNEL_STRIPE_WEBHOOK_SECRET" in response.json()["detail"]
    assert deliveries(store) == []


INVOICE = {
    "id": "evt_invoice",
    "type": "invoice.paid",
    "created": 1_714_000_200,
    "data": {"object": {"id": "in_1", "customer": "cus_1", "subscription": "sub_1",
                        "amount_due": 10000, "amount_paid": 10000, "currency": "usd",
                        "status": "paid", "period_start": 1_714_000_100,
                        "status_transitions": {"paid_at": 1_714_000_200}}},
}  # fmt: skip


def changed(event: dict[str, Any], where: str, value: Any, **top: Any) -> dict[str, Any]:
    """A deep copy of ``event`` with one field of ``data.object`` set, by dotted path
    (``[0]`` indexes a list), and any top-level fields in ``top``."""
    copy: dict[str, Any] = json.loads(json.dumps(event))
    node: Any = copy["data"]["object"]
    *steps, last = where.replace("[0]", ".0").split(".")
    for step in steps:
        node = node[int(step)] if step.isdigit() else node[step]
    node[last] = value
    return {**copy, **top}


#: Events whose shape the billing step cannot use, with the field each is refused by.
UNUSABLE: list[tuple[dict[str, Any], str]] = [
    (changed(INVOICE, "amount_due", "lots"), "data.object.amount_due"),
    (changed(INVOICE, "amount_paid", 12.5), "data.object.amount_paid"),
    (changed(INVOICE, "amount_due", 2**64), "data.object.amount_due"),
    (changed(INVOICE, "currency", "dollars"), "data.object.currency"),
    (changed(INVOICE, "period_start", 10**20), "data.object.period_start"),
    (changed(INVOICE, "customer", None), "data.object.customer"),
    ({**INVOICE, "data": {"object": "in_1"}}, "data.object"),
    (changed(SUBSCRIPTION, "items.data[0].quantity", "lots"), "data.object.items.data[0].quantity"),
    (changed(SUBSCRIPTION, "items.data[0].price.unit_amount", "5000"),
     "data.object.items.data[0].price.unit_amount"),
    (changed(SUBSCRIPTION, "items.data[0].price.recurring.interval_count", -1),
     "data.object.items.data[0].price.recurring.interval_count"),
    (changed(SUBSCRIPTION, "items.data[0].price.unit_amount", 2**62), "data.object.items.data"),
    (changed(SUBSCRIPTION, "current_period_end", 253_402_318_800),  # year 10000
     "data.object.current_period_end"),
    (changed(SUBSCRIPTION, "start_date", "2024-05-01"), "data.object.start_date"),
    (changed(SUBSCRIPTION, "status", "bogus"), "data.object.status"),
    (changed(SUBSCRIPTION, "id", "sub_" + "x" * 200), "data.object.id"),
]  # fmt: skip


def test_an_event_the_billing_step_cannot_use_is_refused_naming_the_field(
    client: TestClient, store: Store
) -> None:
    for event, field in UNUSABLE:
        response = send(client, event)
        assert response.status_code == 422, (field, response.text)
        problem = response.json()
        assert problem["field"] == field, problem
        assert field in problem["detail"], problem
    assert deliveries(store) == []
    # What the billing step does not read is not checked: an ignored event type is stored.
    ignored = {"id": "evt_other", "type": "charge.refunded", "data": {"object": "anything"}}
    assert send(client, ignored).json()["status"] == "stored"


def store_unchecked(store: Store, *events: dict[str, Any]) -> None:
    """Store events as the webhook did before it checked them (pending, in order)."""
    with store.transaction() as conn:
        conn.execute(
            webhook_deliveries.insert(),
            [{"id": uuid.uuid4(), "source": "stripe", "delivery_id": e["id"],
              "event_type": e["type"], "payload": e, "status": "pending",
              "occurred_at": datetime.fromtimestamp(e["created"], UTC),
              "received_at": datetime.now(UTC)} for e in events],
        )  # fmt: skip


def test_the_worker_fails_an_unusable_stored_event_and_applies_the_others(
    store: Store, hook_settings: Settings
) -> None:
    bad_invoice = {**changed(INVOICE, "amount_due", "lots"), "id": "evt_bad", "created": 1}
    bad_period = changed(SUBSCRIPTION, "current_period_end", 10**20)
    bad_period = {**bad_period, "id": "evt_bad_period", "created": 1_714_000_150}
    store_unchecked(store, bad_invoice, CUSTOMER, SUBSCRIPTION, bad_period, INVOICE)

    report = stripe.apply_pending(store, hook_settings)

    assert (report.applied, report.failed, report.subscriptions_created) == (3, 2, 1)
    outcome = {d["delivery_id"]: d for d in deliveries(store)}
    assert {k: d["status"] for k, d in outcome.items()} == {
        "evt_bad": "failed", "evt_customer": "done", "evt_subscription": "done",
        "evt_bad_period": "failed", "evt_invoice": "done"}  # fmt: skip
    assert "'data.object.amount_due' must be a whole number" in outcome["evt_bad"]["error"]
    assert "current_period_end" in outcome["evt_bad_period"]["error"]
    with store.read() as conn:
        [invoice] = conn.execute(sa.select(invoices)).mappings().all()
        [sub] = conn.execute(sa.select(subscriptions)).mappings().all()
    assert (invoice["external_id"], invoice["amount_due_minor"]) == ("in_1", 10000)
    assert invoice["subscription_id"] == sub["id"]
    assert stripe.apply_pending(store, hook_settings) == stripe.BillingReport()


def test_an_event_the_database_refuses_fails_alone(
    store: Store, hook_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A value the checks let through but the store refuses (here a status its check
    constraint does not allow) fails its own event; the others are still applied."""
    second = {**SUBSCRIPTION, "id": "evt_second", "created": 1_714_000_300}
    second = changed(second, "id", "sub_2")
    store_unchecked(store, CUSTOMER, SUBSCRIPTION, second, INVOICE)
    read = stripe.read

    def lets_a_bad_status_through(kind: str, payload: dict[str, Any]) -> stripe_fields.Fields:
        fields = read(kind, payload)
        if isinstance(fields, stripe_fields.Subscription) and fields.id == "sub_2":
            return dataclasses.replace(fields, status="bogus")
        return fields

    monkeypatch.setattr(stripe, "read", lets_a_bad_status_through)
    report = stripe.apply_pending(store, hook_settings)

    assert (report.applied, report.failed) == (3, 1)
    outcome = {d["delivery_id"]: d for d in deliveries(store)}
    assert outcome["evt_second"]["status"] == "failed"
    assert outcome["evt_second"]["error"]
    assert {outcome[k]["status"] for k in ("evt_customer", "evt_subscription", "evt_invoice")} == {
        "done"
    }


def test_a_store_failure_leaves_every_event_pending_for_the_next_poll(
    store: Store, hook_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_unchecked(store, CUSTOMER, SUBSCRIPTION)

    def unavailable(*_: Any) -> None:
        raise StoreUnavailable("the database file is in use by another devfunnel process")

    with monkeypatch.context() as patched:
        patched.setattr(stripe._State, "flush", unavailable)
        with pytest.raises(StoreUnavailable):
            stripe.apply_pending(store, hook_settings)
    assert {d["status"] for d in deliveries(store)} == {"pending"}
    assert stripe.apply_pending(store, hook_settings).applied == 2
