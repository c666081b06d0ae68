"""Delivery to real HTTP receivers on 127.0.0.1: signatures, Slack's shape, retries,
the dead-letter list and re-driving, at-least-once with a stable id, digests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from devfunnel.admin.audit import CLI
from devfunnel.alerts import deliver, signing
from devfunnel.alerts.destinations import Destination, add_destination
from devfunnel.alerts.detect import detect_alerts
from devfunnel.alerts.history import dead_deliveries, list_alerts, retry
from devfunnel.config import Settings
from devfunnel.errors import Conflict, NotFound
from devfunnel.store import Store
from devfunnel.store.schema.admin import alert_deliveries, audit_log
from tests.alerts.conftest import PUBLIC_URL
from tests.helpers.local_http import LocalServer, Received, Reply
from tests.helpers.records import NOW, Seed

SECRET = "whsec-test-0123456789abcdef"


@dataclass
class Receiver:
    """A webhook receiver as its docs tell it to be: verify, then deduplicate by id.
    It answers ``status`` to the first ``failures`` requests (or all, with ``forever``)."""

    failures: int = 0
    forever: bool = False
    status: int = 503
    headers: dict[str, str] | None = None
    calls: int = 0
    accepted: dict[str, Any] = field(default_factory=dict)
    duplicates: int = 0
    ids: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: Received) -> Reply:
        with self.lock:
            self.calls += 1
            self.ids.append(request.headers.get("x-devfunnel-delivery", ""))
            if self.forever or self.calls <= self.failures:
                return Reply(self.status, {"error": "unavailable"}, self.headers)
            if "x-devfunnel-signature" in request.headers and not signing.verify(
                SECRET,
                request.body,
                request.headers.get("x-devfunnel-timestamp"),
                request.headers.get("x-devfunnel-signature"),
            ):
                return Reply(401, {"error": "bad signature"})
            delivery = request.headers["x-devfunnel-delivery"]
            if delivery in self.accepted:
                self.duplicates += 1
            else:
                self.accepted[delivery] = request.json()
            return Reply(200, {"ok": True})


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
def server(receiver: Receiver) -> Iterator[LocalServer]:
    served = LocalServer(receiver).start()
    yield served
    served.stop()


def webhook(store: Store, server: LocalServer, **more: Any) -> Destination:
    return add_destination(
        store,
        CLI,
        name=more.pop("name", "crm hook"),
        kind="webhook",
        url=f"{server.url}/hooks/devfunnel",
        secret=SECRET,
        **more,
    )


def one_pqa(store: Store, seed: Seed, settings: Settings, name: str = "Acme Inc") -> None:
    acme = seed.account(name, "acme.io", owner_id=seed.user("ines.ae@acme.dev", "Ines Ortega"))
    seed.scores(acme)
    assert detect_alerts(store, settings, now=NOW).total == 1


def delivery_row(store: Store) -> Any:
    with store.read() as conn:
        return conn.execute(sa.select(alert_deliveries)).one()


def test_a_signed_webhook_the_receiver_verifies(
    store: Store, seed: Seed, alert_settings: Settings, server: LocalServer, receiver: Receiver
) -> None:
    webhook(store, server)
    one_pqa(store, seed, alert_settings)
    report = deliver.deliver_due(store, alert_settings, now=NOW)
    assert (report.delivered, report.retrying, report.dead) == (1, 0, 0)
    row = delivery_row(store)
    assert (row.status, row.attempts, row.delivered_at) == ("delivered", 1, NOW)
    (request,) = server.received("/hooks/devfunnel")
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-devfunnel-delivery"] == str(row.id)
    assert request.headers["x-devfunnel-signature"].startswith("v1=")
    body = receiver.accepted[str(row.id)]
    assert body["id"] == str(row.id)
    assert body["type"] == "alert"
    assert body["alert"]["kind"] == "became_pqa"
    assert body["alert"]["account"]["domain"] == "acme.io"
    assert body["alert"]["owner"]["name"] == "Ines Ortega"
    assert body["alert"]["link"].startswith(f"{PUBLIC_URL}/accounts/")
    # A body changed on the way fails verification.
    tampered = request.body.replace(b"acme.io", b"evil.io")
    assert not signing.verify(
        SECRET,
        tampered,
        request.headers["x-devfunnel-timestamp"],
        request.headers["x-devfunnel-signature"],
    )
    # Nothing is due any more.
    assert deliver.deliver_due(store, alert_settings, now=NOW + timedelta(hours=1)).attempted == 0


def test_slack_gets_text_and_blocks_with_escaped_names(
    store: Store, seed: Seed, alert_settings: Settings, server: LocalServer
) -> None:
    add_destination(
        store, CLI, name="#sales", kind="slack", url=f"{server.url}/services/T000/B000/XXXX"
    )
    one_pqa(store, seed, alert_settings, name="Acme & <Co>")
    deliver.deliver_due(store, alert_settings, now=NOW)
    (request,) = server.received("/services/T000/B000/XXXX")
    assert "x-devfunnel-signature" not in request.headers
    body = request.json()
    assert set(body) == {"text", "blocks"}
    assert body["text"] == "Acme & <Co> became a product-qualified account"
    header, section, why, context = body["blocks"]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Acme & <Co> became a product-qualified account"},
    }
    assert section["type"] == "section"
    assert section["text"]["type"] == "mrkdwn"
    assert section["text"]["text"].startswith(f"*<{PUBLIC_URL}/accounts/")
    assert "|Acme &amp; &lt;Co&gt;>* (acme.io)" in section["text"]["text"]
    assert {"type": "mrkdwn", "text": "*Owner*\nInes Ortega"} in section["fields"]
    assert why["text"]["text"] == "*Why*\n• api_usage (42%)\n• sdk_installed (21%)"
    assert context["type"] == "context"
    assert str(delivery_row(store).id) in context["elements"][0]["text"]


def test_a_receiver_that_fails_then_recovers_gets_it_once_with_one_id(
    store: Store, seed: Seed, alert_settings: Settings, server: LocalServer, receiver: Receiver
) -> None:
    receiver.failures = 2
    webhook(store, server)
    one_pqa(store, seed, alert_settings)
    assert deliver.deliver_due(store, alert_settings, now=NOW).retrying == 1
    row = delivery_row(store)
    assert row.next_attempt_at == NOW + timedelta(seconds=1)
    assert row.last_error.startswith("HTTP 503 from 127.0.0.1")
    # Not due yet: nothing is sent.
    assert deliver.deliver_due(store, alert_settings, now=NOW).attempted == 0
    assert receiver.calls == 1
    later = NOW + timedelta(seconds=1)
    assert deliver.deliver_due(store, alert_settings, now=later).retrying == 1
    assert delivery_row(store).next_attempt_at == later + timedelta(seconds=2)
    done = deliver.deliver_due(store, alert_settings, now=later + timedelta(seconds=2))
    assert done.delivered == 1
    row = delivery_row(store)
    assert (row.status, row.attempts, row.last_error) == ("delivered", 3, None)
    assert receiver.ids == [str(row.id)] * 3
    assert list(receiver.accepted) == [str(row.id)]


def test_a_receiver_that_never_recovers_is_dead_lettered_then_redriven(
    store: Store, seed: Seed, alert_settings: Settings, server: LocalServer, receiver: Receiver
) -> None:
    receiver.forever = True
    webhook(store, server)
    one_pqa(store, seed, alert_settings)
    at = NOW
    for delay in [*alert_settings.alerts.retry_seconds, None]:
        deliver.deliver_due(store, alert_settings, now=at)
        if delay is not None:
            at += timedelta(seconds=delay)
    row = delivery_row(store)
    assert (row.status, row.attempts, row.next_attempt_at) == ("dead", 4, None)
    assert row.last_error.endswith("(gave up after 4 attempts)")
    ((dead, alert),) = dead_deliveries(store)
    assert dead.id == row.id
    assert alert.kind == "became_pqa"
    assert dead.destination == "crm hook"
    assert deliver.deliver_due(store, alert_settings, now=at + timedelta(days=1)).attempted == 0

    receiver.forever = False
    (requeued,) = retry(store, str(row.id), CLI, now=at)
    assert (requeued.status, requeued.attempts) == ("pending", 0)
    assert deliver.deliver_due(store, alert_settings, now=at).delivered == 1
    assert list(receiver.accepted) == [str(row.id)]
    assert receiver.calls == 5
    assert dead_deliveries(store) == []
    with store.read() as conn:
        actions = conn.execute(sa.select(audit_log.c.action, audit_log.c.entity_id)).all()
    assert ("alert_delivery.retry", row.id) in actions


def test_retry_refuses_unknown_ids_and_live_deliveries(
    store: Store, seed: Seed, alert_settings: Settings, server: LocalServer
) -> None:
    webhook(store, server)
    one_pqa(store, seed, alert_settings)
    with pytest.raises(NotFound, match="no alert or alert delivery"):
        retry(store, "0196a3b4-0000-7000-8000-000000000000", CLI)
    with pytest.raises(Conflict, match=r"has no dead delivery \(status: pending\)"):
        retry(store, str(delivery_row(store).id), CLI)


def test_a_refusal_is_dead_at_once(
    store: Store, seed: Seed, alert_settings: Settings, server: LocalServer, receiver: Receiver
) -> None:
    receiver.forever, receiver.status = True, 410
    webhook(store, server)
    one_pqa(store, seed, alert_settings)
    assert deliver.deliver_due(store, alert_settings, now=NOW).dead == 1
    row = delivery_row(store)
    assert row.status == "dead"
    assert row.last_error.endswith("(refused; not retried after 1 attempt)")


def test_retry_after_is_honoured(
    store: Store, seed: Seed, alert_settings: Settings, server: LocalServer, receiver: Receiver
) -> None:
    receiver.failures, receiver.status, receiver.headers = 1, 429, {"Retry-After": "30"}
    webhook(store, server)
    one_pqa(store, seed, alert_settings)
    deliver.deliver_due(store, alert_settings, now=NOW)
    assert delivery_row(store).next_attempt_at == NOW + timedelta(seconds=30)
    assert (
        deliver.deliver_due(store, alert_settings, now=NOW + timedelta(seconds=29)).attempted == 0
    )
    assert (
        deliver.deliver_due(store, alert_settings, now=NOW + timedelta(seconds=30)).delivered == 1
    )


def test_an_unreachable_receiver_is_retried(
    store: Store, seed: Seed, alert_settings: Settings, server: LocalServer, receiver: Receiver
) -> None:
    webhook(store, server)
    one_pqa(store, seed, alert_settings)
    server.stop()
    report = deliver.deliver_due(store, alert_settings, now=NOW)
    assert report.retrying == 1
    assert delivery_row(store).last_error == "cannot reach 127.0.0.1: connection refused or failed"
    server.start()
    assert deliver.deliver_due(store, alert_settings, now=NOW + timedelta(seconds=1)).delivered == 1
    assert len(receiver.accepted) == 1


def test_a_crash_between_send_and_record_resends_the_same_id(
    store: Store, seed: Seed, alert_settings: Settings, server: LocalServer, receiver: Receiver
) -> None:
    webhook(store, server)
    one_pqa(store, seed, alert_settings)
    (claimed,) = deliver.claim(store, alert_settings, NOW)
    with deliver.outbound.client(5.0) as http:
        assert deliver.send(http, claimed).ok  # ... and the process dies before recording
    lease = timedelta(seconds=deliver.lease_seconds(alert_settings))
    assert deliver.deliver_due(store, alert_settings, now=NOW + lease / 2).attempted == 0
    assert deliver.deliver_due(store, alert_settings, now=NOW + lease).delivered == 1
    assert receiver.ids == [str(claimed.delivery_id)] * 2
    assert receiver.duplicates == 1
    assert len(receiver.accepted) == 1


def test_a_digest_destination_gets_one_summary_per_period(
    store: Store, seed: Seed, alert_settings: Settings, server: LocalServer, receiver: Receiver
) -> None:
    webhook(store, server, name="digest hook", digest=True)
    live = add_destination(
        store, CLI, name="#sales", kind="slack", url=f"{server.url}/services/live"
    )
    acme = seed.account("Acme Inc", "acme.io")
    globex = seed.account("Globex", "globex.com")
    seed.scores(acme, pqa_since=NOW - timedelta(minutes=20))
    detect_alerts(store, alert_settings, now=NOW - timedelta(minutes=15))  # 11:45
    seed.scores(globex, pqa_since=NOW - timedelta(minutes=10))
    detect_alerts(store, alert_settings, now=NOW - timedelta(minutes=5))  # 11:55
    # The live destination gets each alert at once; the digest waits for the period's end.
    report = deliver.deliver_due(store, alert_settings, now=NOW - timedelta(minutes=1))
    assert (report.delivered, report.digests) == (2, 0)
    assert server.received("/hooks/devfunnel") == []
    assert len(server.received("/services/live")) == 2

    report = deliver.deliver_due(store, alert_settings, now=NOW + timedelta(seconds=30))
    assert (report.delivered, report.digests) == (1, 1)
    (request,) = server.received("/hooks/devfunnel")
    body = request.json()
    assert body["id"] == request.headers["x-devfunnel-delivery"]
    assert body["type"] == "digest"
    digest = body["digest"]
    assert digest["count"] == 2
    assert digest["period_end"] == NOW.isoformat()
    assert [a["account"]["name"] for a in digest["alerts"]] == ["Acme Inc", "Globex"]
    # Formed once: the next pass in the same period forms nothing.
    again = deliver.deliver_due(store, alert_settings, now=NOW + timedelta(minutes=30))
    assert (again.digests, again.attempted) == (0, 0)
    alerts = list_alerts(store)
    assert [a.kind for a in alerts] == ["digest", "became_pqa", "became_pqa"]
    statuses = {d.destination: d.status for a in alerts[1:] for d in a.deliveries}
    assert statuses == {"digest hook": "digested", "#sales": "delivered"}
    assert live.digest is False
