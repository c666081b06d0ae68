"""POST /webhooks/stripe: verified events are stored once and become subscriptions."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi.testclient import TestClient

from devfunnel.config import Settings
from devfunnel.ingest.webhooks import stripe
from devfunnel.store import Store
from devfunnel.store.schema.events import webhook_deliveries
from devfunnel.store.schema.revenue import mrr_movements, subscriptions
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
